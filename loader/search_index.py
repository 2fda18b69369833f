"""The search index of a generation: an SQLite file (FTS5) beside its store, built once.

``/search`` and the home page's facets read it; ``/sitemap.xml`` reads its page list. It is
derived from the generation (whatever the sources were): from the records' text during a
load (:mod:`loader.search_scan`, in the background), else from the store with SPARQL (here),
and written atomically, like the generation's other files:
``generations/g000007.search.sqlite``. Readers open it read-only and immutable; a generation
without one (loaded by an older ldcat) gets it built on first use by the endpoint.

Tables: ``datasets`` (display fields, in default order: most recently modified first),
``fulltext`` (contentless FTS5 over title, keywords and description; accents folded),
``facet_values`` / ``dataset_facets`` (organisation, licence, format, thematic catalogue) and
``pages`` (every record page with its ``lastmod``, for the sitemap).

Extraction here is SPARQL whose joins run on Oxigraph's encoded terms, so only the values kept
are decoded (decoding dominates: ~8 s for the 121k dataset titles of the full catalogue); both
ways give the same :class:`Extraction`, written by :func:`write_index`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, QuerySolutions
from tqdm import tqdm

from loader.generations import GraphEntry


class Queryable(Protocol):
    """What the index is extracted from: a pyoxigraph ``Store`` or a remote store's view
    (SELECT answers as ``QuerySolutions``)."""

    def query(self, query: str, /) -> Any:
        """Run a SPARQL query."""

SCHEMA_VERSION = "1"
SEARCH_SUFFIX = ".search.sqlite"
"""The index file's name beside its generation: ``gNNNNNN{SEARCH_SUFFIX}``."""
EXCERPT_CHARS = 280
FACETS = ("organization", "license", "format", "theme")
_PREFIXES = """PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX adms: <http://www.w3.org/ns/adms#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX ldc: <https://w3id.org/ldcat/ns#>
"""
QUERIES = {
    "title": "SELECT ?d ?v WHERE { GRAPH ?d { ?d a dcat:Dataset ; dct:title ?v } }",
    "modified": "SELECT ?d ?v WHERE { GRAPH ?d { ?d dct:modified ?v } }",
    "status": "SELECT ?d ?v WHERE { GRAPH ?d { ?d adms:status ?v } }",
    "description": "SELECT ?d ?v WHERE { GRAPH ?d { ?d dct:description ?v } }",
    "keyword": "SELECT ?d ?v WHERE { GRAPH ?d { ?d dcat:keyword ?v } }",
    "organization": "SELECT ?d ?v WHERE { GRAPH ?d { ?d dct:publisher ?v } }",
    "license": "SELECT DISTINCT ?d ?v WHERE { GRAPH ?d { ?x dct:license ?v } }",
    "rights": "SELECT DISTINCT ?d ?v WHERE { GRAPH ?d { ?x dct:rights ?r . ?r rdfs:label ?v } }",
    "format": "SELECT DISTINCT ?d ?v WHERE { GRAPH ?d { ?x dct:format ?v } }",
    "format_text": "SELECT DISTINCT ?d ?v WHERE { GRAPH ?d { ?x ldc:format ?v } }",
    "theme": """SELECT ?d ?v WHERE { GRAPH ?d { ?v dcat:dataset ?d }
        GRAPH ?v { ?v a dcat:Catalog } FILTER(?v != ?catalog) }""",
    "names": """SELECT ?a ?v WHERE { GRAPH ?a { { ?a foaf:name ?v } UNION
        { ?a a dcat:Catalog ; dct:title ?v } } }""",
    "all_modified": "SELECT ?s ?v WHERE { GRAPH ?g { ?s dct:modified ?v } }",
    "distributions": "SELECT ?r ?d WHERE { GRAPH ?d { ?d dcat:distribution ?r } }",
}
"""Each selects (subject or record graph, value); joins stay on Oxigraph's encoded terms, and
rows of graphs that are not datasets are dropped in Python."""
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datasets (id INTEGER PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL,
    excerpt TEXT NOT NULL, modified TEXT, archived INTEGER NOT NULL);
CREATE VIRTUAL TABLE fulltext USING fts5(title, keywords, description, content='',
    tokenize='unicode61 remove_diacritics 2', prefix='3');
CREATE TABLE facet_values (id INTEGER PRIMARY KEY, facet TEXT NOT NULL, key TEXT NOT NULL,
    label TEXT NOT NULL, iri TEXT NOT NULL, UNIQUE (facet, key));
CREATE TABLE dataset_facets (dataset INTEGER NOT NULL, value INTEGER NOT NULL);
CREATE TABLE pages (kind TEXT NOT NULL, path TEXT NOT NULL, lastmod TEXT);
INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
"""
SITEMAP_KINDS = ("datasets", "resources", "organizations", "users", "reuses", "dataservices",
                 "themes")
_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]{0,200}>|[#*_>`|~]+")
_SPACES = re.compile(r"\s+")
_SLUG = re.compile(r"[^a-z0-9.]+")


def plain_excerpt(markdown: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a Markdown text as plain text, cut at a word.

    >>> plain_excerpt("## Titre\\n\\nVoir [le site](https://x.fr) **vite**.", 20)
    'Titre Voir le site…'
    """
    text = _MARKUP.sub(lambda match: match.group(1) or " ", markdown).strip()
    text = _SPACES.sub(" ", text)  # whitespace runs: one space (not matched above: 13M calls)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def facet_key(facet: str, value: str) -> str:
    """A short URL token for a facet value: an id, a slug, a file-type code, a licence name.

    >>> facet_key("format", "http://publications.europa.eu/resource/authority/file-type/CSV")
    'csv'
    >>> facet_key("license", "https://e.fr/uploads/ETALAB-Licence-Ouverte-v2.0.pdf")
    'etalab-licence-ouverte-v2.0'
    """
    if value.startswith(("http://", "https://")):
        value = value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if facet == "license":
            value = re.sub(r"\.(pdf|html?|txt)$", "", value, flags=re.IGNORECASE)
        if facet in ("organization", "theme"):
            return value
    folded = unicodedata.normalize("NFKD", value.lower())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return _SLUG.sub("-", folded).strip("-") or "x"


@dataclass(slots=True)
class SearchDataset:
    """One dataset's fields in the index."""

    iri: str
    title: str = ""
    modified: str = ""
    archived: bool = False
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Facet -> values (IRIs, or literals' text)."""


@dataclass(slots=True)
class Extraction:
    """What the index is written from, whichever way it was read (store or records' text)."""

    datasets: dict[str, SearchDataset]
    labels: dict[str, str]
    """Agent or catalogue IRI -> its name (facet labels)."""
    modified: dict[str, str]
    """Every subject under the base -> its latest ``dct:modified`` (the pages' lastmod)."""
    distributions: list[str]
    """The distributions under ``{base}/resources/`` that a record lists (once per record)."""


def choose_value(candidates: list[tuple[str, str]]) -> str:
    """The value shown among (value, language) candidates: a French one first, then the
    smallest (whatever order the store or the text gave them in).

    >>> choose_value([("Title", "en"), ("Titre", "fr"), ("Autre", "")])
    'Titre'
    """
    return min(candidates, key=lambda candidate: (candidate[1] != "fr", candidate[0]))[0]


def _rows(store: Queryable, name: str, catalog: str = "",
          bar: tqdm[Any] | None = None) -> Iterator[tuple[str, str, Literal | NamedNode]]:
    """(subject IRI, value text, value term) of extraction query ``name``."""
    query = _PREFIXES + QUERIES[name]
    if catalog:
        query = query.replace("?catalog", f"<{catalog}>")
    result = store.query(query)
    if not isinstance(result, QuerySolutions):
        raise TypeError("search extraction queries are SELECT queries")
    variables = [variable.value for variable in result.variables]
    for row in result:
        subject, value = row[variables[0]], row[variables[1]]
        if isinstance(subject, NamedNode) and isinstance(value, Literal | NamedNode):
            yield subject.value, value.value, value
    if bar is not None:
        bar.update(1)


def _language(term: Literal | NamedNode) -> str:
    return term.language or "" if isinstance(term, Literal) else ""


def extract(store: Queryable, base_iri: str,
            bar: tqdm[Any] | None = None) -> dict[str, SearchDataset]:
    """Every published dataset with the fields the index holds."""
    titles: dict[str, list[tuple[str, str]]] = {}
    for iri, title, term in _rows(store, "title", bar=bar):
        titles.setdefault(iri, []).append((title, _language(term)))
    datasets = {iri: SearchDataset(iri, title=choose_value(found))
                for iri, found in titles.items()}
    for iri, value, _ in _rows(store, "modified", bar=bar):
        if iri in datasets:
            datasets[iri].modified = max(datasets[iri].modified, value)
    for iri, value, _ in _rows(store, "status", bar=bar):
        if iri in datasets and value.endswith("/Deprecated"):
            datasets[iri].archived = True
    descriptions: dict[str, list[tuple[str, str]]] = {}
    for iri, text, term in _rows(store, "description", bar=bar):
        if iri in datasets:
            descriptions.setdefault(iri, []).append((text, _language(term)))
    for iri, found in descriptions.items():
        datasets[iri].description = choose_value(found)
    for iri, keyword, _ in _rows(store, "keyword", bar=bar):
        if iri in datasets:
            datasets[iri].keywords.append(keyword)
    for query, facet in (("organization", "organization"), ("license", "license"),
                         ("format", "format"), ("format_text", "format"), ("theme", "theme")):
        for iri, value, _ in _rows(store, query, f"{base_iri}/catalog", bar):
            if iri in datasets:
                datasets[iri].values[facet].add(value)
    for iri, label, _ in _rows(store, "rights", bar=bar):  # stands in for a missing licence
        if iri in datasets and not datasets[iri].values["license"]:
            datasets[iri].values["rights"].add(label)
    for dataset in datasets.values():
        dataset.values["license"] |= dataset.values.pop("rights", set())
    return datasets


def extract_from_store(store: Queryable, base_iri: str,
                       bar: tqdm[Any] | None = None) -> Extraction:
    """Everything the index holds, read from ``store`` with SPARQL."""
    datasets = extract(store, base_iri, bar)
    labels = read_labels(store, bar)
    modified: dict[str, str] = {}
    for iri, value, _ in _rows(store, "all_modified", bar=bar):
        if iri.startswith(base_iri + "/"):
            modified[iri] = max(modified.get(iri, ""), value)
    distributions = [iri for iri, _, _ in _rows(store, "distributions", bar=bar)
                     if iri.startswith(base_iri + "/resources/")]
    return Extraction(datasets, labels, modified, distributions)


def read_labels(store: Queryable, bar: tqdm[Any] | None = None) -> dict[str, str]:
    """Agent and catalogue names (the facet labels), from ``store``."""
    return {iri: name for iri, name, _ in _rows(store, "names", bar=bar)}


class _FacetTable:
    """Facet values with unique keys per facet, numbered as they come; the label is the
    record's name or the literal itself (``""`` for vocabulary IRIs: readers label those)."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.ids: dict[tuple[str, str], int] = {}
        self.keys: dict[tuple[str, str], str] = {}
        self.rows: list[tuple[int, str, str, str, str]] = []

    def id(self, facet: str, value: str) -> int:
        known = self.ids.get((facet, value))
        if known is not None:
            return known
        base = key = facet_key(facet, value)
        number = 1
        while (facet, key) in self.keys:
            number += 1
            key = f"{base}-{number}"
        self.keys[(facet, key)] = value
        identifier = len(self.rows) + 1
        self.ids[(facet, value)] = identifier
        label = self.labels.get(value, "" if value.startswith(("http://", "https://"))
                                else value)
        self.rows.append((identifier, facet, key, label, value))
        return identifier


def _pages(extraction: Extraction, base_iri: str,
           graphs: dict[str, GraphEntry]) -> list[tuple[str, str, str | None]]:
    records = [(entry.kind, iri) for iri, entry in graphs.items()
               if entry.kind in SITEMAP_KINDS and iri.startswith(base_iri + "/")]
    # harvested records keep their source's IRIs: their pages are the source's, not ours
    records += [("resources", iri) for iri in extraction.distributions]
    modified = extraction.modified
    return sorted((kind, iri[len(base_iri):], modified.get(iri)) for kind, iri in records)


def build_search_index(store: Queryable, path: Path, base_iri: str,
                       graphs: dict[str, GraphEntry], progress: bool = False) -> None:
    """Write the search index of the generation in ``store`` to ``path``, atomically.

    ``graphs`` is the generation's record-graph index (kinds for the sitemap's page list).
    The file appears whole or not at all: it is built under a temporary name, then renamed.
    ``progress`` shows a bar of its steps (on the full catalogue the extraction takes minutes).
    """
    with tqdm(total=len(QUERIES) + 1, desc="search index", unit=" steps",
              disable=not progress) as bar:
        write_index(extract_from_store(store, base_iri, bar), path, base_iri, graphs)
        bar.update(1)


def write_index(extraction: Extraction, path: Path, base_iri: str,
                graphs: dict[str, GraphEntry]) -> None:
    """Write the index file from ``extraction``, atomically (see :func:`build_search_index`)."""
    datasets = sorted(extraction.datasets.values(),
                      key=lambda item: (item.modified, item.iri), reverse=True)
    labels = extraction.labels
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        facets = _FacetTable(labels)
        links: list[tuple[int, int]] = []
        for number, dataset in enumerate(datasets, start=1):
            for facet in FACETS:
                links.extend((number, facets.id(facet, value))
                             for value in sorted(dataset.values.get(facet, ())))
        connection.executemany("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?)", (
            (number, dataset.iri[len(base_iri):], dataset.title,
             plain_excerpt(dataset.description), dataset.modified or None, int(dataset.archived))
            for number, dataset in enumerate(datasets, start=1)))
        connection.executemany("INSERT INTO fulltext (rowid, title, keywords, description) "
                               "VALUES (?, ?, ?, ?)", (
            (number, dataset.title, " ; ".join(sorted(dataset.keywords)), dataset.description)
            for number, dataset in enumerate(datasets, start=1)))
        connection.executemany("INSERT INTO facet_values VALUES (?, ?, ?, ?, ?)", facets.rows)
        connection.executemany("INSERT INTO dataset_facets VALUES (?, ?)", links)
        connection.execute("CREATE INDEX dataset_facets_by_dataset ON dataset_facets (dataset)")
        connection.executemany("INSERT INTO pages VALUES (?, ?, ?)",
                               _pages(extraction, base_iri, graphs))
        connection.execute("CREATE INDEX pages_by_kind ON pages (kind, path)")
        connection.execute("INSERT INTO meta VALUES ('base_iri', ?)", (base_iri,))
        connection.execute("INSERT INTO fulltext (fulltext) VALUES ('optimize')")
        connection.commit()
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def index_path(generation_path: Path) -> Path:
    """Where generation ``generations/gNNNNNN``'s search index lives."""
    return generation_path.with_name(f"{generation_path.name}{SEARCH_SUFFIX}")
