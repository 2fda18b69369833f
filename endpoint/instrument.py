"""Request instrumentation: metrics and one log event for every HTTP request (``request``,
or, for a SPARQL query, the ``query`` event of :mod:`endpoint.query_log`, which holds the same
fields and the query: one line a request, not two).

The outermost app middleware, so it also sees answers from the SPARQL fast path
(:mod:`endpoint.fast_path`) and failures of everything inside. Requests are labelled by route
template (``/datasets/{identifier}``, never the concrete path), so the number of series stays
bounded whatever clients ask for.
"""

from __future__ import annotations

import logging
import time

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endpoint.logs import log_event
from endpoint.metrics import Metrics
from endpoint.query_log import QUERY_LOGGED
from endpoint.records import RECORD_KINDS
from endpoint.sparql import TRUNCATED
from loader.remote.client import RemoteError

LOGGER = logging.getLogger("ldcat.request")
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
"""Methods labelled as such; any other token a client sends is ``other`` (bounded series)."""
_TRUNCATED = TRUNCATED.encode("ascii")


def route_label(scope: Scope) -> str:
    """The template of the route that answered (``unmatched`` when none did).

    Converters are left out (``/feed/{generation}/{page}``) and the record route names its
    kind (``/datasets/{identifier}``) when the kind is one ldcat serves.
    """
    route: BaseRoute | None = scope.get("route")
    if isinstance(route, Route):
        path = route.path
        kind = scope.get("path_params", {}).get("kind")
        if kind in RECORD_KINDS:
            path = path.replace("{kind:str}", kind, 1)
        return _plain(path)
    if isinstance(route, Mount):
        return route.path + "/{path}"
    if scope.get("path") == "/sparql":
        return "/sparql"  # answered by the fast path, before routing
    return UNMATCHED


def _plain(template: str) -> str:
    for converter in (":str", ":int", ":path"):
        template = template.replace(converter + "}", "}")
    return template


GENERATION_EVERY = 1.0
"""Seconds between two looks at the generation served (a scrape looks at it too)."""


class Instrumented:
    """ASGI middleware recording every HTTP request in ``metrics`` and the request log."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._generation_seen = -GENERATION_EVERY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = {"status": 500, "bytes": 0, "truncated": False}

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["truncated"] = any(name == _TRUNCATED for name, _ in
                                          message.get("headers", ()))
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observed_send)
        finally:
            self.metrics.in_flight.dec()
            self._record(scope, started, int(answer["status"]), int(answer["bytes"]),
                         bool(answer["truncated"]))

    def _record(self, scope: Scope, started: float, status: int, size: int,
                truncated: bool) -> None:
        seconds = time.perf_counter() - started
        route = route_label(scope)
        method = scope["method"] if scope["method"] in METHODS else "other"
        self.metrics.observe_request(method, route, status, seconds)
        if truncated:
            self.metrics.cap_hits.inc()
        app = scope.get("app")
        now = time.monotonic()
        if app is not None and now - self._generation_seen >= GENERATION_EVERY:
            self._generation_seen = now
            try:
                generation = app.state.repo.generation()
            except RemoteError:
                generation = None
            self.metrics.observe_generation(generation.id if generation else None)
        if scope.get(QUERY_LOGGED):  # its query event says it all
            return
        log_event(LOGGER, "request", {
            "method": scope["method"], "route": route, "path": scope["path"],
            "status": status, "duration_ms": round(seconds * 1000, 1), "bytes": size})
