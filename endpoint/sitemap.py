"""``/sitemap.xml``: a sitemap index for search engines, paged into sub-sitemaps.

``/sitemap.xml`` lists ``/sitemap-{kind}-{n}.xml`` files of at most :data:`URLS_PER_FILE`
record pages each (datasets first, then resources, organisations, users, reuses, data
services and thematic catalogues), each URL absolute from the generation's public base IRI
with its ``lastmod`` (the record's ``dct:modified``, as a date). The lists come from the
search index's page table, built once per generation.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from endpoint.conditional import entity_tag, is_not_modified
from endpoint.errors import error_response
from endpoint.search_route import index_or_error
from loader.search_index import SITEMAP_KINDS

URLS_PER_FILE = 50_000
XML_TYPE = "application/xml; charset=utf-8"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_files(counts: dict[str, int], per_file: int | None = None) -> list[tuple[str, int]]:
    """(kind, number) of every sub-sitemap, in order.

    >>> sitemap_files({"datasets": 120001, "themes": 3})
    [('datasets', 1), ('datasets', 2), ('datasets', 3), ('themes', 1)]
    """
    per_file = per_file or URLS_PER_FILE
    return [(kind, number) for kind in SITEMAP_KINDS
            for number in range(1, -(-counts.get(kind, 0) // per_file) + 1)]


def _xml(lines: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(lines) + "\n").encode()


async def sitemap_index(request: Request) -> Response:
    """The sitemap index."""
    found = await index_or_error(request)
    if isinstance(found, Response):
        return found
    generation, index = found
    headers = {"etag": entity_tag("sitemap", generation.id),
               "cache-control": "public, max-age=3600"}
    if is_not_modified(request.headers, headers["etag"], None):
        return Response(status_code=304, headers=headers)
    counts = await run_in_threadpool(index.page_counts)
    lastmod = generation.created[:10]
    lines = [f'<sitemapindex xmlns="{NAMESPACE}">']
    for kind, number in sitemap_files(counts):
        lines.append(f"<sitemap><loc>{escape(generation.base_iri)}/sitemap-{kind}-{number}.xml"
                     f"</loc><lastmod>{lastmod}</lastmod></sitemap>")
    lines.append("</sitemapindex>")
    return Response(_xml(lines), headers={**headers, "content-type": XML_TYPE})


async def sitemap_file(request: Request) -> Response:
    """One sub-sitemap: up to :data:`URLS_PER_FILE` record pages of one kind."""
    kind, number = request.path_params["kind"], request.path_params["number"]
    found = await index_or_error(request)
    if isinstance(found, Response):
        return found
    generation, index = found
    counts = await run_in_threadpool(index.page_counts)
    if kind not in SITEMAP_KINDS or (kind, number) not in sitemap_files(counts):
        return error_response(404, "not_found", f"no sitemap-{kind}-{number}.xml")
    headers = {"etag": entity_tag("sitemap", generation.id, kind, str(number)),
               "cache-control": "public, max-age=3600"}
    if is_not_modified(request.headers, headers["etag"], None):
        return Response(status_code=304, headers=headers)
    pages = await run_in_threadpool(index.pages, kind, (number - 1) * URLS_PER_FILE,
                                    URLS_PER_FILE)
    base = escape(generation.base_iri)
    lines = [f'<urlset xmlns="{NAMESPACE}">']
    for path, lastmod in pages:
        modified = f"<lastmod>{lastmod[:10]}</lastmod>" if lastmod else ""
        lines.append(f"<url><loc>{base}{escape(path)}</loc>{modified}</url>")
    lines.append("</urlset>")
    return Response(_xml(lines), headers={**headers, "content-type": XML_TYPE})


async def robots(request: Request) -> Response:
    """``/robots.txt``: where the sitemap is; the query endpoint and search results (an endless
    space of parameter combinations) are left to people."""
    generation = request.app.state.repo.generation()
    base = generation.base_iri if generation is not None else ""
    lines = ["User-agent: *", "Disallow: /sparql", "Disallow: /search", ""]
    if base:
        lines.append(f"Sitemap: {base}/sitemap.xml")
    return PlainTextResponse("\n".join(lines) + "\n",
                             headers={"cache-control": "public, max-age=3600"})
