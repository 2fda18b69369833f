"""``/feed``: the change feed (LDES event stream of ActivityStreams members).

``/feed`` describes the stream and points at its first page; ``/feed/{generation}/{page}`` is
one page of that generation's changes, in TriG (default), JSON-LD or N-Quads. Pages followed
by another are final (``Cache-Control: immutable``); the newest page is revalidated with its
ETag. On the embedded store the pages are computed from its generations; in front of a remote
store they are the files ``ldcat export`` wrote (:mod:`exports.feed_files`).
"""

from __future__ import annotations

from pyoxigraph import Quad, RdfFormat, serialize
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import is_not_modified
from endpoint.errors import error_response
from endpoint.negotiation import choose
from exports.feed import (
    AS,
    LDES,
    TREE,
    FeedGeneration,
    PageLinks,
    event_stream,
    page_iri,
    page_links,
)
from exports.feed_sources import FeedSource
from ontology.namespaces import PREFIXES

FORMATS = {"application/trig": RdfFormat.TRIG, "application/ld+json": RdfFormat.JSON_LD,
           "application/n-quads": RdfFormat.N_QUADS}
FEED_PREFIXES = {**PREFIXES, "as": AS.iri, "ldes": LDES.iri, "tree": TREE.iri}
IMMUTABLE = "public, max-age=31536000, immutable"


def _format(request: Request) -> RdfFormat | None:
    chosen = choose(request.headers.get("accept"), list(FORMATS))
    return FORMATS.get(chosen) if chosen else None


def _ready(request: Request) -> tuple[FeedSource, list[FeedGeneration], RdfFormat] | Response:
    """The feed, its generations and the negotiated format, or the error answer."""
    source: FeedSource | None = request.app.state.feed
    if source is None:
        return error_response(404, "not_found", "this server has no change feed: in front of "
                              "a remote store it serves the one ldcat export writes "
                              "(ldcat serve --exports DIR)")
    if request.app.state.repo.generation() is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    generations = source.generations()
    if not generations:
        unwritten = error_response(503, "no_feed", "no feed has been written yet (ldcat "
                                   "export writes it)")
        unwritten.headers["retry-after"] = "60"
        return unwritten
    rdf_format = _format(request)
    if rdf_format is None:
        return error_response(406, "not_acceptable", f"the feed is served as {', '.join(FORMATS)}")
    return source, generations, rdf_format


def _send(request: Request, quads: list[Quad] | None, rdf_format: RdfFormat,
          headers: dict[str, str]) -> Response:
    """The quads in ``rdf_format``, or 304 when the request's validator matches."""
    headers = {"vary": "accept", **headers}
    etag = headers.get("etag")
    if etag is not None and is_not_modified(request.headers, etag, None):
        return Response(status_code=304, headers=headers)
    body = serialize(quads or [], format=rdf_format, prefixes=FEED_PREFIXES)
    media_type = f"{rdf_format.media_type}; charset=utf-8" \
        if rdf_format != RdfFormat.JSON_LD else rdf_format.media_type
    return Response(body or b"", media_type=media_type, headers=headers)


def _tag(*parts: str) -> str:
    return '"' + "-".join(parts) + '"'


async def feed(request: Request) -> Response:
    """The event stream's description."""
    ready = _ready(request)
    if isinstance(ready, Response):
        return ready
    source, generations, rdf_format = ready
    return _send(request, event_stream(source.base_iri(), generations), rdf_format,
                 {"cache-control": "no-cache",
                  "etag": _tag("feed", generations[-1].id, rdf_format.file_extension)})


async def feed_page_route(request: Request) -> Response:
    """One page of one generation's changes."""
    ready = _ready(request)
    if isinstance(ready, Response):
        return ready
    source, generations, rdf_format = ready
    ids = [generation.id for generation in generations]
    generation_id = request.path_params["generation"]
    page = request.path_params["page"]
    if generation_id not in ids:
        return error_response(404, "not_found", f"no generation {generation_id} in the feed")
    position = ids.index(generation_id)
    last = await run_in_threadpool(source.page_count, generation_id)
    if not 1 <= page <= last:
        return error_response(404, "not_found", f"{generation_id} has pages 1 to {last}")
    base_iri = source.base_iri()
    links = _links(base_iri, generations, position, page, last)
    if links.next is not None:
        headers = {"cache-control": IMMUTABLE,
                   "etag": _tag(generation_id, str(page), rdf_format.file_extension)}
    else:
        headers = {"cache-control": "no-cache",
                   "etag": _tag(generation_id, str(page), "open", rdf_format.file_extension)}
    if is_not_modified(request.headers, headers["etag"], None):
        return _send(request, None, rdf_format, headers)
    members = await run_in_threadpool(source.members, generation_id, page)
    if members is None:
        return error_response(410, "generation_gone", f"{generation_id} is no longer on disk")
    quads = page_links(base_iri, generations[position], page, links) + members
    return _send(request, quads, rdf_format, headers)


def _links(base_iri: str, generations: list[FeedGeneration], position: int, page: int,
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
