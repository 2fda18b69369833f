"""Mapping worker processes: batches in through a bounded queue, N-Quads out to a channel.

Each worker is forked with the coordinator's :class:`~loader.workers.WorkerState` (so the
facts of already-mapped datasets come along for free), writes the N-Quads of every batch to
its own loading channel, and sends back only the small per-record metadata.
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
from typing import Any

from loader.channels import open_channel, write_all
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


def _worker_main(state: WorkerState, channel: str, jobs: Queue[Job | None],
                 results: Queue[tuple[str, Any]], parent: int) -> None:
    _die_with_parent(parent)
    try:
        set_state(state)
        descriptor = open_channel(channel)
        try:
            while (job := jobs.get()) is not None:
                mapped = map_batch(*job)
                write_all(descriptor, b"".join(record.text for record in mapped))
                for record in mapped:
                    record.text = b""
                results.put(("batch", mapped))
        finally:
            os.close(descriptor)
        results.put(("done", None))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def map_in_workers(state: WorkerState, channels: list[str], jobs_in: Iterable[Job],
                   accept: Callable[[list[MappedRecord]], None]) -> None:
    """Map every job in one forked worker per channel; ``accept`` gets each batch's metadata.

    Batches may come back in any order (the store does not care; hashes add up the same).
    """
    context = multiprocessing.get_context("fork")
    jobs: Queue[Job | None] = context.Queue(maxsize=2 * len(channels))
    results: Queue[tuple[str, Any]] = context.Queue()
    parent = os.getpid()
    workers = [context.Process(target=_worker_main,
                               args=(state, channel, jobs, results, parent), daemon=True)
               for channel in channels]
    for worker in workers:
        worker.start()
    finished = 0

    def handle(message: tuple[str, Any]) -> None:
        nonlocal finished
        kind, payload = message
        if kind == "batch":
            accept(payload)
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
