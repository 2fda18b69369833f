"""The change feed as files, for an app in front of a remote store.

A remote store holds only the current generation, so the feed's history comes from the
store that loaded it: ``ldcat export`` writes each generation's pages once, into
``FEED/{generation}/`` (``index.json`` and one gzipped N-Quads file of members per page), and
``ldcat serve --backend URL --exports DIR`` serves them from ``DIR/feed``. A generation's
folder appears whole (written aside, then renamed); its files never change afterwards: the
links between pages are added when a page is served, from the generations present.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, parse, serialize

from exports.feed import Change, FeedGeneration, diff, page_count, page_members
from loader.generations import Generation, StoreLayout
from loader.repo import Snapshot

FEED = "feed"
"""The feed's folder, beside the generations' dump folders."""
INDEX = "index.json"
GENERATION_FOLDER = re.compile(r"g[0-9]{6,}")


@dataclass(frozen=True, slots=True)
class WrittenFeed:
    """What :func:`write_feed` did for one generation."""

    generation: str
    pages: int
    """Pages written (0 when skipped)."""
    note: str = ""
    """Why it was skipped, if it was."""


def write_feed(layout: StoreLayout, folder: Path) -> list[WrittenFeed]:
    """Write the pages of every generation of ``layout`` not yet in ``folder``, oldest first.

    A generation's changes are its differences from the generation before it, so one whose
    predecessor is no longer on disk is skipped when ``folder`` already holds older ones
    (its changes cannot be computed); the first generation ever is all creations.
    """
    folder.mkdir(parents=True, exist_ok=True)
    present = {entry.name for entry in folder.iterdir()
               if GENERATION_FOLDER.fullmatch(entry.name) and (entry / INDEX).is_file()}
    written: list[WrittenFeed] = []
    previous: Generation | None = None
    for generation in layout.generations():
        if generation.id in present:
            previous = generation
            continue
        if previous is None and any(name < generation.id for name in present):
            written.append(WrittenFeed(generation.id, 0, "the generation before it is no "
                                       "longer on disk, so its changes are unknown"))
            previous = generation
            continue
        before = layout.graphs(previous) if previous is not None else {}
        changes = diff(before, layout.graphs(generation))
        written.append(WrittenFeed(generation.id,
                                   _write_generation(layout, generation, changes, folder)))
        previous = generation
    return written


def _write_generation(layout: StoreLayout, generation: Generation, changes: list[Change],
                      folder: Path) -> int:
    staging = folder / f".{generation.id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    snapshot = Snapshot.open(layout, generation)
    feed_generation = FeedGeneration(generation.id, generation.created)
    pages = page_count(changes)
    for page in range(1, pages + 1):
        members = page_members(snapshot.record_quads, generation.base_iri, feed_generation,
                               changes, page)
        data = serialize(members, format=RdfFormat.N_QUADS) or b""
        with gzip.open(staging / f"{page}.nq.gz", "wb", compresslevel=3) as handle:
            handle.write(data)
    index = {"generation": generation.id, "created": generation.created,
             "base_iri": generation.base_iri, "changes": len(changes), "pages": pages}
    (staging / INDEX).write_text(json.dumps(index, indent=1), "utf-8")
    os.replace(staging, folder / generation.id)
    return pages


class FolderFeed:
    """The feed :func:`write_feed` wrote into ``folder`` (a :class:`FeedSource`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._indexes: dict[str, dict[str, object]] = {}
        self._lock = threading.Lock()

    def _index(self, generation_id: str) -> dict[str, object] | None:
        with self._lock:
            if generation_id in self._indexes:  # a written generation never changes
                return self._indexes[generation_id]
        path = self.folder / generation_id / INDEX
        try:
            index: dict[str, object] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        with self._lock:
            self._indexes[generation_id] = index
        return index

    def generations(self) -> list[FeedGeneration]:
        if not self.folder.is_dir():
            return []
        names = sorted(entry.name for entry in self.folder.iterdir()
                       if GENERATION_FOLDER.fullmatch(entry.name))
        found = []
        for name in names:
            index = self._index(name)
            if index is not None:
                found.append(FeedGeneration(name, str(index["created"])))
        return found

    def base_iri(self) -> str:
        generations = self.generations()
        index = self._index(generations[-1].id) if generations else None
        return str(index["base_iri"]) if index else ""

    def page_count(self, generation_id: str) -> int:
        index = self._index(generation_id)
        pages = index.get("pages") if index else None
        return pages if isinstance(pages, int) else 0

    def members(self, generation_id: str, page: int) -> list[Quad] | None:
        path = self.folder / generation_id / f"{page}.nq.gz"
        try:
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        return list(parse(data, format=RdfFormat.N_QUADS))
