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
from loader.generations import QUALITY_KIND, Generation, GraphEntry, StoreLayout
from loader.remote.repo import RemoteRepo, RemoteView
from loader.search_index import build_search_index, index_path

LOGGER = logging.getLogger("ldcat.search")


class IndexPending(RuntimeError):
    """The index of the published generation is being built; retry shortly."""


class IndexUnavailable(LookupError):
    """The generation has no local directory and no remote store to build an index from."""


def fallback_path(generation: Generation, origin: str | None = None) -> Path:
    """Where a server that cannot write beside the generation builds its index (``origin``:
    the remote store's URL, for an index built from one)."""
    source = origin or str(generation.path.resolve())
    digest = hashlib.blake2b(source.encode(), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"ldcat-search-{digest}-{generation.id}.sqlite"


def remote_graph_kinds(view: RemoteView, base_iri: str) -> dict[str, GraphEntry]:
    """The record graphs of a remote store by kind, read from their IRIs
    (``{base}/{kind}/{id}``; no content hashes are kept remotely)."""
    entries: dict[str, GraphEntry] = {}
    for iri in view.select_iris("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "g"):
        if iri.startswith(base_iri + "/"):
            parts = iri[len(base_iri) + 1:].split("/")
            quality = parts[0] == "quality" or (len(parts) > 2 and parts[-1] == "quality")
            entries[iri] = GraphEntry(QUALITY_KIND if quality else parts[0], 0)
    return entries


class SearchIndexes:
    """The published generation's :class:`SearchIndex` (the previous one is dropped).

    For an embedded generation the index is the file the load built beside it (or built
    once here). In front of a remote store (``remote``), each server builds it once per
    generation from the store, in a temporary file shared by the processes of the host.
    """

    def __init__(self, remote: RemoteRepo | None = None) -> None:
        self.remote = remote
        self._lock = threading.Lock()
        self._current: tuple[str, SearchIndex] | None = None
        self._building: set[str] = set()
        self.failures: dict[str, str] = {}

    def get(self, generation: Generation) -> SearchIndex:
        """The index of ``generation``; :class:`IndexPending` while it is being built,
        :class:`IndexUnavailable` for a generation with neither a directory nor a remote
        store to build one from."""
        current = self._current
        if current is not None and current[0] == generation.id:
            return current[1]
        if self.remote is None and not generation.path.is_dir():
            raise IndexUnavailable(f"generation {generation.id} has no search index here")
        with self._lock:
            current = self._current
            if current is not None and current[0] == generation.id:
                return current[1]
            for path in self._paths(generation):
                if path.exists():
                    index = SearchIndex(path)
                    self._current = (generation.id, index)
                    return index
            if generation.id not in self._building:
                self._building.add(generation.id)
                threading.Thread(target=self._build, args=(generation,), daemon=True,
                                 name=f"search-index-{generation.id}").start()
        raise IndexPending(f"the search index of generation {generation.id} is being built")

    def _paths(self, generation: Generation) -> list[Path]:
        if self.remote is not None:
            return [fallback_path(generation, self.remote.store.query_url)]
        return [index_path(generation.path), fallback_path(generation)]

    def _build(self, generation: Generation) -> None:
        if self.remote is not None:
            self._build_remote(generation, self.remote)
            return
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

    def _build_remote(self, generation: Generation, remote: RemoteRepo) -> None:
        try:
            view = RemoteView(remote.store, generation)
            build_search_index(view, fallback_path(generation, remote.store.query_url),
                               generation.base_iri,
                               remote_graph_kinds(view, generation.base_iri))
        except Exception as error:  # reported by the routes, retried by the next request
            LOGGER.exception("building the search index of %s from %s failed", generation.id,
                             remote.store.query_url)
            self.failures[generation.id] = str(error)
        finally:
            with self._lock:
                self._building.discard(generation.id)
