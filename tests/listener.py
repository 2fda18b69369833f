"""A TCP listener on 127.0.0.1 that records every connection made to it.

A connection is recorded when it is accepted, before anything is read, so even a client that
connects and sends nothing counts. It answers ``302`` to a private address to anything that
sends a request line, so a client following redirects would come back and be recorded again.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    """Where the listener is and what reached it."""

    port: int
    connections: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def settle(self, seconds: float = 0.3) -> list[bytes]:
        """Wait a moment for late connections, then return what was recorded."""
        time.sleep(seconds)
        return list(self.connections)


@contextmanager
def recording_listener() -> Iterator[Listener]:
    """Yield a :class:`Listener`; it stops when the block ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    listener = Listener(server.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                index = len(listener.connections)
                listener.connections.append(b"")
                connection.settimeout(0.5)
                try:
                    listener.connections[index] = connection.recv(4096)
                    connection.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/"
                                       b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join()
        server.close()
