"""The query log: one ``query`` event per SPARQL request (status, duration, size, query).

Written through :func:`endpoint.logs.log_event`, so it has the shape of every other log line
(``time``, ``level``, ``event``, ``status``, ``duration_ms``...). No client address unless
:attr:`EndpointSettings.log_client_ip` asks for it. A request logged here is marked in its
ASGI scope (:data:`QUERY_LOGGED`), so the request log does not write it a second time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import MutableMapping
from typing import Any

from endpoint.logs import log_event

LOGGER = logging.getLogger("ldcat.query")
QUERY_LOGGED = "ldcat.query_logged"
"""ASGI scope key set on a request whose ``query`` event is written."""


def log_query(scope: MutableMapping[str, Any], *, started: float, status: int, size: int,
              query: str | None, cached: bool, client: str | None = None,
              error: str | None = None) -> None:
    """Write one ``query`` event to the ``ldcat.query`` logger (INFO); mark ``scope``."""
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    scope[QUERY_LOGGED] = True
    entry: dict[str, object] = {
        "route": "/sparql",
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "bytes": size,
        "cached": cached,
    }
    if error:
        entry["error"] = error
    if client is not None:
        entry["client"] = client
    entry["query"] = (query or "")[:2000]
    log_event(LOGGER, "query", entry)
