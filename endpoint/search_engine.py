"""Searching a generation's index (:mod:`loader.search_index`): full text, facets, pages.

The index file is opened read-only and immutable (it never changes once written). The facet
links are read into memory once (a tuple of value ids per dataset), so filtering and facet
counts are plain Python over the matching datasets; the counts of the unfiltered
catalogue (the home page's) are computed once, and the matches and counts of the last few
searches are kept, so that paging through a search costs one page's rows. Ranking is FTS5's
BM25 with titles weighing most, then keywords, then descriptions; without words, the most
recently modified first.

Thread-safe: each thread gets its own SQLite connection.
"""

from __future__ import annotations

import sqlite3
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress
from pathlib import Path

from endpoint.labels import vocabulary_label
from endpoint.search_text import fts_query
from loader.search_index import FACETS

RANK = "bm25(fulltext, 10.0, 4.0, 1.0)"
ARCHIVED_CHOICES = ("exclude", "include", "only")
SORTS = ("relevance", "modified")


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: its URL token, label and IRI (or literal)."""

    id: int
    facet: str
    key: str
    label: str
    iri: str


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A validated search: text, facet filters (facet, key), archived policy, order, page."""

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    archived: str = "exclude"
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True, slots=True)
class Hit:
    """One dataset in a result page."""

    path: str
    title: str
    excerpt: str
    modified: str | None
    archived: bool
    values: dict[str, list[FacetValue]]


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: FacetValue
    count: int
    selected: bool


@dataclass(slots=True)
class SearchResult:
    """A page of hits, the total, and the facet counts over every match."""

    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    """Filters naming no value of this generation (the result is then empty)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


class SearchIndex:
    """A generation's search index (see module docstring)."""

    def __init__(self, path: Path, facet_limit: int = 10, recent_searches: int = 32) -> None:
        self.path = path
        self.facet_limit = facet_limit
        self.recent_searches = recent_searches
        """Searches whose matches and counts are kept (the next pages of a search are cheap)."""
        self._local = threading.local()
        connection = self._connection()
        self.values: dict[int, FacetValue] = {}
        self.by_key: dict[tuple[str, str], FacetValue] = {}
        for identifier, facet, key, label, iri in connection.execute(
                "SELECT id, facet, key, label, iri FROM facet_values"):
            value = FacetValue(identifier, facet, key, label or vocabulary_label(iri), iri)
            self.values[identifier] = value
            self.by_key[(facet, key)] = value
        count = connection.execute("SELECT COALESCE(MAX(id), 0) FROM datasets").fetchone()[0]
        self.archived = bytearray(count + 1)
        for (identifier,) in connection.execute("SELECT id FROM datasets WHERE archived"):
            self.archived[identifier] = 1
        self.current = bytes(1 - flag for flag in self.archived)
        """1 for every dataset not archived (``archived`` has 1 for the others)."""
        links: list[list[int]] = [[] for _ in range(count + 1)]
        for dataset, value in connection.execute("SELECT dataset, value FROM dataset_facets"):
            links[dataset].append(value)
        self.values_of: list[tuple[int, ...]] = [tuple(items) for items in links]
        self.count = count
        self.base_iri = str(connection.execute(
            "SELECT value FROM meta WHERE key = 'base_iri'").fetchone()[0])
        self._totals: dict[str, list[FacetCount]] | None = None
        self._all: array[int] | None = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[tuple[str | None, str, tuple[int, ...], str],
                                  tuple[array[int], dict[str, list[FacetCount]]]] = OrderedDict()
        self._page_counts: dict[str, int] | None = None

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
            self._local.connection = connection
        return connection

    def search(self, query: SearchQuery) -> SearchResult:
        """The page ``query`` asks for, with its total and facet counts.

        ``QueryTextError`` (a ``ValueError``) when the text cannot be searched.
        """
        match = fts_query(query.text)
        required: list[int] = []
        unknown: list[tuple[str, str]] = []
        for facet, key in query.filters:
            value = self.by_key.get((facet, key))
            if value is None:
                unknown.append((facet, key))
            else:
                required.append(value.id)
        if unknown:
            return SearchResult(query, 0, [], self._counts([], required), unknown)
        if match is None and not required and query.archived == "exclude":
            candidates, facets = self._everything(), self.facet_totals()
        else:
            candidates, facets = self._matching(match, query.sort, tuple(sorted(required)),
                                                query.archived)
        start = (query.page - 1) * query.page_size
        hits = self._hits(list(candidates[start:start + query.page_size]))
        return SearchResult(query, len(candidates), hits, facets)

    def _matching(self, match: str | None, sort: str, required: tuple[int, ...],
                  archived: str) -> tuple[array[int], dict[str, list[FacetCount]]]:
        """The matching datasets in order and their facet counts, kept for the next pages."""
        key = (match, sort, required, archived)
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        candidates = array("I", self._candidates(match, sort, list(required), archived))
        found = (candidates, self._counts(candidates, list(required)))
        with self._lock:
            self._recent[key] = found
            while len(self._recent) > self.recent_searches:
                self._recent.popitem(last=False)
        return found

    def _everything(self) -> array[int]:
        if self._all is None:
            self._all = array("I", self._candidates(None, "modified", [], "exclude"))
        return self._all

    def facet_totals(self) -> dict[str, list[FacetCount]]:
        """The facet counts of every dataset not archived (computed once)."""
        if self._totals is None:
            self._totals = self._counts(self._everything(), [])
        return self._totals

    def _candidates(self, match: str | None, sort: str, required: list[int],
                    archived: str) -> list[int]:
        if match is None:
            ordered: Iterable[int] = range(1, self.count + 1)
        else:
            order = RANK if sort == "relevance" else "rowid"
            ordered = [row[0] for row in self._connection().execute(
                f"SELECT rowid FROM fulltext WHERE fulltext MATCH ? ORDER BY {order}", (match,))]
        if archived != "include":
            keep = self.current if archived == "exclude" else self.archived
            ordered = compress(ordered, map(keep.__getitem__, ordered))
        if required:
            need, values_of = set(required), self.values_of
            return [dataset for dataset in ordered if need.issubset(values_of[dataset])]
        return list(ordered)

    def _counts(self, candidates: Sequence[int],
                required: list[int]) -> dict[str, list[FacetCount]]:
        counts = Counter(chain.from_iterable(map(self.values_of.__getitem__, candidates)))
        result: dict[str, list[FacetCount]] = {facet: [] for facet in FACETS}
        for identifier, count in counts.most_common():
            value = self.values[identifier]
            bucket = result[value.facet]
            if len(bucket) < self.facet_limit or identifier in required:
                bucket.append(FacetCount(value, count, identifier in required))
        for identifier in required:
            value = self.values[identifier]
            if identifier not in counts:
                result[value.facet].append(FacetCount(value, 0, True))
        return result

    def _hits(self, datasets: list[int]) -> list[Hit]:
        if not datasets:
            return []
        marks = ", ".join("?" * len(datasets))
        rows = {row[0]: row for row in self._connection().execute(
            "SELECT id, path, title, excerpt, modified, archived FROM datasets "
            f"WHERE id IN ({marks})", datasets)}
        hits = []
        for dataset in datasets:
            _, path, title, excerpt, modified, archived = rows[dataset]
            values: dict[str, list[FacetValue]] = {facet: [] for facet in FACETS}
            for identifier in self.values_of[dataset]:
                value = self.values[identifier]
                values[value.facet].append(value)
            hits.append(Hit(path, title, excerpt, modified, bool(archived), values))
        return hits

    def page_counts(self) -> dict[str, int]:
        """Record pages per kind (for the sitemap index; counted once)."""
        if self._page_counts is None:
            self._page_counts = dict(self._connection().execute(
                "SELECT kind, COUNT(*) FROM pages GROUP BY kind").fetchall())
        return self._page_counts

    def pages(self, kind: str, offset: int, limit: int) -> list[tuple[str, str | None]]:
        """(path, lastmod) of the ``kind`` record pages from ``offset``, in path order."""
        return list(self._connection().execute(
            "SELECT path, lastmod FROM pages WHERE kind = ? ORDER BY path LIMIT ? OFFSET ?",
            (kind, limit, offset)).fetchall())
