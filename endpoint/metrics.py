"""Prometheus metrics (``/-/metrics``), correct across web processes.

Each app has its own :class:`Metrics` (its own registry: apps built in one test process do not
share counts). Under ``ldcat serve`` the environment names a multiprocess directory
(:data:`MULTIPROC_ENV`, set by :mod:`endpoint.serve` before ``prometheus_client`` is first
imported): every web process writes its values there and a scrape of any process sums them
(counters, histograms, the in-flight gauge) or takes the largest (generation info), so the
figures do not depend on which process answers the scrape.

>>> metrics = Metrics()
>>> metrics.observe_request("GET", "/-/health", 200, 0.001)
>>> b'ldcat_http_requests_total{method="GET",route="/-/health",status="200"} 1.0' in (
...     metrics.exposition())
True
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def multiprocess_directory() -> str | None:
    """The directory web processes share their values in, or ``None`` (one process).

    Raises ``RuntimeError`` when the directory is set but ``prometheus_client`` was imported
    before it was: its values would silently stay per process.
    """
    directory = os.environ.get(MULTIPROC_ENV)
    if directory and values.ValueClass.__name__ != "MmapedValue":
        raise RuntimeError(f"{MULTIPROC_ENV} was set after prometheus_client was imported")
    return directory or None


class Metrics:
    """The endpoint's metrics: HTTP requests, latencies, SPARQL refusals, generation."""

    def __init__(self) -> None:
        self.directory = multiprocess_directory()
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "ldcat_http_requests", "HTTP requests answered, by route template and status.",
            ["method", "route", "status"], registry=registry)
        self.latency = Histogram(
            "ldcat_http_request_duration_seconds",
            "Time from the request to the last byte of the answer, by route template.",
            ["route"], buckets=LATENCY_BUCKETS, registry=registry)
        self.in_flight = Gauge(
            "ldcat_http_requests_in_flight", "Requests being answered now.",
            registry=registry, multiprocess_mode="livesum")
        self.processes = Gauge(
            "ldcat_web_processes", "Web processes alive (each reports 1).",
            registry=registry, multiprocess_mode="livesum")
        self.processes.set(1)
        self.timeouts = Counter(
            "ldcat_sparql_query_timeouts",
            "SPARQL queries stopped at the deadline (--query-timeout).", registry=registry)
        self.rejected = Counter(
            "ldcat_sparql_rejected_queries",
            "SPARQL requests refused, by status and reason (the error code answered).",
            ["status", "reason"], registry=registry)
        self.cap_hits = Counter(
            "ldcat_sparql_result_cap_hits",
            "SPARQL answers cut at the row cap (--max-rows).", registry=registry)
        self.generation = Gauge(
            "ldcat_generation_info",
            "The generation served: 1 for each generation a live web process serves.",
            ["generation"], registry=registry, multiprocess_mode="livemax")
        self._generation: str | None = None

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_refusal(self, status: int, reason: str) -> None:
        """A SPARQL request answered with an error; timeouts are counted on their own."""
        if reason == "query_timeout":
            self.timeouts.inc()
        else:
            self.rejected.labels(str(status), reason).inc()

    def observe_generation(self, generation_id: str | None) -> None:
        """Record the generation this process serves (cheap when unchanged)."""
        if generation_id == self._generation:
            return
        if self._generation is not None:
            self.generation.labels(self._generation).set(0)  # what a shared file keeps
            self.generation.remove(self._generation)
        if generation_id is not None:
            self.generation.labels(generation_id).set(1)
        self._generation = generation_id

    def exposition(self) -> bytes:
        """The text exposition format: every process's values when shared, else this one's."""
        if self.directory is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


async def metrics_page(request: Request) -> Response:
    """``/-/metrics`` in the Prometheus text format."""
    metrics: Metrics = request.app.state.metrics
    generation = request.app.state.repo.generation()
    metrics.observe_generation(generation.id if generation else None)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
