"""Private remote SPARQL stores for tests (temporary: replaced by the remote-stores branch)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class RemoteStoreProcess:
    kind: str
    query_url: str
    update_url: str


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def start_store(kind: str, tmp: Path) -> Iterator[RemoteStoreProcess]:
    if kind != "oxigraph":
        pytest.skip(f"{kind}: not wired yet")
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.skip("oxigraph (PyPI package) is not installed")
    port = _port()
    process = subprocess.Popen([binary, "serve", "--location", str(tmp / "db"), "--bind",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield RemoteStoreProcess(kind, base + "/query", base + "/update")
    finally:
        process.kill()
        process.wait()
