"""``ldcat serve``: run the app under uvicorn, in one or several web processes.

Several processes (``--workers``) share nothing but the read-only generation on disk and the
metrics directory; each has its own query workers, answer cache and admission counters.
uvicorn starts them from an import string, so the settings travel in the environment
(:data:`ENVIRONMENT_KEY`).

- Metrics: a private directory for ``prometheus_client``'s multiprocess mode is made (or, when
  the operator sets ``PROMETHEUS_MULTIPROC_DIR``, emptied) before any web process imports
  ``prometheus_client``; the live gauges of a web process that dies are dropped.
- Logs: JSON lines on stderr (:mod:`endpoint.logs`).
- Shutdown: SIGTERM or SIGINT stops accepting connections, lets the requests in flight finish
  (at most ``shutdown_timeout`` seconds), stops the query workers, and exits 0.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from endpoint.logs import logging_config
from endpoint.settings import EndpointSettings

ENVIRONMENT_KEY = "LDCAT_SERVE"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Read by ``prometheus_client`` when it is imported (the same name as
:data:`endpoint.metrics.MULTIPROC_ENV`; not imported from there, which would import it)."""
KEEP_ALIVE_SECONDS = 30
"""How long an idle keep-alive connection stays open (uvicorn's default is 5 s). When a busy
event loop runs late, an expired keep-alive timer closes a connection whose next request has
arrived but was not read yet, and the client sees the connection drop without an answer (the
load test saw a dozen in 15,000 requests at 5 s); 30 s leaves clients, and proxies with the
usual shorter idle timeouts, the closing side."""

GC_THRESHOLDS = (50_000, 20, 100)
"""The web processes' cyclic garbage collector thresholds (Python's default: 700, 10, 10).
A catalogue page or a record read makes tens of thousands of short-lived objects, and at
the default a collection runs every 700 allocations over everything alive: measured on the
full catalogue, building a 100-dataset page took 38 ms p50 at the default and 28 ms at these
(same pages, alternated). Memory held by cycles waits longer, bounded by the first number."""


def tune_garbage_collector() -> None:
    """Freeze what start-up allocated (never collected again) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def app_from_environment() -> Starlette:
    """The app described by ``$LDCAT_SERVE`` (uvicorn's factory in each web process)."""
    from endpoint.app import (  # imports prometheus_client: not before
        create_app_for_backend,
        create_app_for_store,
    )

    config = json.loads(os.environ[ENVIRONMENT_KEY])
    fields = config["settings"]
    fields["allowed_services"] = frozenset(fields["allowed_services"])
    settings = EndpointSettings(**fields)
    if config.get("backend"):
        app = create_app_for_backend(config["backend"], config.get("backend_update"), settings)
    else:
        app = create_app_for_store(Path(config["store"]), settings)
    tune_garbage_collector()
    return app


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """The directory the web processes share their metrics in, empty at start.

    The operator's ``$PROMETHEUS_MULTIPROC_DIR`` when set (its ``*.db`` files are removed),
    otherwise a private temporary directory, removed at the end.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    directory = Path(tempfile.mkdtemp(prefix="ldcat-metrics-"))
    os.environ[MULTIPROC_ENV] = str(directory)
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


class Supervisor(Multiprocess):
    """uvicorn's multiprocess supervisor, also dropping the live gauges of dead workers (the
    in-flight count of a killed worker would otherwise stay in the sum)."""

    def __init__(self, *arguments: object, metrics_dir: Path, **options: object) -> None:
        super().__init__(*arguments, **options)  # type: ignore[arg-type]
        self.metrics_dir = metrics_dir

    def keep_subprocess_alive(self) -> None:
        before = self._pids()
        super().keep_subprocess_alive()
        self._forget(before)

    def handle_signals(self) -> None:
        before = self._pids()  # SIGHUP replaces workers, SIGTTOU retires one
        super().handle_signals()
        self._forget(before)

    def _pids(self) -> set[int]:
        return {process.pid for process in self.processes if process.pid is not None}

    def _forget(self, before: set[int]) -> None:
        for pid in before - self._pids():
            mark_dead(pid, self.metrics_dir)


def mark_dead(pid: int, directory: Path) -> None:
    """Forget the live gauges of web process ``pid`` (``prometheus_client``'s bookkeeping)."""
    from prometheus_client.multiprocess import mark_process_dead

    mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """After a graceful shutdown uvicorn re-raises the signal it caught: exit 0 then."""
    raise SystemExit(0)


def serve(store: Path | None, settings: EndpointSettings, *, host: str, port: int,
          web_workers: int = 1, shutdown_timeout: int = 30, backend: str | None = None,
          backend_update: str | None = None) -> None:
    """Serve ``store`` (or the remote store at ``backend``, a SPARQL query URL) until SIGTERM
    or SIGINT (uvloop and httptools when installed)."""
    import uvicorn

    fields = dataclasses.asdict(settings)
    fields["allowed_services"] = sorted(settings.allowed_services)
    os.environ[ENVIRONMENT_KEY] = json.dumps({
        "store": str(store.resolve()) if store is not None else None,
        "backend": backend, "backend_update": backend_update, "settings": fields})
    with metrics_directory() as directory:
        config = uvicorn.Config("endpoint.serve:app_from_environment", factory=True, host=host,
                                port=port, workers=web_workers, log_config=logging_config(),
                                access_log=False, timeout_graceful_shutdown=shutdown_timeout,
                                timeout_keep_alive=KEEP_ALIVE_SECONDS)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        if web_workers > 1:
            socket = config.bind_socket()
            try:
                Supervisor(config, sockets=[socket], metrics_dir=directory).run()
            finally:
                socket.close()
        else:
            try:
                uvicorn.Server(config).run()
            except SystemExit as stop:
                if stop.code:
                    raise
