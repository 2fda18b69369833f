"""A bounded in-memory cache of serialized answers.

A published generation never changes, so an answer is a function of (generation, query
text, dataset parameters, format, row cap): the same key, the same bytes. The key also names
the answer's ``ETag``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    body: bytes
    content_type: str
    truncated: bool


class Sized(Protocol):
    """An entry whose ``body`` is what it costs in memory."""

    @property
    def body(self) -> bytes: ...


Entry = TypeVar("Entry", bound=Sized)


def answer_key(*parts: object) -> str:
    """A stable key (and ETag value) for the parts that determine an answer."""
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16)
    return digest.hexdigest()


class ResultCache(Generic[Entry]):
    """Least-recently-used answers, up to ``capacity`` bytes of bodies; entries over an eighth
    of it are not kept.

    >>> cache = ResultCache(capacity=100)
    >>> cache.put("k", CachedAnswer(b"x" * 10, "text/csv", False))
    >>> cache.get("k").body
    b'xxxxxxxxxx'
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, entry: Entry) -> None:
        size = len(entry.body)
        if size > self.capacity // 8:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous.body)
            self._entries[key] = entry
            self._size += size
            while self._size > self.capacity:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
