"""A bounded pool of query-worker processes that can be killed at a query's deadline.

pyoxigraph cannot cancel a query (DESIGN §2), so each query runs in a worker process that
holds the generation open read-only; at the deadline the worker is killed (its CPU freed at
once, ORDER BY and aggregates included) and a fresh one takes its place. Callers block in
:meth:`QueryWorkerPool.run` (the web app calls it from a thread), so the pool does not depend
on any event loop.

>>> pool = QueryWorkerPool(size=1)  # doctest: +SKIP
>>> pool.run(job, timeout=30.0, wait=5.0)  # doctest: +SKIP
Answer(body=b'{"head":{},"boolean":true}', ...)
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from endpoint.query_execution import Answer, Chunk, QueryJob, StoreCache, execute


class QueryTimeout(Exception):
    """The query ran past its time limit; its worker was killed."""


class PoolBusy(Exception):
    """No worker became free within the wait allowed."""


class WorkerLost(Exception):
    """The worker died while answering (out of memory, or killed from outside)."""


class StreamedAnswer:
    """An answer arriving in chunks from a worker it holds until :meth:`close`.

    :meth:`next_chunk` keeps the query's deadline: past it the worker is killed and
    :class:`QueryTimeout` raised, so the HTTP response can be aborted rather than ended.
    """

    def __init__(self, pool: QueryWorkerPool, worker: _Worker, first: bytes,
                 deadline: float, timeout: float) -> None:
        self._pool = pool
        self._worker: _Worker | None = worker
        self.first = first
        self._deadline = deadline
        self._timeout = timeout

    def next_chunk(self) -> bytes | None:
        """The next piece, or ``None`` at the end (the worker is then free again)."""
        worker = self._worker
        if worker is None:
            return None
        message = self._pool._receive(worker, self._deadline, self._timeout)
        if isinstance(message, Chunk):
            return message.data
        self._worker = None
        self._pool._release(worker)
        if message.error is not None:
            raise WorkerLost(f"the query failed while its answer was sent: {message.message}")
        return None

    def close(self) -> None:
        """Stop early (client gone, or an error): the worker is replaced."""
        if self._worker is not None:
            self._pool._replace(self._worker)
            self._worker = None


PROJECT = Path(__file__).resolve().parent.parent


def _worker_main(connection: Connection) -> None:
    """A worker's loop: receive a job, send its answer, until the pipe closes."""
    stores = StoreCache()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(execute(job, stores, connection.send))


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    connection: Connection

    @classmethod
    def start(cls) -> _Worker:
        """A fresh interpreter running :func:`_worker_main` (``python -m``, so that the host
        program's ``__main__`` is never imported again), talking over a socket pair."""
        parent, child = socket.socketpair()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(
            [sys.executable, "-m", "endpoint.query_workers", str(child.fileno())],
            pass_fds=[child.fileno()], env=environment, stdin=subprocess.DEVNULL)
        child.close()
        return cls(process, Connection(parent.detach()))

    def kill(self) -> None:
        self.connection.close()
        self.process.kill()
        threading.Thread(target=self.process.wait, daemon=True).start()  # reap, off-path


class QueryWorkerPool:
    """``size`` worker processes; each answers one query at a time."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a query-worker pool needs at least one worker")
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.timeouts = 0
        """Workers killed at a deadline since the pool started."""
        for _ in range(size):
            self._add(_Worker.start())

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        self._add(_Worker.start())

    def run(self, job: QueryJob, *, timeout: float,
            wait: float) -> Answer | StreamedAnswer:
        """Answer ``job`` within ``timeout`` seconds, after waiting up to ``wait`` for a worker.

        A streaming job with a large answer gives a :class:`StreamedAnswer`. Raises
        :class:`PoolBusy`, :class:`QueryTimeout` or :class:`WorkerLost`.
        """
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy(f"no query worker free within {wait:g} s") from None
        deadline = time.monotonic() + timeout
        try:
            worker.connection.send(job)
        except OSError:
            self._replace(worker)
            raise WorkerLost("the query worker could not take the query") from None
        message = self._receive(worker, deadline, timeout)
        if isinstance(message, Chunk):
            return StreamedAnswer(self, worker, message.data, deadline, timeout)
        self._release(worker)
        return message

    def _receive(self, worker: _Worker, deadline: float, timeout: float) -> Answer | Chunk:
        """The worker's next message before ``deadline``; kills it past the deadline."""
        try:
            if not worker.connection.poll(max(deadline - time.monotonic(), 0.0)):
                self.timeouts += 1
                self._replace(worker)
                raise QueryTimeout(f"the query ran past its {timeout:g} s limit and was "
                                   "stopped")
            message: Answer | Chunk = worker.connection.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerLost("the query worker stopped while answering (the query may need "
                             "more memory than a worker has)") from None
        return message

    def _release(self, worker: _Worker) -> None:
        self._idle.put(worker)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        with self._lock:
            return sorted(worker.process.pid for worker in self._all)

    def close(self) -> None:
        """Stop every worker (idle or busy)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


WORKER_STACK = 512 << 20
"""Stack of the thread answering queries. Oxigraph's parser and optimiser recurse once per
nesting level or chained operator; on the main thread's 8 MiB a query of ~5,000 chained
``UNION``/``+``/``BIND`` overflowed it and killed the worker (a 503 for a client mistake).
The lexer's limits (:data:`endpoint.sparql_syntax.MAX_NESTING`, ``MAX_CHAIN``) keep queries
well inside this; the memory is reserved, not used, until a query needs it."""


def _main(descriptor: int) -> None:
    threading.stack_size(WORKER_STACK)
    answering = threading.Thread(target=_worker_main, args=(Connection(descriptor),),
                                 name="query-worker")
    answering.start()
    answering.join()


if __name__ == "__main__":
    _main(int(sys.argv[1]))
