"""Helpers for the SPARQL endpoint tests: publish a small store, open a client on it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import uvicorn
from pyoxigraph import Quad, Store
from starlette.applications import Starlette
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from loader.generations import StoreLayout
from tests.conftest import BASE


def publish_quads(root: Path, quads: Iterable[Quad], base_iri: str = BASE) -> Path:
    """Publish ``quads`` as a new generation of the store at ``root`` (made if absent)."""
    layout = StoreLayout(root)
    layout.generations_dir.mkdir(parents=True, exist_ok=True)
    generation_id = layout.next_id()
    staging = layout.staging_dir(generation_id)
    store = Store(str(staging / "store"))
    store.extend(quads)
    store.flush()
    del store
    layout.publish(staging / "store", generation_id, {"base_iri": base_iri}, {}, {})
    staging.rmdir()
    return root


def open_client(store: Path, **settings: object) -> TestClient:
    """A TestClient on the app over ``store`` (use it in a ``with`` block: the query workers
    stop when it closes)."""
    return TestClient(create_app_for_store(store, EndpointSettings(**settings)))  # type: ignore[arg-type]


@contextmanager
def running_server(app: Starlette, port: int | None = None,
                   lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """Serve ``app`` with a real uvicorn on 127.0.0.1 (``port``, or a free one); yields the
    base URL."""
    if port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
