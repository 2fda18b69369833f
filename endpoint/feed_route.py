"""``/feed``: the change feed (LDES event stream of ActivityStreams members).

``/feed`` describes the stream and points at its first page; ``/feed/{generation}/{page}`` is
one page of that generation's changes, in TriG (default), JSON-LD or N-Quads. Pages followed
by another are final (``Cache-Control: immutable``); the newest page carries an ETag.
"""

from __future__ import annotations

import threading

from pyoxigraph import Quad, RdfFormat, serialize
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.errors import error_response
from endpoint.negotiation import choose
from exports.feed import (
    AS,
    LDES,
    TREE,
    Change,
    PageLinks,
    diff,
    event_stream,
    feed_page,
    page_count,
    page_iri,
)
from loader.generations import Generation
from loader.repo import EmbeddedRepo
from ontology.namespaces import PREFIXES

FORMATS = {"application/trig": RdfFormat.TRIG, "application/ld+json": RdfFormat.JSON_LD,
           "application/n-quads": RdfFormat.N_QUADS}
FEED_PREFIXES = {**PREFIXES, "as": AS.iri, "ldes": LDES.iri, "tree": TREE.iri}
IMMUTABLE = "public, max-age=31536000, immutable"


class FeedChanges:
    """Each generation's changes, computed once from the graph indexes."""

    def __init__(self) -> None:
        self._changes: dict[str, list[Change]] = {}
        self._lock = threading.Lock()

    def of(self, repo: EmbeddedRepo, generations: list[Generation],
           position: int) -> list[Change]:
        generation = generations[position]
        with self._lock:
            if generation.id in self._changes:
                return self._changes[generation.id]
        before = repo.layout.graphs(generations[position - 1]) if position else {}
        changes = diff(before, repo.layout.graphs(generation))
        with self._lock:
            self._changes[generation.id] = changes
        return changes


def _format(request: Request) -> RdfFormat | None:
    chosen = choose(request.headers.get("accept"), list(FORMATS))
    return FORMATS.get(chosen) if chosen else None


def _repo(request: Request) -> EmbeddedRepo | Response:
    repo = request.app.state.repo
    if not isinstance(repo, EmbeddedRepo):
        return error_response(404, "not_found", "this store serves no change feed")
    if repo.generation() is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    return repo


def _ready(request: Request) -> tuple[EmbeddedRepo, RdfFormat] | Response:
    """The store and the negotiated format, or the error answer (404, 503 or 406)."""
    repo = _repo(request)
    if isinstance(repo, Response):
        return repo
    rdf_format = _format(request)
    if rdf_format is None:
        return error_response(406, "not_acceptable", f"the feed is served as {', '.join(FORMATS)}")
    return repo, rdf_format


def _send(quads: list[Quad], rdf_format: RdfFormat, headers: dict[str, str]) -> Response:
    body = serialize(quads, format=rdf_format, prefixes=FEED_PREFIXES)
    media_type = f"{rdf_format.media_type}; charset=utf-8" \
        if rdf_format != RdfFormat.JSON_LD else rdf_format.media_type
    return Response(body or b"", media_type=media_type, headers={"vary": "accept", **headers})


async def feed(request: Request) -> Response:
    """The event stream's description."""
    ready = _ready(request)
    if isinstance(ready, Response):
        return ready
    repo, rdf_format = ready
    generations = repo.generations()
    base_iri = generations[-1].base_iri
    return _send(event_stream(base_iri, generations), rdf_format,
                 {"cache-control": "no-cache", "etag": f'"feed-{generations[-1].id}"'})


async def feed_page_route(request: Request) -> Response:
    """One page of one generation's changes."""
    ready = _ready(request)
    if isinstance(ready, Response):
        return ready
    repo, rdf_format = ready
    generations = repo.generations()
    ids = [generation.id for generation in generations]
    generation_id = request.path_params["generation"]
    page = request.path_params["page"]
    if generation_id not in ids:
        return error_response(404, "not_found", f"no generation {generation_id} in the feed")
    position = ids.index(generation_id)
    changes_store: FeedChanges = request.app.state.feed_changes
    changes = changes_store.of(repo, generations, position)
    last = page_count(changes)
    if not 1 <= page <= last:
        return error_response(404, "not_found", f"{generation_id} has pages 1 to {last}")
    generation = generations[position]
    base_iri = generations[-1].base_iri
    links = _links(base_iri, generations, position, page, last)
    opened = repo.open_generation(generation_id)
    if opened is None:
        return error_response(410, "generation_gone", f"{generation_id} is no longer on disk")
    quads = await run_in_threadpool(feed_page, opened, base_iri, generation, changes, page,
                                    links)
    if links.next is not None:
        headers = {"cache-control": IMMUTABLE}
    else:
        headers = {"cache-control": "no-cache", "etag": f'"{generation_id}-{page}-open"'}
    return _send(quads, rdf_format, headers)


def _links(base_iri: str, generations: list[Generation], position: int, page: int,
           last: int) -> PageLinks:
    generation = generations[position]
    previous = None
    if page > 1:
        previous = page_iri(base_iri, generation.id, page - 1)
    elif position > 0:
        previous = page_iri(base_iri, generations[position - 1].id, 1)
    if page < last:
        return PageLinks(previous, page_iri(base_iri, generation.id, page + 1),
                         generation.created)
    if position + 1 < len(generations):
        following = generations[position + 1]
        return PageLinks(previous, page_iri(base_iri, following.id, 1), following.created)
    return PageLinks(previous, None, None)
