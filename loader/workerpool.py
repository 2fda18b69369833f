"""Mapping worker processes: batches in through a bounded queue, N-Quads out to part files.

Each worker is forked with the coordinator's :class:`~loader.workers.WorkerState` (so the
facts of already-mapped datasets come along for free), appends the N-Quads of every batch to
its current part file, hands finished parts to the loader, and sends back only the small
per-record metadata: mapped text never travels back through the coordinating process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, BinaryIO

from loader.parts import PART_BYTES, PartLoader
from loader.workers import MappedRecord, WorkerState, map_batch, set_state

PR_SET_PDEATHSIG = 1

Job = tuple[str, str, dict[str, int], list[Any]]
"""(kind, file name, column index, rows) as :func:`loader.workers.map_batch` takes them."""


class WorkerFailed(RuntimeError):
    """A mapping worker raised or died; the load must not publish."""


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker if the loading process dies (even by SIGKILL).

    Without it, workers of a killed load would wait on their job queue forever.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _PartWriter:
    """A worker's current part file, replaced once it has grown past ``PART_BYTES``."""

    def __init__(self, directory: Path, results: Queue[tuple[str, Any]]) -> None:
        self.directory = directory
        self.results = results
        self.number = 0
        self.handle: BinaryIO | None = None
        self.path: Path | None = None
        self.size = 0

    def write(self, records: list[MappedRecord]) -> None:
        """Append the records' text and note where each one went (``record.extent``)."""
        if self.handle is None or self.path is None:
            self.number += 1
            self.path = self.directory / f"part-{os.getpid()}-{self.number:04d}.nq"
            self.handle = self.path.open("wb", buffering=1 << 20)
            self.size = 0
        offset = self.size
        for record in records:
            if record.text:
                record.extent = (self.path.name, offset, len(record.text))
                offset += len(record.text)
        self.handle.write(b"".join(record.text for record in records))
        self.size = offset
        if self.size >= PART_BYTES:
            self.close()

    def close(self) -> None:
        """Finish the current part and hand it to the loader."""
        if self.handle is not None:
            self.handle.close()
            self.results.put(("part", self.path))
            self.handle = None


def _worker_main(state: WorkerState, directory: Path, jobs: Queue[Job | None],
                 results: Queue[tuple[str, Any]], parent: int) -> None:
    _die_with_parent(parent)
    try:
        set_state(state)
        parts = _PartWriter(directory, results)
        while (job := jobs.get()) is not None:
            mapped = map_batch(*job)
            parts.write(mapped)
            for record in mapped:
                record.text = b""
            results.put(("batch", mapped))
        parts.close()
        results.put(("done", None))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def map_in_workers(state: WorkerState, count: int, loader: PartLoader,
                   jobs_in: Iterable[Job], accept: Callable[[list[MappedRecord]], None]) -> None:
    """Map every job in ``count`` forked workers; ``accept`` gets each batch's metadata and
    ``loader`` each finished part file.

    Batches may come back in any order (the store does not care; hashes add up the same).
    """
    context = multiprocessing.get_context("fork")
    jobs: Queue[Job | None] = context.Queue(maxsize=2 * count)
    results: Queue[tuple[str, Any]] = context.Queue()
    parent = os.getpid()
    workers = [context.Process(target=_worker_main,
                               args=(state, loader.directory, jobs, results, parent),
                               daemon=True)
               for _ in range(count)]
    for worker in workers:
        worker.start()
    finished = 0

    def handle(message: tuple[str, Any]) -> None:
        nonlocal finished
        kind, payload = message
        if kind == "batch":
            accept(payload)
        elif kind == "part":
            loader.submit(payload)
        elif kind == "done":
            finished += 1
        else:
            raise WorkerFailed(f"mapping worker failed:\n{payload}")

    def check_alive() -> None:
        for worker in workers:
            if worker.exitcode not in (None, 0):
                raise WorkerFailed(f"mapping worker {worker.pid} died ({worker.exitcode})")

    try:
        for job in jobs_in:
            while True:
                try:
                    jobs.put(job, timeout=0.2)
                    break
                except queue.Full:
                    check_alive()
                    _drain(results, handle)
            _drain(results, handle)
        for _ in workers:
            jobs.put(None)
        while finished < len(workers):
            try:
                handle(results.get(timeout=0.5))
            except queue.Empty:
                check_alive()
    finally:
        for worker in workers:
            if worker.is_alive() and finished < len(workers):
                worker.terminate()
            worker.join()


def _drain(results: Queue[tuple[str, Any]], handle: Callable[[tuple[str, Any]], None]) -> None:
    while True:
        try:
            message = results.get_nowait()
        except queue.Empty:
            return
        handle(message)
