"""The public endpoint's safety rules, each shown on a real store over real HTTP.

Time limit (the worker is killed, its CPU freed, others are answered meanwhile), SERVICE
refused unless allowed (no connection reaches a listener), request size limits, per-client and
global concurrency limits, the result cap, the answer cache with ETag/304, CORS and the
query log.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from pyoxigraph import QueryResultsFormat, QuerySolutions, RdfFormat, parse, parse_query_results

from endpoint.app import create_app_for_store
from endpoint.logs import JsonFormatter
from endpoint.settings import EndpointSettings
from loader.report import LoadReport
from tests.sparql_support import open_client, running_server

CARTESIAN = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } "
             "ORDER BY DESC(?c) ?f ?i LIMIT 1")
"""Over the demo store: ~10^11 rows to sort; it never ends on its own."""
COUNT_DATASETS = ("SELECT (COUNT(*) AS ?n) WHERE "
                  "{ ?d a <http://www.w3.org/ns/dcat#Dataset> }")


@pytest.fixture(scope="module")
def store(demo_store: tuple[Path, LoadReport]) -> Path:
    return demo_store[0]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] not in "ZX"
    except FileNotFoundError:
        return False


def test_runaway_query_is_stopped_and_others_are_answered(store: Path) -> None:
    app = create_app_for_store(store, EndpointSettings(query_timeout=2.0, query_workers=2))
    with running_server(app) as url, httpx2.Client(base_url=url, timeout=30) as http:
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        before = set(app.state.sparql.pool.pids())
        with ThreadPoolExecutor(max_workers=1) as executor:
            started = time.monotonic()
            runaway = executor.submit(http.get, "/sparql", params={"query": CARTESIAN})
            time.sleep(0.5)
            meanwhile = http.get("/sparql", params={"query": COUNT_DATASETS})
            answered_meanwhile = time.monotonic() - started
            response = runaway.result()
            elapsed = time.monotonic() - started
        assert meanwhile.status_code == 200
        assert answered_meanwhile < 2.0
        assert response.status_code == 503
        assert response.json()["error"] == "query_timeout"
        assert 2.0 <= elapsed < 3.0
        after = set(app.state.sparql.pool.pids())
        killed = before - after
        assert len(killed) == 1
        deadline = time.monotonic() + 2
        while any(_alive(pid) for pid in killed) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in killed), "the runaway worker still runs"
        assert len(after) == 2
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 recording what connects to it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(4096))
                except TimeoutError:
                    received.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX x: <http://127.0.0.1:{port}/> ASK {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o . {{ SELECT * {{ SERVICE <http://127.0.0.1:{port}/> "
    "{{ ?x ?y ?z }} }} }} }}",
])
def test_service_is_refused_and_never_fetched(store: Path, listener: tuple[int, list[bytes]],
                                              template: str) -> None:
    port, received = listener
    with open_client(store, query_workers=1) as http:
        response = http.get("/sparql", params={"query": template.format(port=port)})
        assert response.status_code == 400
        assert response.json()["error"] == "service_forbidden"
        time.sleep(0.5)
    assert received == []


def test_an_allowed_service_is_called(store: Path, listener: tuple[int, list[bytes]]) -> None:
    """The same query reaches the listener once its endpoint is allowed (the test above can
    fail)."""
    port, received = listener
    target = f"http://127.0.0.1:{port}/"
    with open_client(store, query_workers=1, allowed_services=frozenset({target})) as http:
        response = http.get("/sparql", params={
            "query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 400  # the listener is no SPARQL endpoint
    deadline = time.monotonic() + 3
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received
    assert received[0].startswith(b"POST /")


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s <http://www.w3.org/ns/dcat#keyword> "SERVICE" } LIMIT 1',
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?s WHERE { ?s a dcat:DataService }",
    "SELECT ?service WHERE { ?service a <http://www.w3.org/ns/dcat#DataService> } # SERVICE",
])
def test_the_word_service_elsewhere_is_fine(store: Path, query: str) -> None:
    with open_client(store, query_workers=1) as http:
        assert http.get("/sparql", params={"query": query}).status_code == 200


def test_request_size_limits(store: Path) -> None:
    with open_client(store, query_workers=1, max_request_bytes=2000) as http:
        padding = "#" + "x" * 2100 + "\n"
        too_long_body = http.post("/sparql", content=padding + "ASK {}",
                                  headers={"content-type": "application/sparql-query"})
        assert too_long_body.status_code == 413
        too_long_form = http.post("/sparql", data={"query": padding + "ASK {}"})
        assert too_long_form.status_code == 413
        too_long_url = http.get("/sparql", params={"query": padding + "ASK {}"})
        assert too_long_url.status_code == 414
        assert http.post("/sparql", content="ASK {}",
                         headers={"content-type": "application/sparql-query"}).status_code == 200


def test_a_flooding_client_gets_429_then_others_503(store: Path) -> None:
    settings = EndpointSettings(query_timeout=1.5, query_workers=1, per_client=1,
                                max_pending=2)
    app = create_app_for_store(store, settings)
    with running_server(app) as url, httpx2.Client(base_url=url, timeout=30) as http, \
            ThreadPoolExecutor(max_workers=4) as executor:
        http.get("/sparql", params={"query": "ASK {}"})
        first = executor.submit(http.get, "/sparql", params={"query": CARTESIAN})
        time.sleep(0.3)
        flood = http.get("/sparql", params={"query": CARTESIAN + " # again"})
        assert flood.status_code == 429
        assert int(flood.headers["retry-after"]) >= 1
        assert first.result().status_code == 503  # timed out, as the limit says
    app.state.sparql.admission.per_client = 5
    with running_server(app) as url, httpx2.Client(base_url=url, timeout=30) as http, \
            ThreadPoolExecutor(max_workers=4) as executor:
        running = [executor.submit(http.get, "/sparql",
                                   params={"query": f"{CARTESIAN} # {n}"}) for n in range(2)]
        time.sleep(0.3)
        overloaded = http.get("/sparql", params={"query": COUNT_DATASETS + " # new"})
        assert overloaded.status_code == 503
        assert overloaded.json()["error"] == "overloaded"
        assert "retry-after" in overloaded.headers
        assert {future.result().status_code for future in running} == {503}


def _rows(body: bytes, results_format: QueryResultsFormat) -> int:
    if results_format == QueryResultsFormat.CSV:
        return body.decode().count("\r\n") - 1
    result = parse_query_results(body, format=results_format)
    assert isinstance(result, QuerySolutions)
    return len(list(result))


@pytest.mark.parametrize("name", ["json", "xml", "tsv", "csv"])
def test_result_cap_is_stated_when_hit(store: Path, name: str) -> None:
    results_format = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML,
                      "tsv": QueryResultsFormat.TSV, "csv": QueryResultsFormat.CSV}[name]
    query = "SELECT ?s ?p WHERE { ?s ?p ?o }"
    with open_client(store, query_workers=1, max_rows=7) as http:
        capped = http.get("/sparql", params={"query": query, "format": name})
        assert capped.status_code == 200
        assert capped.headers["ldcat-result-truncated"] == "true"
        assert capped.headers["ldcat-result-limit"] == "7"
        assert _rows(capped.content, results_format) == 7
        small = http.get("/sparql", params={"query": query + " LIMIT 3", "format": name})
        assert "ldcat-result-truncated" not in small.headers
        assert _rows(small.content, results_format) == 3
        exact = http.get("/sparql", params={"query": query + " LIMIT 7", "format": name})
        assert "ldcat-result-truncated" not in exact.headers
        assert _rows(exact.content, results_format) == 7


def test_result_cap_on_graphs(store: Path) -> None:
    with open_client(store, query_workers=1, max_rows=10) as http:
        response = http.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"accept": "application/n-triples"})
        assert response.headers["ldcat-result-truncated"] == "true"
        assert len(list(parse(response.content, format=RdfFormat.N_TRIPLES))) == 10


def test_repeated_queries_come_from_the_cache_with_etag(store: Path) -> None:
    with open_client(store, query_workers=1) as http:
        service = http.app.state.sparql  # type: ignore[attr-defined]
        first = http.get("/sparql", params={"query": COUNT_DATASETS})
        hits = service.cache.hits
        second = http.get("/sparql", params={"query": COUNT_DATASETS})
        assert service.cache.hits == hits + 1
        assert second.content == first.content
        assert second.headers["etag"] == first.headers["etag"]
        revalidated = http.get("/sparql", params={"query": COUNT_DATASETS},
                               headers={"if-none-match": first.headers["etag"]})
        assert revalidated.status_code == 304
        assert revalidated.content == b""
        as_csv = http.get("/sparql", params={"query": COUNT_DATASETS, "format": "csv"})
        assert as_csv.headers["etag"] != first.headers["etag"]
        random = http.get("/sparql", params={"query": "SELECT (RAND() AS ?r) {}"})
        assert random.status_code == 200
        assert "etag" not in random.headers


def test_cors_for_browsers(store: Path) -> None:
    with open_client(store, query_workers=1) as http:
        simple = http.get("/sparql", params={"query": "ASK {}"},
                          headers={"origin": "https://example.org"})
        assert simple.headers["access-control-allow-origin"] == "*"
        preflight = http.options("/sparql", headers={
            "origin": "https://example.org", "access-control-request-method": "POST",
            "access-control-request-headers": "content-type"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


def test_query_log_has_no_client_address(store: Path, caplog: pytest.LogCaptureFixture) -> None:
    with open_client(store, query_workers=1) as http, \
            caplog.at_level(logging.INFO, logger="ldcat.query"):
        http.get("/sparql", params={"query": COUNT_DATASETS + " # logged"})
        http.get("/sparql", params={"query": "SELEC"})
    entries = [json.loads(JsonFormatter().format(record)) for record in caplog.records
               if record.name == "ldcat.query"]
    assert [entry["status"] for entry in entries] == [200, 400]
    assert entries[0]["bytes"] > 0
    assert entries[0]["query"].endswith("# logged")
    assert all("client" not in entry for entry in entries)
    assert all(entry["duration_ms"] >= 0 for entry in entries)


def test_workers_stop_with_the_app(store: Path) -> None:
    with open_client(store, query_workers=2) as http:
        http.get("/sparql", params={"query": "ASK {}"})
        pids = http.app.state.sparql.pool.pids()  # type: ignore[attr-defined]
        assert len(pids) == 2
    deadline = time.monotonic() + 3
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    assert os.getpid() not in pids


def test_large_answers_stream_while_the_query_runs(store: Path) -> None:
    """A SELECT the row cap cannot cut goes out in chunks as it is written; a query that
    passes its deadline midway has its connection cut (never a complete-looking 200)."""
    big = ("SELECT ?s ?p ?o ?d WHERE { ?s ?p ?o . ?d a <http://www.w3.org/ns/dcat#Dataset> } "
           "LIMIT 40000")
    roomy = create_app_for_store(store, EndpointSettings(query_timeout=60.0, query_workers=1,
                                                         max_rows=10**9))
    with running_server(roomy) as url, httpx2.Client(base_url=url, timeout=90) as http:
        whole = http.get("/sparql", params={"query": big, "format": "tsv"})
        assert whole.status_code == 200
        assert "content-length" not in whole.headers
        assert whole.headers["transfer-encoding"] == "chunked"
        assert whole.content.count(b"\n") == 40001
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    timeout = 4.0
    strict = create_app_for_store(store, EndpointSettings(query_timeout=timeout,
                                                          query_workers=1, max_rows=10**9))
    endless = f"{CARTESIAN.split(' ORDER BY')[0]} LIMIT 500000000"
    with running_server(strict) as url, httpx2.Client(base_url=url, timeout=30) as http:
        started = time.monotonic()
        received: list[tuple[float, int]] = []
        with pytest.raises(httpx2.HTTPError):
            _read_stream(http, endless, started, received)
        assert received, "nothing was streamed before the deadline"
        assert received[0][0] < timeout  # streaming began while the query still ran
        assert sum(size for _, size in received) > 1 << 20
        assert time.monotonic() - started < timeout + 3
        assert strict.state.sparql.pool.timeouts == 1
        assert http.get("/sparql", params={"query": COUNT_DATASETS}).status_code == 200


def _read_stream(http: httpx2.Client, query: str, started: float,
                 received: list[tuple[float, int]]) -> None:
    """Read a streamed answer, noting when each piece came and its size."""
    with http.stream("GET", "/sparql", params={"query": query}) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received.append((time.monotonic() - started, len(chunk)))
