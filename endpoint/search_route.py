"""``/search``: full-text search over datasets with facets, as an HTML page or JSON.

The format: a ``.json`` / ``.html`` suffix, else ``_mediatype`` (``json``, ``html`` or a media
type), else ``Accept`` (HTML first for ``*/*``). Answers carry ``Vary: Accept``, an ``ETag``
derived from the generation and the query (304 on a match) and ``Cache-Control``. Links in
JSON are absolute, from the generation's public base IRI. Bad parameters are 400, nothing
published or the index still being built 503 (with ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from endpoint.conditional import entity_tag, is_not_modified
from endpoint.errors import error_response
from endpoint.negotiation import choose
from endpoint.record_pages import STATIC_PATH, environment
from endpoint.search_engine import FacetValue, SearchIndex, SearchResult
from endpoint.search_indexes import IndexPending, IndexUnavailable, SearchIndexes
from endpoint.search_params import (
    SearchParamError,
    parse_search,
    search_link,
    toggle_filter,
)
from endpoint.search_text import QueryTextError
from loader.generations import Generation
from loader.search_index import FACETS

FACET_LABELS = {"organization": "Organisations", "license": "Licences", "format": "Formats",
                "theme": "Thèmes"}
MEDIA_TYPES = {"html": "text/html", "json": "application/json"}
VARY = "Accept"
CACHE_CONTROL = "public, max-age=60"
RETRY_AFTER = "30"


class PageFormatError(LookupError):
    """The client asks for a format the page does not have."""


def page_format(request: Request, suffix: str | None) -> str:
    """``html`` or ``json``, from the suffix, ``_mediatype`` or ``Accept`` (in that order)."""
    if suffix is not None:
        if suffix not in MEDIA_TYPES:
            raise PageFormatError(f"no .{suffix} representation (offered: .html, .json)")
        return suffix
    requested = request.query_params.get("_mediatype")
    if requested:
        for name, media_type in MEDIA_TYPES.items():
            if requested.split(";")[0].strip().lower() in (name, media_type):
                return name
        raise PageFormatError(f"unknown _mediatype {requested!r} (offered: html, json)")
    chosen = choose(request.headers.get("accept"), ["text/html", "application/json"])
    if chosen is None:
        raise PageFormatError("neither text/html nor application/json is acceptable")
    return "html" if chosen == "text/html" else "json"


async def index_or_error(request: Request) -> tuple[Generation, SearchIndex] | Response:
    """The published generation and its search index, or the 503 that says why not (opening
    an index reads its facet links: done in a worker thread, off the event loop)."""
    generation = request.app.state.repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    indexes: SearchIndexes = request.app.state.search_indexes
    try:
        return generation, await run_in_threadpool(indexes.get, generation)
    except IndexPending as pending:
        response = error_response(503, "index_building", str(pending))
        response.headers["retry-after"] = RETRY_AFTER
        return response
    except IndexUnavailable as unavailable:
        return error_response(404, "no_search_index", str(unavailable))


def _value_json(value: FacetValue) -> dict[str, str]:
    return {"key": value.key, "label": value.label, "iri": value.iri}


def result_json(result: SearchResult, base: str) -> dict[str, Any]:
    """The JSON answer: the query, totals, results, facets and absolute page links."""
    query = result.query
    links = {"self": base + search_link(query), "first": base + search_link(query, page=1),
             "last": base + search_link(query, page=result.pages)}
    if query.page > 1:
        links["prev"] = base + search_link(query, page=query.page - 1)
    if query.page < result.pages:
        links["next"] = base + search_link(query, page=query.page + 1)
    return {
        "query": {"q": query.text, "filters": [{"facet": facet, "key": key}
                                               for facet, key in query.filters],
                  "archived": query.archived, "sort": query.sort},
        "total": result.total, "page": query.page, "page_size": query.page_size,
        "pages": result.pages,
        "results": [{"iri": base + hit.path, "url": base + hit.path + ".html",
                     "title": hit.title, "excerpt": hit.excerpt, "modified": hit.modified,
                     "archived": hit.archived,
                     **{facet: [_value_json(value) for value in hit.values[facet]]
                        for facet in FACETS}}
                    for hit in result.hits],
        "facets": {facet: [{**_value_json(count.value), "count": count.count,
                            "selected": count.selected,
                            "href": base + search_link(toggle_filter(query, facet,
                                                                     count.value.key))}
                           for count in counts]
                   for facet, counts in result.facets.items()},
        "unknown_filters": [{"facet": facet, "key": key} for facet, key in result.unknown],
        "links": links,
    }


def render_search_page(result: SearchResult) -> bytes:
    """The HTML results page."""
    query = result.query
    facets = [(facet, FACET_LABELS[facet],
               [(count, search_link(toggle_filter(query, facet, count.value.key)))
                for count in result.facets.get(facet, [])]) for facet in FACETS]
    labels = {(value.facet, value.key): value.label
              for counts in result.facets.values() for value in (c.value for c in counts)}
    active = [(FACET_LABELS[facet], labels.get((facet, key), key),
               search_link(toggle_filter(query, facet, key))) for facet, key in query.filters]
    pager = {"page": query.page, "pages": result.pages,
             "prev": search_link(query, page=query.page - 1) if query.page > 1 else "",
             "next": search_link(query, page=query.page + 1)
             if query.page < result.pages else ""}
    title = f"« {query.text} » – recherche" if query.text else "Recherche"
    return environment().get_template("search.html").render(
        title=title, static=STATIC_PATH, result=result, query=query, facets=facets,
        active=active, pager=pager, json_link=search_link(query, path="/search.json"),
        sort_links={sort: search_link(query, sort=sort, page=1)
                    for sort in ("relevance", "modified")},
        archived_links={choice: search_link(query, archived=choice, page=1)
                        for choice in ("exclude", "include", "only")},
    ).encode("utf-8")


async def search(request: Request) -> Response:
    """Full-text search with facets (see module docstring)."""
    try:
        chosen = page_format(request, request.path_params.get("suffix"))
    except PageFormatError as problem:
        return error_response(406, "not_acceptable", str(problem))
    try:
        query = parse_search(request.query_params.multi_items())
    except SearchParamError as problem:
        return error_response(400, "bad_parameter", str(problem))
    found = await index_or_error(request)
    if isinstance(found, Response):
        return found
    generation, index = found
    headers = {"vary": VARY, "cache-control": CACHE_CONTROL,
               "etag": entity_tag(generation.id, chosen, str(request.url.query))}
    if is_not_modified(request.headers, headers["etag"], None):
        return Response(status_code=304, headers=headers)
    try:
        result = await run_in_threadpool(index.search, query)
    except QueryTextError as problem:
        return error_response(400, "bad_query", str(problem))
    if query.page > result.pages:
        return error_response(404, "not_found",  # as /catalog: a well-formed page, not there
                              f"page {query.page} is past the last page ({result.pages})")
    if chosen == "json":
        return JSONResponse(result_json(result, generation.base_iri), headers=headers)
    body = await run_in_threadpool(render_search_page, result)
    return Response(body, headers={**headers, "content-type": "text/html; charset=utf-8"})
