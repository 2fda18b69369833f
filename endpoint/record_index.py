"""What the generations' graph indexes say about a record IRI: published now (kind, content
hash), published before and gone (410), or never published (404).

Each index is read once per published generation and kept until ``current`` moves; the
earlier generations are read only when a request asks about an IRI the current one lacks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from loader.generations import Generation, GraphEntry
from loader.repo import Repo


@dataclass(slots=True)
class _Snapshot:
    generation_id: str
    graphs: dict[str, GraphEntry]
    gone: frozenset[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    memo: dict[str, Any] = field(default_factory=dict)


class RecordIndex:
    """The graph index of the published generation, and the IRIs earlier ones published.

    Safe to share between threads; a :class:`~loader.repo.Repo` without indexes (a remote
    store) gives empty answers, and callers fall back to the records' content.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def _current(self, generation: Generation) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation_id == generation.id:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.generation_id != generation.id:
                snapshot = _Snapshot(generation.id, self.repo.graph_index(generation))
                self._snapshot = snapshot
            return snapshot

    def entry(self, generation: Generation, iri: str) -> GraphEntry | None:
        """The record graph ``iri`` in ``generation``, or ``None``."""
        return self._current(generation).graphs.get(iri)

    def memo(self, generation: Generation) -> dict[str, Any]:
        """A dictionary that lives as long as ``generation`` is the published one: for small
        per-generation facts many records share (the type and name of their publishers)."""
        return self._current(generation).memo

    def was_published(self, generation: Generation, iri: str) -> bool:
        """Whether an earlier generation published record graph ``iri`` (now gone)."""
        snapshot = self._current(generation)
        if snapshot.gone is None:
            with snapshot.lock:
                if snapshot.gone is None:
                    earlier: set[str] = set()
                    for older in self.repo.generations():
                        if older.id < generation.id:
                            earlier.update(self.repo.graph_index(older))
                    snapshot.gone = frozenset(earlier.difference(snapshot.graphs))
        return iri in snapshot.gone
