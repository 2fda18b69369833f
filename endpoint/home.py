"""The home page (``/``): what is published, a search box, browse facets, where to go next.

Counts come from the generation's manifest (written at publication), the facets from the
search index's counts of the whole catalogue (computed once per generation): a request runs
no query. Without an index yet (an older generation being indexed), the facets are left out.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import entity_tag, is_not_modified
from endpoint.errors import error_response
from endpoint.record_pages import STATIC_PATH, environment
from endpoint.search_engine import FacetCount, SearchQuery
from endpoint.search_indexes import IndexPending, IndexUnavailable, SearchIndexes
from endpoint.search_params import search_link, toggle_filter
from loader.generations import Generation
from loader.search_index import FACETS

COUNTED = (("datasets", "jeux de données"), ("resources", "ressources"),
           ("organizations", "organisations"), ("reuses", "réutilisations"),
           ("dataservices", "services de données"), ("themes", "catalogues thématiques"))
CLASS_OF_KIND = {"datasets": "http://www.w3.org/ns/dcat#Dataset",
                 "resources": "http://www.w3.org/ns/dcat#Distribution",
                 "dataservices": "http://www.w3.org/ns/dcat#DataService",
                 "reuses": "https://w3id.org/ldcat/ns#Reuse"}
FACET_TITLES = {"organization": "Par organisation", "license": "Par licence",
                "format": "Par format", "theme": "Par thème"}


def published_counts(generation: Generation) -> list[tuple[str, int]]:
    """(label, count) of each kind of record, from the manifest (``published``, else the
    class counts of its ``statistics``)."""
    published = generation.manifest.get("published") or {}
    classes = (generation.manifest.get("statistics") or {}).get("classes") or {}
    counts = []
    for kind, label in COUNTED:
        count = published.get(kind)
        if count is None and kind in CLASS_OF_KIND:
            count = classes.get(CLASS_OF_KIND[kind])
        counts.append((label, int(count or 0)))
    return counts


def _facets(totals: dict[str, list[FacetCount]]) -> list[tuple[str, str, list[tuple[FacetCount,
                                                                                      str]]]]:
    empty = SearchQuery()
    return [(facet, FACET_TITLES[facet],
             [(count, search_link(toggle_filter(empty, facet, count.value.key)))
              for count in totals.get(facet, [])]) for facet in FACETS]


async def home(request: Request) -> Response:
    """The home page (HTML)."""
    generation: Generation | None = request.app.state.repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    indexes: SearchIndexes = request.app.state.search_indexes
    try:
        index = await run_in_threadpool(indexes.get, generation)
        totals = await run_in_threadpool(index.facet_totals)
        pending = False
    except IndexPending:
        totals, pending = {}, True
    except IndexUnavailable:
        totals, pending = {}, False
    etag = entity_tag("home", generation.id, "pending" if pending else "")
    headers = {"etag": etag, "cache-control": "public, max-age=60", "vary": "Accept"}
    if is_not_modified(request.headers, etag, None):
        return Response(status_code=304, headers=headers)
    themes = [(count.value.label, count.value.iri[len(generation.base_iri):], count.count)
              for count in totals.get("theme", [])]
    body = environment().get_template("home.html").render(
        title="Catalogue des données ouvertes", static=STATIC_PATH,
        counts=published_counts(generation), facets=_facets(totals), themes=themes,
        pending=pending, generation=generation.id, created=generation.created[:10],
    ).encode("utf-8")
    return Response(body, headers={**headers, "content-type": "text/html; charset=utf-8"})
