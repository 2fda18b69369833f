"""``/catalog``: the root catalogue, paged (Hydra), filtered, pinned to a generation.

Thematic catalogues are paged the same way at ``/themes/{slug}?page=N`` (the record route
hands them over when a ``page`` or ``page_size`` parameter is present).

Parameters: ``page``, ``page_size`` (default 100, at most 1000), ``organization``,
``keyword``, ``theme``, ``hvd``, ``format``, ``modified_since``, and ``generation`` (set by
the page links; a walk keeps its generation while newer ones are published, and gets 410
once it is gone). The answer format comes from a suffix (``/catalog.ttl``), a ``_mediatype``
parameter (media type or short name) or ``Accept``; Turtle by default.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pyoxigraph import RdfFormat
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import is_not_modified
from endpoint.errors import error_response
from endpoint.generation_header import GENERATION_HEADER
from endpoint.query_formats import RDF_FORMATS, AnswerFormat, by_name, negotiate
from endpoint.result_cache import answer_key
from exports.catalog_pages import (
    DEFAULT_PAGE_SIZE,
    ROOT,
    CatalogFilters,
    CatalogIndex,
    CatalogPage,
    PageError,
    PageRequest,
    PageSource,
    RemotePages,
    StorePages,
    build_page,
    page_iri,
)
from loader.remote.repo import RemoteRepo
from loader.repo import EmbeddedRepo, Repo

SUFFIXES = {"ttl", "nt", "rdf", "jsonld"}
GENERATION_ID = re.compile(r"g[0-9]{6,}")


def _integer(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise PageError(f"{name}={value!r} is not a whole number") from None


def _boolean(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise PageError(f"hvd={value!r}: use true or false")


def _page_request(request: Request) -> PageRequest:
    params = request.query_params
    filters = CatalogFilters(
        organization=params.get("organization") or None,
        keyword=params.get("keyword") or None,
        theme=params.get("theme") or None,
        hvd=_boolean(params.get("hvd")),
        format=params.get("format") or None,
        modified_since=params.get("modified_since") or None,
    )
    return PageRequest(_integer(request, "page", 1),
                       _integer(request, "page_size", DEFAULT_PAGE_SIZE), filters)


def _answer_format(request: Request, suffix: str | None) -> AnswerFormat | None:
    if suffix is not None:
        return by_name("CONSTRUCT", suffix) if suffix in SUFFIXES else None
    requested = request.query_params.get("_mediatype")
    if requested:
        return by_name("CONSTRUCT", requested)
    return negotiate("CONSTRUCT", request.headers.get("accept")) or RDF_FORMATS[0]


def _pages_of(repo: Repo, generation_id: str) -> PageSource | None:
    """Generation ``generation_id`` to build pages from, or ``None`` when it is gone (an
    embedded store keeps the last few open; a remote store holds only its current one)."""
    if isinstance(repo, EmbeddedRepo):
        snapshot = repo.open_generation(generation_id)
        return StorePages(snapshot) if snapshot is not None else None
    if isinstance(repo, RemoteRepo):
        view = repo.pinned()
        return RemotePages(view) if view.generation().id == generation_id else None
    return None


def _written_page(source: PageSource, request: PageRequest, index: CatalogIndex, path: str,
                  rdf_format: RdfFormat) -> tuple[CatalogPage, bytes]:
    """A page built and written in ``rdf_format`` (off the event loop, both)."""
    page = build_page(source, request, index, path)
    return page, page.write(rdf_format)


async def catalog(request: Request) -> Response:
    """One page of the root catalogue."""
    return await paged_catalog(request, ROOT, None, request.path_params.get("suffix"))


async def paged_catalog(request: Request, path: str, theme: str | None,
                        suffix: str | None) -> Response:
    """One page of the catalogue at ``path``: the root one, or the thematic catalogue of
    slug ``theme`` (``/themes/{slug}?page=N``); ``suffix`` is a format suffix of the path."""
    repo = request.app.state.repo
    current = repo.generation()
    if current is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    answer_format = _answer_format(request, suffix)
    if answer_format is None:
        offered = ", ".join(f.media_type for f in RDF_FORMATS)
        return error_response(406, "not_acceptable", f"the catalogue is served as {offered}")
    try:
        page_request = _page_request(request)
        if theme is not None:
            page_request = replace(page_request,
                                   filters=replace(page_request.filters, theme=theme))
    except PageError as error:
        return error_response(400, "bad_parameter", str(error))
    generation_id = request.query_params.get("generation") or current.id
    if not GENERATION_ID.fullmatch(generation_id):
        return error_response(400, "bad_parameter",
                              f"generation={generation_id!r} is not a generation id (g000001)")
    opened = _pages_of(repo, generation_id)
    if opened is None:
        first = page_iri(current.base_iri, current.id,
                         PageRequest(1, page_request.page_size, page_request.filters), 1, path)
        return error_response(410, "generation_gone",
                              f"generation {generation_id} is no longer published; start the "
                              f"walk again at {first}")
    generation = opened.generation
    view = page_iri(generation.base_iri, generation.id, page_request, page_request.page, path)
    etag = f'"{answer_key(view, answer_format.name)}"'
    if is_not_modified(request.headers, etag, None):  # a generation's pages never change
        return Response(status_code=304, headers={
            "vary": "accept", "cache-control": "no-cache", "etag": etag,
            GENERATION_HEADER: generation.id})
    rdf_format = getattr(RdfFormat, answer_format.oxigraph)
    try:
        page, body = await run_in_threadpool(_written_page, opened, page_request,
                                             request.app.state.catalog_index, path, rdf_format)
    except PageError as error:
        return error_response(404 if "past the last page" in str(error) else 400,
                              "bad_parameter", str(error))
    return Response(body, media_type=answer_format.content_type, headers={
        "vary": "accept", "cache-control": "no-cache",
        "etag": etag,
        "content-location": page.page_iri, GENERATION_HEADER: opened.generation.id})
