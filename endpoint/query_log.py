"""The query log: one JSON line per SPARQL request (time, duration, status, size, query).

No client address unless :attr:`EndpointSettings.log_client_ip` asks for it.
"""

from __future__ import annotations

import json
import logging
import time

LOGGER = logging.getLogger("ldcat.query")


def log_query(*, started: float, status: int, size: int, query: str | None,
              cached: bool, client: str | None = None, error: str | None = None) -> None:
    """Write one line to the ``ldcat.query`` logger (INFO)."""
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    entry: dict[str, object] = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "status": status,
        "bytes": size,
        "cached": cached,
    }
    if error:
        entry["error"] = error
    if client is not None:
        entry["client"] = client
    entry["query"] = (query or "")[:2000]
    LOGGER.info(json.dumps(entry, ensure_ascii=False))
