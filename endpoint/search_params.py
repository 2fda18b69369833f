"""``/search`` query parameters: checked into a :class:`SearchQuery`, and written back as links.

Parameters: ``q`` (text), the facet filters ``organization``, ``license``, ``format`` and
``theme`` (repeatable: every one must hold), ``archived`` (``exclude``, the default,
``include`` or ``only``), ``sort`` (``relevance``, the default with words, or ``modified``),
``page`` (from 1) and ``page_size`` (1 to 100). Anything else is a client mistake
(:class:`SearchParamError`, answered 400), except ``_mediatype`` (content negotiation).

>>> parse_search([("q", "vélo"), ("format", "csv"), ("page", "2")]).filters
(('format', 'csv'),)
>>> search_link(SearchQuery(text="vélo", filters=(("format", "csv"),)), page=3)
'/search?q=v%C3%A9lo&format=csv&page=3'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlencode

from endpoint.search_engine import ARCHIVED_CHOICES, SORTS, SearchQuery
from loader.search_index import FACETS

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_FILTERS = 12
"""Values one facet parameter may be given (per facet, so the OpenAPI description can say it:
a limit across parameters is not expressible there)."""
NEGOTIATION_PARAMETERS = frozenset({"_mediatype"})
SCALARS = frozenset({"q", "archived", "sort", "page", "page_size"})


class SearchParamError(ValueError):
    """A parameter ``/search`` cannot take; the message names it."""


def _integer(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SearchParamError(f"{name}={value!r} is not a whole number") from None
    if not low <= number <= high:
        raise SearchParamError(f"{name} must be between {low} and {high}")
    return number


def parse_search(items: Iterable[tuple[str, str]]) -> SearchQuery:
    """The search the query parameters ``items`` ask for (:class:`SearchParamError` if bad)."""
    scalars: dict[str, str] = {}
    filters: list[tuple[str, str]] = []
    for name, value in items:
        if name in FACETS:
            if value.strip():
                filters.append((name, value.strip()))
        elif name in SCALARS:
            if name in scalars and scalars[name] != value:
                raise SearchParamError(f"{name} is given twice")
            scalars[name] = value
        elif name not in NEGOTIATION_PARAMETERS:
            known = ", ".join(sorted(SCALARS | set(FACETS)))
            raise SearchParamError(f"unknown parameter {name!r} (known: {known})")
    for facet in FACETS:
        if sum(1 for name, _ in filters if name == facet) > MAX_FILTERS:
            raise SearchParamError(f"more than {MAX_FILTERS} {facet} filters")
    archived = scalars.get("archived", "exclude") or "exclude"
    if archived not in ARCHIVED_CHOICES:
        raise SearchParamError(f"archived must be one of {', '.join(ARCHIVED_CHOICES)}")
    sort = scalars.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise SearchParamError(f"sort must be one of {', '.join(SORTS)}")
    return SearchQuery(
        text=scalars.get("q", "").strip(),
        filters=tuple(dict.fromkeys(filters)),
        archived=archived,
        sort=sort,
        page=_integer("page", scalars.get("page") or "1", 1, MAX_PAGE),
        page_size=_integer("page_size", scalars.get("page_size") or str(DEFAULT_PAGE_SIZE),
                           1, MAX_PAGE_SIZE),
    )


def search_parameters(query: SearchQuery) -> list[tuple[str, str]]:
    """``query`` as query parameters, defaults left out."""
    items: list[tuple[str, str]] = []
    if query.text:
        items.append(("q", query.text))
    items.extend(query.filters)
    if query.archived != "exclude":
        items.append(("archived", query.archived))
    if query.sort != "relevance":
        items.append(("sort", query.sort))
    if query.page_size != DEFAULT_PAGE_SIZE:
        items.append(("page_size", str(query.page_size)))
    if query.page != 1:
        items.append(("page", str(query.page)))
    return items


def search_link(query: SearchQuery, path: str = "/search", **changes: object) -> str:
    """The link to ``query`` with ``changes`` (``page=2``...); a new filter starts at page 1."""
    changed = replace(query, **changes)  # type: ignore[arg-type]
    parameters = search_parameters(changed)
    return path + ("?" + urlencode(parameters) if parameters else "")


def toggle_filter(query: SearchQuery, facet: str, key: str) -> SearchQuery:
    """``query`` with the filter ``facet=key`` added, or removed if present; back to page 1."""
    pair = (facet, key)
    filters = tuple(item for item in query.filters if item != pair)
    if len(filters) == len(query.filters):
        filters += (pair,)
    return replace(query, filters=filters, page=1)
