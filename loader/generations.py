"""Store generations on disk and their atomic publication.

Layout of a store directory::

    STORE/
      current -> generations/g000002     symlink to a plain Oxigraph store directory
      generations/
        g000001/                         Oxigraph store (immutable once published)
        g000001.text/                    each record's N-Quads (loader/record_text.py)
        g000001.json                     manifest: base IRI, mode, counts, sources, parent
        g000001.graphs.tsv.gz            record graphs: IRI, kind, content hash
        g000001.report.json              the load report
        g000001.search.sqlite            the search index (loader/search_index.py)
        .staging-g000003-4242/           a load in progress (never opened by readers)
      .lock                              held by the one load running

A load builds its generation under ``.staging-*``, renames it into place, writes its
manifest, then replaces ``current`` with ``rename(2)``: readers see the old generation or the
new one, never a half-built one, and a crash at any moment leaves the previous one serving.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_GENERATION = re.compile(r"g(\d{6})")


QUALITY_KIND = "quality"
"""The kind of quality graphs in a generation's graph index (:mod:`loader.quality`): not
records, so feeds, dumps and the sitemap leave them out."""


@dataclass(frozen=True, slots=True)
class Generation:
    """A published generation: its id, store directory and manifest."""

    id: str
    path: Path
    manifest: dict[str, Any]

    @property
    def base_iri(self) -> str:
        """The public base IRI the generation was loaded with."""
        return str(self.manifest.get("base_iri", ""))

    @property
    def created(self) -> str:
        """When it was published (ISO 8601, UTC)."""
        return str(self.manifest.get("created", ""))


@dataclass(frozen=True, slots=True)
class GraphEntry:
    """One graph of a generation: a record's, or a quality graph (kind :data:`QUALITY_KIND`)."""

    kind: str
    hash: int


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class StoreLayout:
    """The directory of a store and its generations."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.generations_dir = root / "generations"
        self.current_link = root / "current"

    def exists(self) -> bool:
        """Whether a generation has been published here."""
        return self.current_link.is_symlink() or self.current_link.is_dir()

    def current(self) -> Generation | None:
        """The published generation, or ``None`` before the first load."""
        if not self.exists():
            return None
        target = self.current_link.resolve()
        return self._generation(target.name)

    def generations(self) -> list[Generation]:
        """Every published generation, oldest first."""
        current = self.current()
        if current is None or not self.generations_dir.is_dir():
            return []
        names = sorted(entry.name for entry in self.generations_dir.iterdir()
                       if _GENERATION.fullmatch(entry.name) and entry.is_dir()
                       and entry.name <= current.id)
        return [self._generation(name) for name in names]

    def generation(self, name: str) -> Generation | None:
        """The published generation called ``name`` (``g000012``), or ``None`` if it is gone
        or was never published (a load killed between moving it into place and switching
        ``current`` leaves such a directory; the next load removes it)."""
        if not _GENERATION.fullmatch(name) or not (self.generations_dir / name).is_dir():
            return None
        current = self.current()
        if current is None or name > current.id:
            return None
        return self._generation(name)

    def _generation(self, name: str) -> Generation:
        manifest_path = self.generations_dir / f"{name}.json"
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        return Generation(name, self.generations_dir / name, manifest)

    def graphs(self, generation: Generation) -> dict[str, GraphEntry]:
        """The record graphs of a generation with their kinds and content hashes."""
        path = self.generations_dir / f"{generation.id}.graphs.tsv.gz"
        entries: dict[str, GraphEntry] = {}
        if not path.exists():
            return entries
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                iri, kind, digest = line.rstrip("\n").split("\t")
                entries[iri] = GraphEntry(kind, int(digest, 16))
        return entries

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's load lock; ``RuntimeError`` if another load holds it.

        A POSIX record lock, not ``flock``: mapping workers forked during the load do not
        inherit it, so a killed load never leaves the store locked by its orphans.
        """
        self.generations_dir.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise RuntimeError(f"{self.root}: another load is running") from None
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)

    def clean_staging(self) -> None:
        """Remove what interrupted loads left (call with the lock held): staging folders,
        temporary files, and the files of a generation that never became ``current``."""
        if not self.generations_dir.is_dir():
            return
        for link in self.root.glob(".current.tmp-*"):
            link.unlink(missing_ok=True)
        current = self.current()
        for entry in self.generations_dir.iterdir():
            match = _GENERATION.fullmatch(entry.name.split(".")[0])
            never_published = match is not None and (current is None
                                                     or match.group(0) > current.id)
            orphan_text = (entry.name.endswith(".text")
                           and not (self.generations_dir / entry.name[:-5]).is_dir())
            if entry.name.startswith(".staging-") or ".tmp-" in entry.name or never_published \
                    or orphan_text:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def next_id(self) -> str:
        """The id the next generation will get."""
        numbers = [int(match.group(1)) for entry in self.generations_dir.iterdir()
                   if (match := _GENERATION.fullmatch(entry.name.split(".")[0]))]
        return f"g{max(numbers, default=0) + 1:06d}"

    def staging_dir(self, generation_id: str) -> Path:
        """A fresh directory to build generation ``generation_id`` in."""
        path = self.generations_dir / f".staging-{generation_id}-{os.getpid()}"
        path.mkdir(parents=True)
        return path

    def text_dir(self, generation_id: str) -> Path:
        """Where generation ``generation_id`` keeps its records' text."""
        return self.generations_dir / f"{generation_id}.text"

    def publish(self, staging: Path, generation_id: str, manifest: dict[str, Any],
                graphs: dict[str, GraphEntry], report: dict[str, Any],
                text: Path | None = None,
                files: dict[str, Path] | None = None) -> Generation:
        """Move a finished store (and its records' ``text``) into place and make it
        ``current``, atomically.

        ``files`` maps suffixes to finished files moved beside the generation first
        (``{".search.sqlite": path}`` becomes ``g000007.search.sqlite``).
        """
        final = self.generations_dir / generation_id
        if text is not None:
            os.rename(text, self.text_dir(generation_id))
        for suffix, path in (files or {}).items():
            os.replace(path, self.generations_dir / f"{generation_id}{suffix}")
        index_lines = "".join(f"{iri}\t{entry.kind}\t{entry.hash:032x}\n"
                              for iri, entry in sorted(graphs.items()))
        _write_atomically(self.generations_dir / f"{generation_id}.graphs.tsv.gz",
                          gzip.compress(index_lines.encode("utf-8"), compresslevel=3, mtime=0))
        _write_atomically(self.generations_dir / f"{generation_id}.report.json",
                          json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
        manifest = {**manifest, "id": generation_id,
                    "created": datetime.now(UTC).isoformat(timespec="seconds")}
        _write_atomically(self.generations_dir / f"{generation_id}.json",
                          json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        os.rename(staging, final)
        _fsync_directory(self.generations_dir)
        link = self.root / f".current.tmp-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(Path("generations") / generation_id)
        os.replace(link, self.current_link)
        _fsync_directory(self.root)
        return Generation(generation_id, final, manifest)
