"""Where ``/feed`` finds each generation's changes and members.

:class:`StoreFeed` computes them from the embedded store's generations on demand;
:class:`FolderFeed` reads the files ``ldcat export`` writes (:mod:`exports.feed_files`), for
an app in front of a remote store, which keeps only the current generation.
"""

from __future__ import annotations

import threading
from typing import Protocol

from pyoxigraph import Quad

from exports.feed import Change, FeedGeneration, diff, page_count, page_members
from loader.repo import EmbeddedRepo


class FeedSource(Protocol):
    """The generations of a change feed, their page counts and their pages' members."""

    def generations(self) -> list[FeedGeneration]:
        """The generations in the feed, oldest first."""
        ...

    def base_iri(self) -> str:
        """The public base IRI of the newest generation."""
        ...

    def page_count(self, generation_id: str) -> int:
        """How many pages ``generation_id`` (one of :meth:`generations`) has."""
        ...

    def members(self, generation_id: str, page: int) -> list[Quad] | None:
        """The members of one page, or ``None`` if the generation is gone since listed."""
        ...


class StoreFeed:
    """The feed of an embedded store: changes by diffing consecutive generations' graph
    indexes (each generation's once), members read from the generation they belong to."""

    def __init__(self, repo: EmbeddedRepo) -> None:
        self._repo = repo
        self._changes: dict[str, list[Change]] = {}
        self._lock = threading.Lock()

    def generations(self) -> list[FeedGeneration]:
        return [FeedGeneration(g.id, g.created) for g in self._repo.generations()]

    def base_iri(self) -> str:
        current = self._repo.generation()  # the newest: no directory listing per call
        return current.base_iri if current is not None else ""

    def changes(self, generation_id: str) -> list[Change]:
        """The changes ``generation_id`` published (empty if it is not on disk)."""
        with self._lock:
            if generation_id in self._changes:
                return self._changes[generation_id]
        generations = self._repo.generations()
        ids = [generation.id for generation in generations]
        if generation_id not in ids:
            return []
        position = ids.index(generation_id)
        layout = self._repo.layout
        before = layout.graphs(generations[position - 1]) if position else {}
        changes = diff(before, layout.graphs(generations[position]))
        with self._lock:
            self._changes[generation_id] = changes
        return changes

    def page_count(self, generation_id: str) -> int:
        return page_count(self.changes(generation_id))

    def members(self, generation_id: str, page: int) -> list[Quad] | None:
        opened = self._repo.open_generation(generation_id)
        if opened is None:
            return None
        generation = FeedGeneration(generation_id, opened.generation.created)
        return page_members(opened.record_quads, self.base_iri(), generation,
                            self.changes(generation_id), page)
