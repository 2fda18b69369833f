"""Whole record answers kept per generation: a record asked again costs a dictionary lookup.

A published generation never changes, so the answer to ``GET /datasets/{id}`` with the same
query string, ``Accept`` and ``Accept-Profile`` is the same bytes until the next generation
is published. :class:`CachedRecords` keeps the 200 answers of record routes (headers, body)
in a bounded LRU (:class:`~endpoint.result_cache.ResultCache`) keyed by those and the
generation, and answers repeats at the ASGI level: no routing, no record read, no rendering;
``If-None-Match`` / ``If-Modified-Since`` get their 304 from the kept validators. It sits
inside the CORS middleware, so CORS headers are still added per request. Anything else goes
on to the app unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endpoint.conditional import is_not_modified
from endpoint.result_cache import ResultCache
from loader.remote.client import RemoteError
from loader.repo import Repo

RECORD_PREFIXES = tuple(f"/{kind}/".encode() for kind in (
    "datasets", "resources", "organizations", "users", "reuses", "dataservices", "themes",
    "sources"))
_DROPPED_ON_304 = frozenset({b"content-type", b"content-length"})


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """One record answer as sent."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    last_modified: str | None


class CachedRecords:
    """ASGI middleware answering repeated record GETs from an :class:`AnswerStore`."""

    def __init__(self, app: ASGIApp, repo: Repo, capacity: int) -> None:
        self.app = app
        self.repo = repo
        self.answers: ResultCache[KeptAnswer] = ResultCache(capacity)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.answers.capacity <= 0 or scope["type"] != "http"
                or scope["method"] not in ("GET", "HEAD")
                or not scope["raw_path"].startswith(RECORD_PREFIXES)):
            await self.app(scope, receive, send)
            return
        try:
            generation = self.repo.generation()
        except RemoteError:  # the route answers the 503
            generation = None
        if generation is None:
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope["headers"])
        key = (generation.id, scope["raw_path"].decode("latin-1"),
               scope["query_string"].decode("latin-1"),
               request_headers.get(b"accept", b"").decode("latin-1"),
               request_headers.get(b"accept-profile", b"").decode("latin-1"))
        kept = self.answers.get(key)
        if kept is not None:
            await self._replay(kept, scope, request_headers, send)
        elif scope["method"] == "GET":  # a HEAD answer has no body to keep
            await self.app(scope, receive, self._keeping(key, send))
        else:
            await self.app(scope, receive, send)

    def _keeping(self, key: tuple[str, ...], send: Send) -> Send:
        """``send``, keeping a complete 200 answer of generation ``key[0]``."""
        headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal headers
            if message["type"] == "http.response.start" and message["status"] == 200:
                # copied now: outer layers (CORS) edit the message's list once it is sent
                headers = [(bytes(name).lower(), bytes(value))
                           for name, value in message["headers"]]
            elif message["type"] == "http.response.body" and headers is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, headers, b"".join(chunks))
            await send(message)

        return keep

    def _store(self, key: tuple[str, ...], headers: list[tuple[bytes, bytes]],
               body: bytes) -> None:
        found = dict(headers)
        etag = found.get(b"etag")
        if etag is None or found.get(b"ldcat-generation", b"").decode() != key[0]:
            return  # no validator, or answered from another generation than the key's
        modified = found.get(b"last-modified")
        self.answers.put(key, KeptAnswer(headers, body, etag.decode("latin-1"),
                                         modified.decode("latin-1") if modified else None))

    async def _replay(self, kept: KeptAnswer, scope: Scope,
                      request_headers: dict[bytes, bytes], send: Send) -> None:
        conditions = {name.decode("latin-1"): value.decode("latin-1")
                      for name, value in request_headers.items()
                      if name in (b"if-none-match", b"if-modified-since")}
        if conditions:
            modified = None
            if kept.last_modified is not None:
                modified = parsedate_to_datetime(kept.last_modified)
            if is_not_modified(conditions, kept.etag, modified):
                headers = [(n, v) for n, v in kept.headers if n not in _DROPPED_ON_304]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await send({"type": "http.response.start", "status": 200,
                    "headers": list(kept.headers)})  # outer layers edit theirs in place
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else kept.body})
