"""The :class:`~loader.repo.Repo` over a remote SPARQL store: the app runs stateless in front.

What the remote store holds (written by :mod:`loader.remote.publish`): each record graph under
its record IRI, as the loader mapped it, and one **publication marker**, graph
:data:`MARKER_GRAPH`, naming the generation published and carrying its manifest (counts,
statistics). Readers take the generation from the marker; a publication switches it last.

Every lookup is a query built from pyoxigraph terms (validated IRIs, escaped literals), never
from pasted caller text.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    Triple,
    parse_query_results,
)

from loader.generations import Generation, GraphEntry
from loader.remote.client import (
    N_TRIPLES,
    RESULTS_XML,
    RemoteError,
    RemoteStore,
    triples_in,
)
from loader.repo import NoGeneration, QueryResult, ReadsPinned, Term
from ontology.datatypes import restore_datatypes
from ontology.namespaces import LDC

MARKER_GRAPH = "urn:ldcat:publication"
MARKER = NamedNode(MARKER_GRAPH)
GENERATION = NamedNode(LDC.generation)
MANIFEST = NamedNode(LDC.manifest)
REMOTE_PATH = Path("/nonexistent/ldcat-remote")
"""The ``path`` of a remote generation: no local directory backs it."""
MARKER_TTL = 1.0
"""Seconds a read of the marker is reused (one round trip per second, not per request)."""


def _term(value: Term | None, variable: str) -> str:
    return f"?{variable}" if value is None else str(value)


def marker_generation(store: RemoteStore) -> Generation | None:
    """The generation the marker names, or ``None`` if nothing was published yet."""
    query = (f"SELECT ?generation ?manifest WHERE {{ GRAPH {MARKER} {{ "
             f"{MARKER} {GENERATION} ?generation ; {MANIFEST} ?manifest }} }}")
    for solution in store.select(query, union=False):
        generation, manifest = solution["generation"], solution["manifest"]
        if isinstance(generation, Literal) and isinstance(manifest, Literal):
            return Generation(generation.value, REMOTE_PATH, json.loads(manifest.value))
    return None


class RemoteView:
    """The remote store read at one generation (what one request uses).

    The remote store holds one generation at a time: a view pins the generation's id, base
    IRI and manifest (ETags, headers, counts); record content is read live.
    """

    def __init__(self, store: RemoteStore, generation: Generation) -> None:
        self.store = store
        self._generation = generation

    def generation(self) -> Generation:
        return self._generation

    def generations(self) -> list[Generation]:
        """Only the published one: a remote store keeps no history."""
        return [self._generation]

    def pinned(self) -> RemoteView:
        return self

    def graph_index(self, generation: Generation) -> dict[str, GraphEntry]:
        """No per-graph hashes are kept remotely (ETags then come from the answer's body)."""
        return {}

    def query(self, sparql: str) -> QueryResult:
        """Run a query over the union of the record graphs; answers parsed into terms."""
        form = sparql.lstrip().split(None, 1)[0].upper() if sparql.strip() else ""
        if form in ("CONSTRUCT", "DESCRIBE"):
            return iter(self._triples(sparql))
        response = self.store.query(sparql, accept=RESULTS_XML)
        return parse_query_results(response.content, format=QueryResultsFormat.XML)

    def _triples(self, sparql: str, union: bool = True) -> list[Triple]:
        return triples_in(self.store.query(sparql, accept=N_TRIPLES, union=union))

    def record_graph(self, iri: str) -> list[Quad]:
        """The quads of one record graph, sorted (``ValueError`` for an invalid IRI)."""
        graph = NamedNode(iri)
        triples = self._triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} "
                                "{ ?s ?p ?o } }", union=False)
        return [Quad(t.subject, t.predicate, t.object, graph)
                for t in restore_datatypes(sorted(triples, key=str))]

    def record_graphs(self, iris: list[str]) -> list[Quad]:
        """The quads of several record graphs in one query, graph after graph (in the order
        of ``iris``), each sorted."""
        graphs = [NamedNode(iri) for iri in iris]
        if not graphs:
            return []
        values = " ".join(str(graph) for graph in graphs)
        solutions = self.store.select(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
                                      "GRAPH ?g { ?s ?p ?o } }", union=False)
        by_graph: dict[NamedNode, list[Triple]] = {graph: [] for graph in graphs}
        for row in solutions:
            graph = row["g"]
            if isinstance(graph, NamedNode) and graph in by_graph:
                by_graph[graph].append(Triple(row["s"], row["p"], row["o"]))
        return [Quad(t.subject, t.predicate, t.object, graph)
                for graph, triples in by_graph.items()
                for t in restore_datatypes(sorted(triples, key=str))]

    def select_iris(self, query: str, variable: str) -> list[str]:
        """The IRIs ``variable`` takes in the answer of SELECT ``query`` (in answer order)."""
        return [term.value for row in self.store.select(query)
                if isinstance(term := row[variable], NamedNode)]

    def description(self, iri: str) -> list[Triple]:
        """Triples about ``iri`` and its fragment nodes (``iri#...``), from any record graph."""
        subject = NamedNode(iri)
        fragment = Literal(iri + "#")
        query = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ GRAPH ?g {{ {subject} ?p ?o }} "
                 f"BIND({subject} AS ?s) }} UNION {{ GRAPH ?g {{ {subject} ?q ?s }} "
                 f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {fragment})) "
                 "GRAPH ?h { ?s ?p ?o } } }")
        return restore_datatypes(sorted(set(self._triples(query, union=False)), key=str))

    def match(self, subject: NamedNode | None, predicate: NamedNode | None,
              obj: Term | None) -> list[Triple]:
        """The triples of any record graph matching a pattern (``None`` matches anything)."""
        pattern = (f"{_term(subject, 's')} {_term(predicate, 'p')} {_term(obj, 'o')}")
        query = f"CONSTRUCT {{ {pattern} }} WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        return restore_datatypes(list(dict.fromkeys(self._triples(query, union=False))))

    def triples(self) -> list[Triple]:
        """Every published triple (the union of the record graphs): small stores only."""
        query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != " \
                f"{MARKER}) }}"
        return restore_datatypes(self._triples(query, union=False))


class RemoteRepo(ReadsPinned):
    """Read access to a remote store through the publication marker (see module docstring).

    >>> RemoteRepo.__name__
    'RemoteRepo'
    """

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._generation: Generation | None = None
        self._known = False
        self._refreshing = False

    def generation(self) -> Generation | None:
        """The generation the marker names.

        The first call reads the marker (``RemoteError`` if the store does not answer); later
        calls return what was read and, once it is :data:`MARKER_TTL` seconds old, re-read it
        on a background thread, so no caller (the event loop included) waits on the store.
        A failed re-read keeps the last answer: the requests that need the store fail alone.
        """
        with self._lock:
            if self._known:
                if time.monotonic() - self._read_at > MARKER_TTL and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, daemon=True,
                                     name="ldcat-marker").start()
                return self._generation
        generation = marker_generation(self.store)
        with self._lock:
            self._generation, self._read_at, self._known = generation, time.monotonic(), True
        return generation

    def _refresh(self) -> None:
        try:
            generation = marker_generation(self.store)
        except RemoteError:
            generation = self._generation
        with self._lock:
            self._generation, self._read_at = generation, time.monotonic()
            self._refreshing = False

    def generations(self) -> list[Generation]:
        generation = self.generation()
        return [generation] if generation is not None else []

    def pinned(self) -> RemoteView:
        """A view of the generation published now (``NoGeneration`` if none)."""
        generation = self.generation()
        if generation is None:
            raise NoGeneration(f"{self.store.query_url}: no published generation")
        return RemoteView(self.store, generation)

    def graph_index(self, generation: Generation) -> dict[str, GraphEntry]:
        return {}

    def close(self) -> None:
        self.store.close()
