"""The paged catalogue (``/catalog``): datasets in a stable order, filtered, one page at a time.

Paging is pinned to a generation: every page link names the generation the walk started on,
so a harvester walking all pages while a new generation is published still sees each dataset
of its snapshot exactly once. Each page is a ``dcat:Catalog`` with a Hydra
``PartialCollectionView`` (``first``, ``previous``, ``next``, ``last``, ``totalItems``); links
are absolute, built from the generation's public base IRI, never from the request.

A page also carries the graphs of its catalogue tree (the root catalogue and its thematic
parts) and of the agents its datasets name (publishers, creators), so that each page is a
complete DCAT-AP description a harvester can take as it is (:mod:`exports.page_context`).
In N-Quads and TriG, each record's triples sit in the record's own graph (the Hydra view in
the default graph), as in the store; the other formats carry their union. A page is kept as
its records' N-Quads text and written from it (:mod:`exports.page_text`).

Filters are SPARQL built from fixed parts, with the user's values passed as substitutions
(never pasted into the query text).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Protocol
from urllib.parse import urlencode

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
)

from exports.page_context import page_context, read_records
from exports.page_text import RecordBlock, blocks_of_quads, write_page
from loader.generations import Generation
from loader.mapping.iris import path_segment
from loader.remote.repo import RemoteView
from loader.repo import Snapshot
from ontology.namespaces import DCAT, DCATAP, DCT, EU_FILE_TYPE, HVD_LEGISLATION, HYDRA, RDF, XSD

Term = NamedNode | BlankNode | Literal
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class PageError(ValueError):
    """A page request that cannot be answered (bad parameter); the message says which."""


@dataclass(frozen=True, slots=True)
class CatalogFilters:
    """Which datasets a walk covers (every field optional)."""

    organization: str | None = None
    """An organisation id (or its IRI)."""
    keyword: str | None = None
    theme: str | None = None
    """A thematic catalogue's slug."""
    hvd: bool | None = None
    format: str | None = None
    """An EU file-type code such as ``CSV`` (any case)."""
    modified_since: str | None = None
    """An ISO 8601 date or date-time."""

    def parameters(self) -> dict[str, str]:
        """The filters as query parameters (for page links)."""
        values: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                values[field.name] = ("true" if value else "false") if isinstance(value, bool) \
                    else str(value)
        return values


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    filters: CatalogFilters = CatalogFilters()

    def __post_init__(self) -> None:
        if self.page < 1:
            raise PageError("page starts at 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise PageError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if self.filters.modified_since:
            _since(self.filters.modified_since)  # a bad date is a 400 before anything else


def _since(value: str) -> Literal:
    value = value.strip().upper()  # RFC 3339 allows a lower-case t and z
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return Literal(parsed.isoformat(), datatype=NamedNode(XSD.dateTime))
        return Literal(date.fromisoformat(value).isoformat() + "T00:00:00",
                       datatype=NamedNode(XSD.dateTime))
    except ValueError:
        raise PageError(f"modified_since={value!r} is not an ISO 8601 date or date-time") \
            from None


def _iri(value: str, parameter: str) -> NamedNode:
    """``value`` as an IRI, or a :class:`PageError` (400) when it cannot be one."""
    try:
        return NamedNode(value)
    except ValueError:
        raise PageError(f"{parameter}={value!r} is not an IRI") from None


def _query(base_iri: str, filters: CatalogFilters) -> tuple[str, dict[Variable, Term]]:
    """The SPARQL selecting the filtered datasets in IRI order, and its substitutions."""
    patterns = ["?catalog <http://www.w3.org/ns/dcat#dataset> ?d ."]
    values: dict[Variable, Term] = {Variable("catalog"): NamedNode(f"{base_iri}/catalog")}
    if filters.organization:
        organization = filters.organization
        if not organization.startswith(("http://", "https://")):
            organization = f"{base_iri}/organizations/{path_segment(organization)}"
        patterns.append(f"?d <{DCT.publisher}> ?organization .")
        values[Variable("organization")] = _iri(organization, "organization")
    if filters.keyword:
        patterns.append(f"?d <{DCAT.keyword}> ?k . FILTER(LCASE(STR(?k)) = LCASE(?keyword))")
        values[Variable("keyword")] = Literal(filters.keyword)
    if filters.theme:
        patterns.append(f"?theme <{DCAT.dataset}> ?d .")
        values[Variable("theme")] = _iri(f"{base_iri}/themes/{path_segment(filters.theme)}",
                                         "theme")
    if filters.hvd is not None:
        hvd = f"?d <{DCATAP.applicableLegislation}> <{HVD_LEGISLATION}> ."
        patterns.append(hvd if filters.hvd else f"FILTER NOT EXISTS {{ {hvd} }}")
    if filters.format:
        patterns.append(f"?d <{DCAT.distribution}> ?r . ?r <{DCT.format}> ?format .")
        values[Variable("format")] = _iri(EU_FILE_TYPE.term(path_segment(filters.format.upper())),
                                          "format")
    if filters.modified_since:
        patterns.append(f"?d <{DCT.modified}> ?m . FILTER(?m >= ?since)")
        values[Variable("since")] = _since(filters.modified_since)
    return " ".join(patterns), values


def dataset_query(base_iri: str, filters: CatalogFilters) -> tuple[str, dict[Variable, Term]]:
    """The query for a store that takes substitutions (the values stay out of the text)."""
    body, values = _query(base_iri, filters)
    projection = " ".join(f"?{variable.value}" for variable in values)  # substitution needs them
    return (f"SELECT DISTINCT ?d {projection} WHERE {{ GRAPH ?d {{ {body} }} }} ORDER BY ?d",
            values)


def inline_dataset_query(base_iri: str, filters: CatalogFilters) -> str:
    """The same query for a store without substitutions (a remote one): each value written
    as the pyoxigraph term it was parsed into (a checked IRI or an escaped literal)."""
    body, values = _query(base_iri, filters)
    names = "|".join(variable.value for variable in values)
    text = re.sub(rf"\?({names})\b", lambda match: str(values[Variable(match.group(1))]),
                  body)
    return f"SELECT DISTINCT ?d WHERE {{ GRAPH ?d {{ {text} }} }} ORDER BY ?d"


class PageSource(Protocol):
    """What a page is built from: one generation's dataset lists and record graphs (the
    embedded store's :class:`~loader.repo.Snapshot`, or a remote store's view)."""

    @property
    def generation(self) -> Generation: ...

    def select_datasets(self, base_iri: str, filters: CatalogFilters) -> list[str]:
        """The IRIs of the datasets ``filters`` keep, in IRI order."""

    def records(self, iris: list[str]) -> list[RecordBlock]:
        """Several record graphs with their N-Quads, graph after graph."""


def store_datasets(store: Store, base_iri: str, filters: CatalogFilters) -> list[str]:
    """:meth:`PageSource.select_datasets` on a pyoxigraph store."""
    query, substitutions = dataset_query(base_iri, filters)
    result = store.query(query, substitutions=substitutions)  # type: ignore[arg-type]
    if not isinstance(result, QuerySolutions):
        raise TypeError("the catalogue query is a SELECT")
    return [row["d"].value for row in result]


@dataclass(frozen=True, slots=True)
class StorePages:
    """Pages from an embedded generation (records from its text, lists from its store)."""

    snapshot: Snapshot

    @property
    def generation(self) -> Generation:
        return self.snapshot.generation

    def select_datasets(self, base_iri: str, filters: CatalogFilters) -> list[str]:
        return store_datasets(self.snapshot.store, base_iri, filters)

    def records(self, iris: list[str]) -> list[RecordBlock]:
        return read_records(self.snapshot, iris)


@dataclass(frozen=True, slots=True)
class RemotePages:
    """Pages from a remote store (two queries a page: the list, once per walk, and the
    page's record graphs together)."""

    view: RemoteView

    @property
    def generation(self) -> Generation:
        return self.view.generation()

    def select_datasets(self, base_iri: str, filters: CatalogFilters) -> list[str]:
        return self.view.select_iris(inline_dataset_query(base_iri, filters), "d")

    def records(self, iris: list[str]) -> list[RecordBlock]:
        return blocks_of_quads(self.view.record_graphs(iris))


class CatalogIndex:
    """Filtered dataset lists per (generation, filters), computed once, kept for a few walks."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._lists: OrderedDict[tuple[str, CatalogFilters], list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def datasets(self, source: PageSource, generation_id: str, base_iri: str,
                 filters: CatalogFilters) -> list[str]:
        key = (generation_id, filters)
        with self._lock:
            if key in self._lists:
                self._lists.move_to_end(key)
                return self._lists[key]
        datasets = source.select_datasets(base_iri, filters)
        with self._lock:
            self._lists[key] = datasets
            while len(self._lists) > self.capacity:
                self._lists.popitem(last=False)
        return datasets


@dataclass(frozen=True, slots=True)
class CatalogPage:
    """A page: its records' graphs (in N-Quads and TriG each its own, so a harvester sees where
    each record ends; merged in the other formats), the Hydra view's triples, the number of
    datasets in the walk and the page's IRI."""

    records: list[RecordBlock]
    view: list[Triple]
    total: int
    page_iri: str

    def write(self, rdf_format: RdfFormat) -> bytes:
        """The page in ``rdf_format`` (the view in the default graph of a dataset format)."""
        return write_page(self.records, self.view, rdf_format)


ROOT = "/catalog"
"""The path of the root catalogue; a thematic catalogue's is ``/themes/{slug}``."""


def page_iri(base_iri: str, generation_id: str, request: PageRequest, page: int,
             path: str = ROOT) -> str:
    """The absolute IRI of ``page`` of the walk ``request`` (of the catalogue at ``path``)."""
    filters = request.filters.parameters()
    if path != ROOT:
        filters.pop("theme", None)  # a thematic catalogue's path already says it
    parameters = {"page": str(page), "page_size": str(request.page_size), **filters,
                  "generation": generation_id}
    return f"{base_iri}{path}?{urlencode(parameters)}"


def build_page(snapshot: PageSource, request: PageRequest, index: CatalogIndex,
               path: str = ROOT) -> CatalogPage:
    """One page of the catalogue at ``path`` (the root one, or a thematic one whose slug is
    ``request.filters.theme``): its own graph, the graphs of the catalogues it is part of and
    of their parts, the page's dataset graphs, the graphs of the agents these name, the Hydra
    view."""
    generation_id, base_iri = snapshot.generation.id, snapshot.generation.base_iri
    datasets = index.datasets(snapshot, generation_id, base_iri, request.filters)
    last = max(1, -(-len(datasets) // request.page_size))
    if request.page > last:
        raise PageError(f"page {request.page} is past the last page ({last})")
    start = (request.page - 1) * request.page_size
    graphs = [f"{base_iri}{path}", *datasets[start:start + request.page_size]]
    records = snapshot.records(graphs)
    records += page_context(snapshot.records, records, graphs[0], set(graphs))
    catalog = NamedNode(f"{base_iri}{path}")

    def link(page: int) -> NamedNode:
        return NamedNode(page_iri(base_iri, generation_id, request, page, path))

    view = link(request.page)
    triples = [
        Triple(catalog, NamedNode(RDF.type), NamedNode(HYDRA.Collection)),
        Triple(catalog, NamedNode(HYDRA.totalItems),
               Literal(str(len(datasets)), datatype=NamedNode(XSD.integer))),
        Triple(catalog, NamedNode(HYDRA.view), view),
        Triple(view, NamedNode(RDF.type), NamedNode(HYDRA.PartialCollectionView)),
        Triple(view, NamedNode(HYDRA.first), link(1)),
        Triple(view, NamedNode(HYDRA.last), link(last)),
    ]
    if request.page > 1:
        triples.append(Triple(view, NamedNode(HYDRA.previous), link(request.page - 1)))
    if request.page < last:
        triples.append(Triple(view, NamedNode(HYDRA.next), link(request.page + 1)))
    return CatalogPage(records, triples, len(datasets), view.value)
