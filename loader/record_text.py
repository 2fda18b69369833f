"""Each record graph's N-Quads, kept beside its generation for whole-record reads.

Reading a record back from an on-disk Oxigraph generation decodes every term through the
store's string table: on the full catalogue (13.4M quads) that costs ~300 us per quad here,
so a 100-dataset catalogue page took seconds. The loader already has every record's N-Quads
in hand, so it keeps them: the part files workers write are moved here once bulk-loaded
(nothing is written twice), blocks mapped in-process are appended to a file of their own,
and an index maps each record graph to its extents (a dataset's block and its resources'
blocks may sit in different files). A reader then gets a record with one index lookup,
a few ``pread`` calls and one native parse.

Layout, beside the store (``generations/g000001.text/``)::

    part-4242-0001.nq ...   N-Quads files, immutable (an update hard-links its parent's)
    index.sqlite            graph IRI -> extents (file number, offset, length)*

The text holds exactly what was mapped, declared datatypes included (the store normalises
``xsd:nonNegativeInteger`` to ``xsd:integer``; see :mod:`ontology.datatypes`).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "text"
>>> writer = RecordTextWriter(folder)
>>> writer.append("http://e/g", b'<http://e/s> <http://e/p> "1" <http://e/g> .\\n')
>>> writer.finish(["http://e/g"])
>>> text = RecordText.open(folder)
>>> [quad.object.value for quad in text.quads("http://e/g")]
['1']
>>> text.quads("http://e/other")
[]
>>> text.nquads_of(["http://e/other", "http://e/g"]).count(b"\\n")
1
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import Quad, RdfFormat, parse

INDEX = "index.sqlite"
APPEND_BYTES = 256 << 20
"""An in-process text file is closed and a new one started past this size."""
BATCH_IRIS = 500
"""IRIs per index query of :meth:`RecordText.nquads_of` (under SQLite's parameter limit)."""


def _pack(extents: array[int]) -> bytes:
    return extents.tobytes()


def _unpack(blob: bytes) -> array[int]:
    extents = array("q")
    extents.frombytes(blob)
    return extents


class RecordTextWriter:
    """Collects the text of a generation being loaded (one process: the coordinator's).

    Blocks arrive three ways: :meth:`append` (mapped in this process), :meth:`locate` (a
    block a worker wrote into a part file, which :meth:`adopt` moves here once loaded) and
    :meth:`inherit` (an update keeps its parent's records).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, int] = {}
        self._extents: dict[str, array[int]] = {}
        self._inherited: dict[str, bytes] = {}
        self._append_path: Path | None = None
        self._append_handle: BinaryIO | None = None
        self._append_size = 0
        self._appended = 0
        self._lock = threading.Lock()

    def _file_number(self, name: str) -> int:
        number = self._files.get(name)
        if number is None:
            number = self._files[name] = len(self._files)
        return number

    def append(self, graph: str, data: bytes) -> None:
        """Keep a block mapped in this process."""
        if not data:
            return
        if self._append_handle is None or self._append_path is None \
                or self._append_size >= APPEND_BYTES:
            self._close_appended()
            self._append_path = self._new_file()
            self._append_handle = self._append_path.open("wb")
            self._append_size = 0
        self._append_handle.write(data)
        self.locate(graph, self._append_path.name, self._append_size, len(data))
        self._append_size += len(data)

    def _new_file(self) -> Path:
        """A file name no other writer used, here or in an inherited generation (those
        files are hard links: appending to one would change the parent's text)."""
        while True:
            self._appended += 1
            path = self.directory / f"main-{os.getpid()}-{self._appended:04d}.nq"
            if not path.exists() and path.name not in self._files:
                return path

    def locate(self, graph: str, file: str, offset: int, length: int) -> None:
        """Note that ``length`` bytes at ``offset`` of part file ``file`` belong to ``graph``."""
        extents = self._extents.get(graph)
        if extents is None:
            extents = self._extents[graph] = array("q")
        extents.extend((self._file_number(file), offset, length))

    def adopt(self, part: Path) -> None:
        """Move a loaded part file in (its blocks were :meth:`locate`-d by name)."""
        with self._lock:
            os.replace(part, self.directory / part.name)

    def inherit(self, parent: RecordText, keep: Iterable[str]) -> None:
        """Keep the ``keep`` records of ``parent`` (an update's parent generation): its files
        are hard-linked, not copied."""
        numbers: dict[int, int] = {}
        for number, name in enumerate(parent.files):
            target = self.directory / name
            if not target.exists():
                os.link(parent.directory / name, target)
            numbers[number] = self._file_number(name)
        for graph in keep:
            extents = parent.extents(graph)
            if extents is None:
                continue
            renumbered = array("q", extents)
            for position in range(0, len(renumbered), 3):
                renumbered[position] = numbers[renumbered[position]]
            self._extents[graph] = renumbered

    def blocks(self, graphs: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(graph, N-Quads) of the ``graphs`` written so far, before :meth:`finish` (the load
        measures quality from them); graphs without text are skipped."""
        if self._append_handle is not None:
            self._append_handle.flush()
        names = {number: name for name, number in self._files.items()}
        descriptors: dict[int, int] = {}
        try:
            for graph in graphs:
                extents = self._extents.get(graph)
                if extents is None:
                    continue
                parts = []
                for position in range(0, len(extents), 3):
                    number = extents[position]
                    descriptor = descriptors.get(number)
                    if descriptor is None:
                        descriptor = descriptors[number] = os.open(
                            self.directory / names[number], os.O_RDONLY)
                    parts.append(os.pread(descriptor, extents[position + 2],
                                          extents[position + 1]))
                yield graph, b"".join(parts)
        finally:
            for descriptor in descriptors.values():
                os.close(descriptor)

    def staged(self, graphs: Callable[[], Iterable[str]]) -> StagedText:
        """A reader of the records written so far, for the load's validation: ``graphs``
        says which records the generation holds now (the gate leaves some out)."""
        if self._append_handle is not None:
            self._append_handle.flush()
        return StagedText(self, graphs)

    def _close_appended(self) -> None:
        if self._append_handle is not None:
            self._append_handle.close()
            self._append_handle = None

    def finish(self, graphs: Iterable[str], durable: bool = True) -> None:
        """Write the index for the records of ``graphs`` (the generation's final list).

        It replaces an earlier one atomically: the load finishes the records' index for its
        companions (``durable=False``: nothing is synced yet), forks them, then appends the
        quality graphs and finishes again; a reader sees either index whole.
        """
        self._close_appended()
        final = self.directory / INDEX
        path = final.with_name(f".{INDEX}.tmp-{os.getpid()}")
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path)
        try:
            connection.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                "CREATE TABLE files (number INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                "CREATE TABLE graphs (iri TEXT PRIMARY KEY, extents BLOB NOT NULL)"
                " WITHOUT ROWID;")
            connection.executemany("INSERT INTO files VALUES (?, ?)",
                                   ((number, name) for name, number in self._files.items()))
            connection.executemany(
                "INSERT INTO graphs VALUES (?, ?)",
                ((graph, _pack(self._extents[graph]))
                 for graph in sorted(set(graphs)) if graph in self._extents))
            connection.commit()
        finally:
            connection.close()
        os.replace(path, final)
        if durable:
            _fsync_tree(self.directory)


class StagedText:
    """The records' text of a generation being loaded, read by graph (safe to use in a
    forked process: it only reads the files, through :meth:`RecordTextWriter.blocks`, and
    the writer's buffer was flushed before it was made)."""

    def __init__(self, writer: RecordTextWriter, graphs: Callable[[], Iterable[str]]) -> None:
        self._writer = writer
        self._graphs = graphs

    def graphs(self) -> Iterator[str]:
        """The records of the generation now, in IRI order."""
        return iter(sorted(self._graphs()))

    def blocks_of(self, graphs: Iterable[str]) -> list[tuple[str, bytes]]:
        """Each of ``graphs`` that has text, with its N-Quads, in IRI order."""
        return list(self._writer.blocks(sorted(set(graphs))))


def _fsync_tree(directory: Path) -> None:
    for entry in directory.iterdir():
        descriptor = os.open(entry, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


class RecordText:
    """Reads the records of a published generation's text (thread-safe)."""

    def __init__(self, directory: Path, connection: sqlite3.Connection,
                 files: list[str]) -> None:
        self.directory = directory
        self.files = files
        self._connection = connection
        self._lock = threading.Lock()
        self._descriptors = [os.open(directory / name, os.O_RDONLY) for name in files]

    @classmethod
    def open(cls, directory: Path) -> RecordText | None:
        """The text in ``directory``, or ``None`` if the generation has none (stores loaded
        before it existed: readers then fall back to the store)."""
        index = directory / INDEX
        if not index.is_file():
            return None
        connection = sqlite3.connect(f"file:{index}?mode=ro&immutable=1", uri=True,
                                     check_same_thread=False)
        files = [name for _, name in connection.execute(
            "SELECT number, name FROM files ORDER BY number")]
        return cls(directory, connection, files)

    def extents(self, graph: str) -> array[int] | None:
        """The (file number, offset, length) triples of ``graph``, or ``None``."""
        with self._lock:
            row = self._connection.execute("SELECT extents FROM graphs WHERE iri = ?",
                                           (graph,)).fetchone()
        return _unpack(row[0]) if row is not None else None

    def nquads(self, graph: str) -> bytes | None:
        """The N-Quads of record ``graph`` as mapped, or ``None`` if it is not a record."""
        extents = self.extents(graph)
        return self._read(extents) if extents is not None else None

    def _read(self, extents: array[int]) -> bytes:
        return b"".join(os.pread(self._descriptors[extents[i]], extents[i + 2], extents[i + 1])
                        for i in range(0, len(extents), 3))

    def nquads_of(self, graphs: Iterable[str]) -> bytes:
        """The N-Quads of every record among ``graphs``, concatenated in IRI order: one
        index query per :data:`BATCH_IRIS` IRIs (IRIs that are no record are skipped)."""
        return b"".join(piece for _, pieces in self._pieces_of(graphs) for piece in pieces)

    def blocks_of(self, graphs: Iterable[str]) -> list[tuple[str, bytes]]:
        """Each record among ``graphs`` with its N-Quads, in IRI order (as :meth:`nquads_of`
        reads them, one block a record)."""
        return [(iri, b"".join(pieces)) for iri, pieces in self._pieces_of(graphs)]

    def _pieces_of(self, graphs: Iterable[str]) -> list[tuple[str, list[memoryview]]]:
        wanted = sorted(set(graphs))
        found: list[tuple[str, bytes]] = []
        for start in range(0, len(wanted), BATCH_IRIS):
            chunk = wanted[start:start + BATCH_IRIS]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                found += self._connection.execute(
                    f"SELECT iri, extents FROM graphs WHERE iri IN ({marks})", chunk).fetchall()
        rows = [(iri, _unpack(blob)) for iri, blob in sorted(found)]
        pieces = self._read_many([extents for _, extents in rows])
        return [(iri, text) for (iri, _), text in zip(rows, pieces, strict=True)]

    def _read_many(self, records: list[array[int]]) -> list[list[memoryview]]:
        """The text of each extent list of ``records``, extent by extent, read as runs of
        adjacent extents (a page's records mostly sit side by side): one ``pread`` a run,
        every run first asked of the kernel (``WILLNEED``) so that a cold read goes to the
        disk all at once, not one request after the other (a cold 100-dataset page: 4 ms
        instead of 25 on the full catalogue)."""
        runs: list[list[int]] = []  # [file number, start, end]
        for file, offset, length in sorted({(extents[i], extents[i + 1], extents[i + 2])
                                            for extents in records
                                            for i in range(0, len(extents), 3)}):
            if runs and runs[-1][0] == file and offset <= runs[-1][2]:
                runs[-1][2] = max(runs[-1][2], offset + length)
            else:
                runs.append([file, offset, offset + length])
        if hasattr(os, "posix_fadvise"):
            for file, start, end in runs:
                if end > start:  # a length of 0 would mean "to the end of the file"
                    os.posix_fadvise(self._descriptors[file], start, end - start,
                                     os.POSIX_FADV_WILLNEED)
        starts = [(file, start) for file, start, _ in runs]
        data = [memoryview(os.pread(self._descriptors[file], end - start, start))
                for file, start, end in runs]

        def piece(file: int, offset: int, length: int) -> memoryview:
            run = bisect_right(starts, (file, offset)) - 1
            at = offset - starts[run][1]
            return data[run][at:at + length]

        return [[piece(extents[i], extents[i + 1], extents[i + 2])
                 for i in range(0, len(extents), 3)] for extents in records]

    def quads(self, graph: str) -> list[Quad]:
        """The quads of record ``graph`` (empty if it is not a record)."""
        data = self.nquads(graph)
        if not data:
            return []
        return list(parse(data, format=RdfFormat.N_QUADS, lenient=True))

    def graphs(self) -> Iterator[str]:
        """Every record graph IRI, in IRI order."""
        with self._lock:
            rows = self._connection.execute("SELECT iri FROM graphs ORDER BY iri").fetchall()
        return (iri for (iri,) in rows)

    def close(self) -> None:
        """Release the files (the object is unusable afterwards)."""
        for descriptor in self._descriptors:
            os.close(descriptor)
        self._descriptors = []
        self._connection.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown, os may be gone
            self.close()
