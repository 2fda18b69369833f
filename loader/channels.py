"""Streaming N-Quads into Oxigraph's bulk loader from several writers at once.

Each channel is a named pipe read by one ``Store.bulk_load`` running in a thread (pyoxigraph
releases the GIL while loading, and concurrent bulk loads into one store are how Oxigraph
uses more than one core). Mapping workers open a channel each and write their N-Quads to it
directly, so mapped text never travels back through the coordinating process.

The loads are ``lenient`` (Oxigraph skips re-validating IRIs, ~15% faster): every IRI in
ldcat's output is either minted by ldcat or checked by the readers (``parse_url`` accepts only
what ``pyoxigraph.NamedNode`` accepts), and the in-process path keeps the strict parser, so
the test suite exercises that check on every load.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pyoxigraph import RdfFormat, Store

F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


class LoaderFailed(RuntimeError):
    """A bulk load reading a channel failed (its error is the cause)."""


def widen_pipe(descriptor: int) -> None:
    """Ask for a 1 MiB pipe buffer (fewer wake-ups); keep the default if refused."""
    with suppress(OSError):
        fcntl.fcntl(descriptor, F_SETPIPE_SZ, PIPE_BYTES)


@contextmanager
def loading_channels(store: Store, count: int, folder: Path) -> Iterator[list[str]]:
    """``count`` pipe paths whose contents are bulk-loaded into ``store`` as N-Quads.

    Every path must be opened for writing exactly once (and closed) inside the ``with``
    block. On exit the loads are awaited; :class:`LoaderFailed` if one failed.
    """
    directory = Path(tempfile.mkdtemp(prefix=".channels-", dir=folder))
    paths = [str(directory / f"channel-{number}.nq") for number in range(count)]
    errors: list[BaseException] = []

    def load(path: str) -> None:
        try:
            store.bulk_load(path=path, format=RdfFormat.N_QUADS, lenient=True)
        except BaseException as error:  # reported to the caller below
            errors.append(error)

    for path in paths:
        os.mkfifo(path)
    threads = [threading.Thread(target=load, args=(path,), daemon=True) for path in paths]
    for thread in threads:
        thread.start()
    try:
        yield paths
    finally:
        for path in paths:
            _release_reader(path)
        for thread in threads:
            thread.join()
        for path in paths:
            os.unlink(path)
        directory.rmdir()
    if errors:
        raise LoaderFailed(f"bulk load failed: {errors[0]}") from errors[0]


def _release_reader(path: str) -> None:
    """Unblock a loader still waiting for a writer that never came (it then sees EOF)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    os.close(descriptor)


def open_channel(path: str) -> int:
    """Open a channel for writing (blocks until its loader reads); returns the descriptor."""
    descriptor = os.open(path, os.O_WRONLY)
    widen_pipe(descriptor)
    return descriptor


def write_all(descriptor: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``descriptor``."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
