"""The one interface readers use to reach the published catalogue.

:class:`Repo` is what the endpoint and the exports depend on; :class:`EmbeddedRepo` is the
zero-set-up implementation over the on-disk generations, and a remote SPARQL 1.1 Protocol
store plugs in behind the same methods.

>>> import tempfile, pathlib
>>> repo = EmbeddedRepo(pathlib.Path(tempfile.mkdtemp()))
>>> repo.generation() is None
True
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
)

from loader.generations import Generation, GraphEntry, StoreLayout
from loader.record_text import RecordText
from ontology.datatypes import restore_datatypes

QueryResult = QuerySolutions | QueryBoolean | QueryTriples | Iterator[Triple]
"""What a query gives: a remote store's CONSTRUCT answer is an iterator of triples."""
Term = NamedNode | BlankNode | Literal


EARLIER_OPEN = 2
"""Earlier generations kept open for pinned walks."""


class NoGeneration(LookupError):
    """Nothing has been published in the store yet."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One published generation opened read-only: its store and its records' text."""

    store: Store
    generation: Generation
    text: RecordText | None

    def record_quads(self, iri: str) -> list[Quad]:
        """The quads of one record graph as mapped (empty if there is no such record).

        From the records' text when the generation has it (one lookup and a native parse),
        else from the store, datatypes restored; ``ValueError`` for an invalid IRI.
        """
        if self.text is not None:
            return self.text.quads(iri)
        return restore_datatypes(self.store.quads_for_pattern(None, None, None,
                                                              NamedNode(iri)))

    @classmethod
    def open(cls, layout: StoreLayout, generation: Generation) -> Snapshot:
        """Open ``generation`` of ``layout`` read-only."""
        return cls(Store.read_only(str(generation.path)), generation,
                   RecordText.open(layout.text_dir(generation.id)))


class Repo(Protocol):
    """Read access to the published generation."""

    def generation(self) -> Generation | None:
        """The generation currently published, or ``None``."""

    def generations(self) -> list[Generation]:
        """Every published generation, oldest first."""

    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query; the default graph is the union of the record graphs."""

    def record_graph(self, iri: str) -> list[Quad]:
        """The quads of one record graph (empty if there is no such record)."""

    def description(self, iri: str) -> list[Triple]:
        """Triples about one IRI and its fragment nodes, from any record graph."""

    def match(self, subject: NamedNode | None, predicate: NamedNode | None,
              obj: Term | None) -> list[Triple]:
        """The triples of any record graph matching a pattern (``None`` matches anything)."""

    def graph_index(self, generation: Generation) -> dict[str, GraphEntry]:
        """The record graphs of ``generation`` with kinds and content hashes (empty when the
        backend keeps none)."""

    def triples(self) -> list[Triple]:
        """Every published triple (the union of the record graphs): small stores only."""

    def pinned(self) -> Repo:
        """A view that answers every call from the generation published now, even when a
        newer one is published meanwhile (one per request: no answer mixes two)."""


class GenerationView:
    """One opened generation, read-only: every answer comes from it.

    What a request uses so that its parts (the record, its labels, its ETag) all come from
    the same generation while loads publish newer ones.
    """

    def __init__(self, snapshot: Snapshot, layout: StoreLayout) -> None:
        self.snapshot = snapshot
        self.store = snapshot.store
        self.layout = layout
        self._generation = snapshot.generation

    def generation(self) -> Generation:
        """The generation this view reads."""
        return self._generation

    def generations(self) -> list[Generation]:
        """Every published generation up to this one, oldest first."""
        return [generation for generation in self.layout.generations()
                if generation.id <= self._generation.id]

    def pinned(self) -> GenerationView:
        """This view (it is pinned already)."""
        return self

    def graph_index(self, generation: Generation) -> dict[str, GraphEntry]:
        """The record graphs of ``generation`` with kinds and content hashes."""
        return self.layout.graphs(generation)

    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query over the union of the record graphs."""
        return self.store.query(sparql, use_default_graph_as_union=True)

    def record_graph(self, iri: str) -> list[Quad]:
        """The quads of one record graph as mapped (see :meth:`Snapshot.record_quads`)."""
        return self.snapshot.record_quads(iri)

    def description(self, iri: str) -> list[Triple]:
        """Triples about ``iri`` and its fragment nodes (``iri#...``), from any record graph.

        Built from quad patterns, not SPARQL text, so a caller's IRI is never pasted into a
        query; ``ValueError`` if ``iri`` is not a valid IRI.
        """
        subject = NamedNode(iri)
        triples = {quad.triple for quad in self.store.quads_for_pattern(subject, None, None,
                                                                        None)}
        nodes = {triple.object for triple in triples
                 if isinstance(triple.object, NamedNode)
                 and triple.object.value.startswith(iri + "#")}
        for node in nodes:
            triples.update(quad.triple for quad in self.store.quads_for_pattern(node, None,
                                                                                None, None))
        return restore_datatypes(sorted(triples, key=str))

    def match(self, subject: NamedNode | None, predicate: NamedNode | None,
              obj: Term | None) -> list[Triple]:
        """The triples of any record graph matching a pattern (``None`` matches anything).

        A quad-pattern lookup on Oxigraph's indexes, without SPARQL text; a triple asserted in
        two graphs comes once, datatypes restored.
        """
        triples = dict.fromkeys(quad.triple for quad in self.store.quads_for_pattern(
            subject, predicate, obj, None))
        return restore_datatypes(triples)

    def triples(self) -> list[Triple]:
        """Every published triple (the union of the record graphs), datatypes restored.

        Meant for validation and tests on small stores; exports stream instead.
        """
        result = self.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                  use_default_graph_as_union=True)
        return restore_datatypes(result)  # type: ignore[arg-type]


class ReadsPinned:
    """The read calls of a repo, each answered by the view :meth:`pinned` gives now (so one
    call never mixes two generations); subclasses say how to pin."""

    def pinned(self) -> Repo:
        raise NotImplementedError

    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query over the union of the record graphs (``NoGeneration`` if none)."""
        return self.pinned().query(sparql)

    def record_graph(self, iri: str) -> list[Quad]:
        """The quads of one record graph as mapped (declared datatypes kept)."""
        return self.pinned().record_graph(iri)

    def description(self, iri: str) -> list[Triple]:
        """Triples about ``iri`` and its fragment nodes (see :meth:`GenerationView.description`)."""
        return self.pinned().description(iri)

    def match(self, subject: NamedNode | None, predicate: NamedNode | None,
              obj: Term | None) -> list[Triple]:
        """The triples of any record graph matching a pattern (``None`` matches anything)."""
        return self.pinned().match(subject, predicate, obj)

    def triples(self) -> list[Triple]:
        """Every published triple (the union of the record graphs), datatypes restored."""
        return self.pinned().triples()


class EmbeddedRepo(ReadsPinned):
    """The embedded Oxigraph store: opens ``STORE/current`` read-only, follows new generations.

    Each call checks where ``current`` points (one ``readlink``) and reopens when a load has
    published a new generation, so a server picks it up without a restart.
    """

    def __init__(self, store_dir: Path) -> None:
        self.layout = StoreLayout(store_dir)
        self._lock = threading.Lock()
        self._target: str | None = None
        self._snapshot: Snapshot | None = None
        self._earlier: dict[str, Snapshot] = {}

    def snapshot(self) -> Snapshot:
        """The current generation, opened (``NoGeneration`` if none is published)."""
        try:
            target = os.readlink(self.layout.current_link)
        except OSError:
            raise NoGeneration(f"{self.layout.root}: no published generation") from None
        with self._lock:
            if target != self._target or self._snapshot is None:
                generation = self.layout.current()
                if generation is None:
                    raise NoGeneration(f"{self.layout.root}: no published generation")
                self._snapshot = Snapshot.open(self.layout, generation)
                self._target = target
            return self._snapshot

    def generation(self) -> Generation | None:
        """The generation currently published, or ``None``."""
        try:
            return self.snapshot().generation
        except NoGeneration:
            return None

    def generations(self) -> list[Generation]:
        """Every published generation, oldest first."""
        return self.layout.generations()

    def open_generation(self, generation_id: str) -> Snapshot | None:
        """A generation by id, read-only: the current one, or an earlier one still on disk
        (the last few stay open, for walks pinned to them); ``None`` if it is gone."""
        current = self.snapshot()
        if generation_id == current.generation.id:
            return current
        with self._lock:
            if generation_id in self._earlier:
                return self._earlier[generation_id]
        generation = self.layout.generation(generation_id)
        if generation is None:
            return None
        opened = Snapshot.open(self.layout, generation)
        with self._lock:
            self._earlier[generation_id] = opened
            while len(self._earlier) > EARLIER_OPEN:
                self._earlier.pop(next(iter(self._earlier)))
        return opened

    def pinned(self) -> GenerationView:
        """The generation published now, held for the caller (``NoGeneration`` if none)."""
        return GenerationView(self.snapshot(), self.layout)

    def graph_index(self, generation: Generation) -> dict[str, GraphEntry]:
        """The record graphs of ``generation`` with kinds and content hashes."""
        return self.layout.graphs(generation)
