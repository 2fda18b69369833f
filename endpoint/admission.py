"""Admission control: how many queries run at once, globally and per client."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class TooManyForClient(Exception):
    """The client already has its share of queries in flight (429)."""


class Overloaded(Exception):
    """The endpoint has as many queries in flight as it accepts (503)."""


class Admission:
    """Counts in-flight queries; :meth:`admit` raises instead of queueing beyond the limits.

    >>> admission = Admission(total=2, per_client=1)
    >>> with admission.admit("a"):
    ...     admission.in_flight
    1
    """

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self._by_client: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.in_flight = 0

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        with self._lock:
            if self._by_client[client] >= self.per_client:
                raise TooManyForClient(f"at most {self.per_client} queries at once per client")
            if self.in_flight >= self.total:
                raise Overloaded(f"the endpoint is answering {self.in_flight} queries already")
            self._by_client[client] += 1
            self.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self._by_client[client] -= 1
                if not self._by_client[client]:
                    del self._by_client[client]
