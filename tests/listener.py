"""A TCP listener on 127.0.0.1 that records every connection made to it.

A connection is recorded when it is accepted, before anything is read, so even a client that
connects and sends nothing counts. It answers ``302`` to a private address to anything that
sends a request line (to ``redirect_to``: by default the link-local cloud metadata address), so
a client that followed redirects would go where it must not.
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
def recording_listener(redirect_to: str = "http://169.254.169.254/latest/meta-data/"
                       ) -> Iterator[Listener]:
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
                    connection.sendall(f"HTTP/1.1 302 Found\r\nLocation: {redirect_to}\r\n"
                                       "Content-Length: 0\r\nConnection: close\r\n\r\n"
                                       .encode("ascii"))
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
