"""Operations: Prometheus metrics, structured logs, graceful shutdown.

In-process tests use the TestClient on the demo store; the multi-process ones start a real
``ldcat serve`` on 127.0.0.1 and read its metrics and JSON log lines.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from endpoint.logs import JsonFormatter
from endpoint.serve import MULTIPROC_ENV, metrics_directory
from loader.report import LoadReport
from tests.conftest import PROJECT
from tests.sparql_support import open_client

DATASET = "5ca3280b619abab5be11b720"
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?f }")
"""A product of every quad with every rdf:type triple: a second or more on the demo store."""


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by (name, labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def store(demo_store: tuple[Path, LoadReport]) -> Path:
    return demo_store[0]


def test_metrics_count_requests_by_route_template_and_sparql_refusals(store: Path) -> None:
    with open_client(store, query_workers=1, max_rows=1, query_timeout=3) as http:
        for _ in range(3):
            assert http.get("/-/health").status_code == 200
        assert http.get(f"/datasets/{DATASET}.ttl").status_code == 200
        assert http.get("/datasets/nope").status_code == 404
        assert http.get("/no/such/thing/here").status_code == 404
        for invented in ("FROB", "X-1", "X-2"):  # a client's methods must not mint series
            assert http.request(invented, "/-/health").status_code == 405
        assert http.get("/sparql", params={"query": "SELEC"}).status_code == 400
        assert http.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
        service = "ASK { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
        assert http.get("/sparql", params={"query": service}).status_code == 400
        capped = {"query": "SELECT ?s WHERE { ?s ?p ?o }"}
        for _ in range(2):  # the second from the fast path
            assert http.get("/sparql", params=capped).headers["ldcat-result-truncated"]
        slow = {"query": SLOW_QUERY.replace("?d a ?f", "?d ?e ?f . ?g a ?h")}
        assert http.get("/sparql", params=slow).json()["error"] == "query_timeout"
        text = http.get("/-/metrics").text

    assert value(text, "ldcat_http_requests_total", method="GET", route="/-/health",
                 status="200") == 3
    assert value(text, "ldcat_http_requests_total", method="GET",
                 route="/datasets/{identifier}", status="200") == 1
    assert value(text, "ldcat_http_requests_total", method="GET",
                 route="/datasets/{identifier}", status="404") == 1
    assert value(text, "ldcat_http_requests_total", method="GET", route="unmatched",
                 status="404") == 1
    assert value(text, "ldcat_http_requests_total", method="GET", route="/sparql",
                 status="200") == 2
    assert value(text, "ldcat_http_request_duration_seconds_count", route="/sparql") == 6
    assert value(text, "ldcat_http_requests_total", method="other", route="/-/health",
                 status="405") == 3
    assert "FROB" not in text
    assert value(text, "ldcat_sparql_rejected_queries_total", status="400",
                 reason="bad_query") == 1
    assert value(text, "ldcat_sparql_rejected_queries_total", status="403",
                 reason="update_forbidden") == 1
    assert value(text, "ldcat_sparql_rejected_queries_total", status="400",
                 reason="service_forbidden") == 1
    assert value(text, "ldcat_sparql_result_cap_hits_total") == 2
    assert value(text, "ldcat_sparql_query_timeouts_total") == 1
    assert value(text, "ldcat_generation_info", generation="g000001") == 1
    assert value(text, "ldcat_http_requests_in_flight") == 1  # the scrape itself
    assert not any("/datasets/5ca3" in line for line in text.splitlines())


def test_logs_are_json_lines_without_client_address(
        store: Path, caplog: pytest.LogCaptureFixture) -> None:
    with open_client(store, query_workers=1) as http, caplog.at_level(logging.INFO, "ldcat"):
        http.get(f"/datasets/{DATASET}")
        http.get("/sparql", params={"query": "SELEC"})
    lines = [JsonFormatter().format(record) for record in caplog.records]
    entries = [json.loads(line) for line in lines]
    assert all("\n" not in line for line in lines)
    requests = [entry for entry in entries if entry["event"] == "request"]
    queries = [entry for entry in entries if entry["event"] == "query"]
    assert [(entry["route"], entry["status"]) for entry in requests] == [
        ("/datasets/{identifier}", 200)]  # a SPARQL request is logged once, as a query
    assert [(entry["route"], entry["status"], entry["error"]) for entry in queries] == [
        ("/sparql", 400, "bad_query")]
    for entry in requests + queries:
        assert {"time", "level", "event", "route", "status", "duration_ms"} <= entry.keys()
        assert entry["level"] == "info"
        assert entry["time"].endswith("Z")
        assert "testclient" not in json.dumps(entry)  # the TestClient's client address
        assert "client" not in entry


def test_a_traceback_stays_on_one_line() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record = logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, "failed %s", ("x",),
                                   sys.exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["event"] == "log"
    assert entry["message"] == "failed x"
    assert "ValueError: boom" in entry["exception"]


def test_an_operator_metrics_directory_is_emptied_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("kept")
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with metrics_directory() as directory:
        assert directory == tmp_path
        assert not list(tmp_path.glob("*.db"))
    assert (tmp_path / "notes.txt").exists()
    monkeypatch.delenv(MULTIPROC_ENV)
    with metrics_directory() as private:
        assert os.environ[MULTIPROC_ENV] == str(private)
        assert private.is_dir()
    assert not private.exists()
    assert MULTIPROC_ENV not in os.environ


# Real servers ----------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A running ``ldcat serve`` and its log file."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def metrics(self) -> str:
        status, body = self.get("/-/metrics")
        assert status == 200
        return body.decode()

    def events(self, event: str) -> list[dict[str, object]]:
        entries = [json.loads(line) for line in self.log.read_text().splitlines()
                   if line.startswith("{")]
        return [entry for entry in entries if entry["event"] == event]


@contextmanager
def serving(store: Path, tmp_path: Path, workers: int) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    environment = {name: value for name, value in os.environ.items() if name != MULTIPROC_ENV}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ldcat.cli", "serve", "--store", str(store), "--port",
             str(port), "--workers", str(workers), "--query-workers", "1",
             "--query-timeout", "60", "--shutdown-timeout", "30"],
            cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT, env=environment)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (server.get("/-/ready", timeout=2)[0] == 200
                        and value(server.metrics(), "ldcat_web_processes") == workers):
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "ldcat serve did not start: " + log.read_text()
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_two_web_processes_sum_their_metrics_and_stop_gracefully(
        store: Path, tmp_path: Path) -> None:
    with serving(store, tmp_path, workers=2) as server:
        sent = 0
        pids: set[object] = set()
        while len(pids) < 2 and sent < 400:  # the kernel spreads connections over both
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: server.get("/-/health")[0], range(40)))
            assert statuses == [200] * 40
            sent += 40
            pids = {entry["pid"] for entry in server.events("request")
                    if entry["route"] == "/-/health"}
        assert len(pids) == 2, "every request went to one web process"
        # a request is counted just after its answer is sent, then logged: wait for the logs
        deadline = time.monotonic() + 10
        while len([entry for entry in server.events("request")
                   if entry["route"] == "/-/health"]) < sent:
            assert time.monotonic() < deadline, "requests answered but never logged"
            time.sleep(0.05)
        scrapes = [server.metrics() for _ in range(6)]
        for text in scrapes:  # whichever process answers, the sum over both
            assert value(text, "ldcat_http_requests_total", method="GET", route="/-/health",
                         status="200") == sent
            assert value(text, "ldcat_web_processes") == 2
            assert value(text, "ldcat_generation_info", generation="g000001") == 1
        scrapers = {entry["pid"] for entry in server.events("request")
                    if entry["route"] == "/-/metrics"}
        assert scrapers <= pids

        # A worker killed outright: uvicorn starts another; its live gauges are dropped,
        # its counts are kept.
        os.kill(int(next(iter(pids))), signal.SIGKILL)  # type: ignore[call-overload]
        deadline = time.monotonic() + 30
        while True:
            try:
                text = server.metrics()
                if value(text, "ldcat_web_processes") == 2 and len(
                        [entry for entry in server.events("log")
                         if "Application startup complete" in str(entry["message"])]) == 3:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, server.log.read_text()[-3000:]
            time.sleep(0.3)
        assert value(text, "ldcat_http_requests_total", method="GET", route="/-/health",
                     status="200") == sent
        assert value(server.metrics(), "ldcat_web_processes") == 2

        # And a graceful stop of the supervisor and both workers.
        sigterm_during_a_slow_query(server)


def sigterm_during_a_slow_query(server: Server) -> None:
    """SIGTERM while a slow query runs: it is answered 200, then the process exits 0."""
    answer: dict[str, object] = {}

    def slow() -> None:
        query = urllib.parse.urlencode({"query": SLOW_QUERY, "format": "json"})
        answer["status"], answer["body"] = server.get(f"/sparql?{query}", timeout=120)

    thread = threading.Thread(target=slow)
    thread.start()
    deadline = time.monotonic() + 20
    while value(server.metrics(), "ldcat_http_requests_in_flight") < 2:  # it and the scrape
        assert thread.is_alive(), "the query ended before the signal"
        assert time.monotonic() < deadline, "the query never showed in flight"
        time.sleep(0.02)
    sent = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    thread.join(timeout=90)
    assert answer.get("status") == 200, answer
    count = json.loads(answer["body"])["results"]["bindings"][0]["n"]["value"]  # type: ignore[arg-type]
    assert int(count) > 1_000_000
    assert server.process.wait(timeout=60) == 0
    assert time.monotonic() - sent < 60
    with pytest.raises(urllib.error.URLError, match="refused"):
        server.get("/-/health", timeout=2)
    messages = [str(entry["message"]) for entry in server.events("log")]
    assert any("Application shutdown complete" in message for message in messages)


def test_sigterm_lets_requests_in_flight_finish(store: Path, tmp_path: Path) -> None:
    with serving(store, tmp_path, workers=1) as server:
        sigterm_during_a_slow_query(server)


def test_web_processes_collect_garbage_less_often(store: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each web process (uvicorn's factory) freezes its start-up objects and raises the
    collector's thresholds: a page build makes tens of thousands of short-lived objects."""
    import gc

    from endpoint.serve import ENVIRONMENT_KEY, GC_THRESHOLDS, app_from_environment
    from endpoint.settings import EndpointSettings

    fields = {**EndpointSettings(query_workers=1).__dict__, "allowed_services": []}
    monkeypatch.setenv(ENVIRONMENT_KEY, json.dumps({"store": str(store), "settings": fields}))
    before = gc.get_threshold()
    try:
        app_from_environment()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
