"""The endpoint's limits and options, set by ``ldcat serve`` flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EndpointSettings:
    """What the public SPARQL endpoint allows."""

    query_timeout: float = 30.0
    """Seconds a query may run before its worker is killed (answer: 503)."""
    max_rows: int = 100_000
    """Rows (SELECT) or triples (CONSTRUCT, DESCRIBE) per answer; the cut is stated in the
    ``ldcat-result-truncated`` header."""
    query_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Query-worker processes of each web process."""
    queue_wait: float = 10.0
    """Seconds a query may wait for a free worker before a 503."""
    max_pending: int = 64
    """Queries a web process accepts at once (running or waiting); beyond: 503."""
    per_client: int = 4
    """Queries one client may have in flight at once; beyond: 429."""
    max_request_bytes: int = 1 << 20
    """Largest accepted request body or query string (413 beyond)."""
    cache_bytes: int = 64 << 20
    """Memory for cached answers in each web process (0 disables the cache)."""
    record_cache_bytes: int = 64 << 20
    """Memory for whole record answers kept in each web process (0 disables it)."""
    allowed_services: frozenset[str] = frozenset()
    """Endpoints that ``SERVICE`` may call; empty: every ``SERVICE`` is refused."""
    log_client_ip: bool = False
    """Write the client address into the query log (off by default)."""
    exports_dir: str | None = None
    """Where ``/exports/`` finds dumps (``{dir}/{generation}/``), for an app without a local
    store; by default ``STORE/exports`` of the embedded store."""
