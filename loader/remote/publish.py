"""Publish a validated local generation into a remote store (``ldcat load --backend URL``).

The load builds, gates and publishes the generation in the local store as always; this then
copies it out:

1. read the remote marker: which generation the remote store holds now;
2. if the local store still has that generation, send only the difference (record graphs
   added or changed by content hash, graphs gone); else replace everything: every local record
   graph, and a ``DROP`` for each remote graph the generation does not have;
3. each record graph is replaced whole in one request (``DROP SILENT GRAPH`` then
   ``INSERT DATA``), so no reader ever sees half a record; requests carry
   :attr:`~loader.remote.client.Dialect.max_graphs_per_request` graphs;
4. the marker is switched **last**. On a store whose update requests are transactions
   (Oxigraph) a change set that fits in one request goes in the same request as the marker,
   so readers see the old publication or the new one, never a mixture.

The remote store is ldcat's alone: graphs it did not write are dropped on a full publication.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from pyoxigraph import (
    Literal,
    NamedNode,
    RdfFormat,
    serialize,
)

from loader.generations import Generation, StoreLayout
from loader.remote.client import RemoteStore
from loader.remote.repo import GENERATION, MANIFEST, MARKER, MARKER_GRAPH, marker_generation
from loader.repo import Snapshot


@dataclass(frozen=True, slots=True)
class PushReport:
    """What a publication sent."""

    generation: str
    previous: str | None
    incremental: bool
    replaced: int
    dropped: int
    requests: int
    atomic: bool

    def summary(self) -> str:
        mode = f"changes since {self.previous}" if self.incremental else "full replacement"
        return (f"published {self.generation} to the remote store ({mode}): "
                f"{self.replaced} record graphs written, {self.dropped} dropped, "
                f"{self.requests} update requests"
                + (", one transaction" if self.atomic else ""))


def _remote_graphs(store: RemoteStore) -> set[str]:
    solutions = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                             union=False)
    graphs = {solution["g"].value for solution in solutions
              if isinstance(solution["g"], NamedNode)}
    graphs.discard(MARKER_GRAPH)
    return {graph for graph in graphs
            if not graph.startswith(store.dialect.system_graph_prefixes)}


def _replace_graph(snapshot: Snapshot, iri: str) -> str:
    """``DROP`` + ``INSERT DATA`` of one record graph, as update text."""
    graph = NamedNode(iri)
    triples = [quad.triple for quad in snapshot.record_quads(iri)]
    body = (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    drop = f"DROP SILENT GRAPH {graph}"
    if not body:
        return drop
    if "_:" in body:  # INSERT DATA may not hold blank nodes on every store (Virtuoso)
        return f"{drop} ;\nINSERT {{ GRAPH {graph} {{\n{body}}} }} WHERE {{}}"
    return f"{drop} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}}} }}"


def _marker_update(generation: Generation) -> str:
    manifest = Literal(json.dumps(generation.manifest, sort_keys=True))
    return (f"DROP SILENT GRAPH {MARKER} ;\nINSERT DATA {{ GRAPH {MARKER} {{ "
            f"{MARKER} {GENERATION} {Literal(generation.id)} ; {MANIFEST} {manifest} }} }}")


def _batches(operations: Iterable[str], max_operations: int,
             max_bytes: int) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for operation in operations:
        if batch and (len(batch) >= max_operations or size + len(operation) > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(operation)
        size += len(operation)
    if batch:
        yield batch


def push_generation(layout: StoreLayout, generation: Generation,
                    store: RemoteStore) -> PushReport:
    """Make the remote store hold ``generation`` of ``layout`` (see the module docstring).

    ``RemoteError`` if the store refuses a request: the marker then still names the
    previous generation (records already replaced stay replaced; the next push repeats them).
    """
    current = layout.graphs(generation)
    previous = marker_generation(store)
    earlier = layout.generation(previous.id) if previous is not None else None
    if earlier is not None and earlier.id != generation.id:
        before = layout.graphs(earlier)
        changed = [iri for iri, entry in current.items()
                   if before.get(iri) is None or before[iri].hash != entry.hash]
        gone = sorted(set(before).difference(current))
    elif earlier is not None:
        changed, gone = [], []
    else:
        changed = list(current)
        gone = sorted(_remote_graphs(store).difference(current))
    snapshot = Snapshot.open(layout, generation)
    clear = ["CLEAR SILENT DEFAULT"] if earlier is None and store.dialect.clear_default else []
    operations = chain(clear, (f"DROP SILENT GRAPH {NamedNode(iri)}" for iri in gone),
                       (_replace_graph(snapshot, iri) for iri in sorted(changed)))
    marker = _marker_update(generation)
    batches = _batches(operations, store.dialect.max_graphs_per_request,
                       store.dialect.max_request_bytes)
    first, second = next(batches, None), next(batches, None)
    atomic = store.dialect.atomic_requests and second is None
    if atomic:
        store.update(" ;\n".join([*(first or []), marker]))
        requests = 1
    else:
        requests = 0
        for batch in chain((first, second), batches):  # one batch in memory at a time
            if batch:
                store.update(" ;\n".join(batch))
                requests += 1
        store.update(marker)
        requests += 1
    return PushReport(generation.id, previous.id if previous is not None else None,
                      earlier is not None, len(changed), len(gone), requests, atomic)
