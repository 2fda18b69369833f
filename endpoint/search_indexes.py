"""The search index of the published generation, opened once, built when it is missing.

``ldcat load`` writes the index with the generation. A generation published by an older
ldcat has none: the first request starts one background build (beside the generation, or in
the temporary directory if the store is read-only for the server) and is told to come back
(:class:`IndexPending`); the file appears atomically when it is complete, so no reader sees
half an index.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from pathlib import Path

from pyoxigraph import Store

from endpoint.search_engine import SearchIndex
from loader.generations import Generation, StoreLayout
from loader.search_index import build_search_index, index_path

LOGGER = logging.getLogger("ldcat.search")


class IndexPending(RuntimeError):
    """The index of the published generation is being built; retry shortly."""


class IndexUnavailable(LookupError):
    """The generation has no local directory (a remote store): no index is kept for it."""


def fallback_path(generation: Generation) -> Path:
    """Where a server that cannot write beside the generation builds its index."""
    digest = hashlib.blake2b(str(generation.path.resolve()).encode(), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"ldcat-search-{digest}-{generation.id}.sqlite"


class SearchIndexes:
    """The published generation's :class:`SearchIndex` (the previous one is dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: tuple[str, SearchIndex] | None = None
        self._building: set[str] = set()
        self.failures: dict[str, str] = {}

    def get(self, generation: Generation) -> SearchIndex:
        """The index of ``generation``; :class:`IndexPending` while it is being built,
        :class:`IndexUnavailable` for a generation read from a remote store."""
        if not generation.path.is_dir():
            raise IndexUnavailable("this endpoint reads a remote SPARQL store and keeps no "
                                   "search index: use /sparql")
        current = self._current
        if current is not None and current[0] == generation.id:
            return current[1]
        with self._lock:
            current = self._current
            if current is not None and current[0] == generation.id:
                return current[1]
            for path in (index_path(generation.path), fallback_path(generation)):
                if path.exists():
                    index = SearchIndex(path)
                    self._current = (generation.id, index)
                    return index
            if generation.id not in self._building:
                self._building.add(generation.id)
                threading.Thread(target=self._build, args=(generation,), daemon=True,
                                 name=f"search-index-{generation.id}").start()
        raise IndexPending(f"the search index of generation {generation.id} is being built")

    def _build(self, generation: Generation) -> None:
        try:
            store = Store.read_only(str(generation.path))
            graphs = StoreLayout(generation.path.parent.parent).graphs(generation)
            target = index_path(generation.path)
            try:
                build_search_index(store, target, generation.base_iri, graphs)
            except OSError:
                build_search_index(store, fallback_path(generation), generation.base_iri,
                                   graphs)
        except Exception as error:  # reported by the routes, retried by the next request
            LOGGER.exception("building the search index of %s failed", generation.id)
            self.failures[generation.id] = str(error)
        finally:
            with self._lock:
                self._building.discard(generation.id)
