"""The fast path: a GET ``/sparql`` seen before is answered from the cache at the ASGI level.

Repeated queries (a harvester's paging, a dashboard's counts, the same ASK) cost a dictionary
lookup: no routing, no request object, no parsing or lexing. Anything else (a first query, a
POST, an evicted answer) goes on to the app unchanged. The headers are those of the full path:
``ETag``, ``Vary``, ``Cache-Control``, the truncation notice and CORS.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from endpoint.query_log import LOGGER, log_query
from endpoint.sparql import LIMIT, TRUNCATED, SparqlService
from loader.remote.client import RemoteError

CORS_EXPOSED = b"etag, ldcat-result-truncated, ldcat-result-limit, ldcat-generation, retry-after"


class CachedAnswers:
    """ASGI middleware answering known GETs on ``/sparql`` from ``service``'s cache."""

    def __init__(self, app: ASGIApp, service: SparqlService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] == "/sparql"
                and scope["method"] in ("GET", "HEAD") and scope["query_string"]
                and await self._answer(scope, send)):
            return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send) -> bool:
        started = time.perf_counter()
        accept, if_none_match, origin = "", None, False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"origin":
                origin = True
        try:
            generation = self.service.repo.generation()
        except RemoteError:  # the route answers the 503
            return False
        if generation is None:
            return False
        key = self.service.known_key(generation.id, scope["query_string"], accept)
        if key is None:
            return False
        etag = f'"{key}"'.encode("ascii")
        headers = [(b"vary", b"accept, origin"), (b"cache-control", b"no-cache"),
                   (b"ldcat-generation", generation.id.encode("ascii")), (b"etag", etag)]
        if origin:
            headers += [(b"access-control-allow-origin", b"*"),
                        (b"access-control-expose-headers", CORS_EXPOSED)]
        if if_none_match is not None and etag in {
                part.strip().removeprefix(b"W/") for part in if_none_match.encode().split(b",")}:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return True
        cached = self.service.cache.get(key)
        if cached is None:
            return False
        headers += [(b"content-type", cached.content_type.encode("latin-1")),
                    (b"content-length", str(len(cached.body)).encode("ascii"))]
        if cached.truncated:
            headers += [(TRUNCATED.encode(), b"true"),
                        (LIMIT.encode(), str(self.service.settings.max_rows).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else cached.body})
        if LOGGER.isEnabledFor(20):
            log_query(scope, started=started, status=200, size=len(cached.body), query=None,
                      cached=True)
        return True
