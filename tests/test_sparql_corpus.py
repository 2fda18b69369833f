"""A corpus of broken and hostile SPARQL: every entry is answered 4xx, quickly, and the query
workers survive it (a crashed worker would be a 503 for a client's mistake)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from endpoint.sparql_syntax import MAX_NESTING, MAX_STRUCTURE, analyze
from loader.report import LoadReport
from tests.sparql_support import open_client, running_server

MB = 1 << 20
DEEP = 100_000
CORPUS: dict[str, str] = {
    # nesting: each crashed the query worker (Rust stack overflow) before the lexer's limits
    "deep braces": "SELECT * WHERE " + "{" * DEEP + "}" * DEEP,
    "deep parentheses": "SELECT * WHERE { FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }",
    "deep blank nodes": "SELECT * WHERE { ?s ?p " + "[ <p> " * 5_000 + "]" * 5_000 + " }",
    "deep collections": "SELECT * WHERE { ?s ?p " + "( " * 5_000 + ")" * 5_000 + " }",
    "deep OPTIONAL": "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o " * 3_000 + "}" * 3_000 + " }",
    "deep NOT EXISTS": "ASK { " + "FILTER NOT EXISTS { " * 3_000 + "}" * 3_000 + " }",
    "nesting one past the limit": "ASK " + "{ " * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1),
    # long chains: left-deep trees, same crash, or minutes of parsing
    "chained +": "SELECT (" + "+".join(["1"] * 100_000) + " AS ?x) {}",
    "chained ||": "ASK { FILTER(" + " || ".join(["true"] * 100_000) + ") }",
    "chained UNION": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 30_000) + " }",
    "chained groups": "SELECT * { " + " ".join(["{ ?s ?p ?o }"] * 30_000) + " }",
    "chained path": "SELECT * { ?s " + "/".join(["<p>"] * 100_000) + " ?o }",
    "chained path alternatives": "SELECT * { ?s " + "|".join(["<p>"] * 100_000) + " ?o }",
    "chained BIND": "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(10_000)) + " }",
    "structure one past the limit": "ASK { FILTER(" + "+".join(["1"] * (MAX_STRUCTURE + 1))
                                    + ") }",
    "many unary !": "ASK { FILTER(" + "!" * DEEP + "true) }",
    "many unary -": "SELECT (" + "- " * DEEP + "1 AS ?x) {}",
    "many inverse ^": "SELECT * { ?s " + "^" * DEEP + "<p> ?o }",
    # plain syntax errors, some big
    "unterminated huge literal": 'SELECT * WHERE { ?s ?p "' + "a" * 900_000 + " }",
    "unterminated IRI": "SELECT * WHERE { ?s <http://example.org/" + "a" * 500_000 + " ?o }",
    "huge garbage just under 1 MB": "SELECT * WHERE { " + "@@ " * (MB // 3 - 10) + "}",
    "unbalanced open": "SELECT * WHERE { { ?s ?p ?o }",
    "unbalanced close": "SELECT * WHERE { ?s ?p ?o } } }",
    "closing first": "}}}} SELECT",
    "NUL at the end": "SELECT * WHERE { ?s ?p ?o }\x00",
    "NUL inside": "SELECT\x00* WHERE { ?s ?p ?o }",
    "NUL in a literal": 'SELECT * WHERE { ?s ?p "a\x00b }',
    "lone surrogate escape": 'SELECT * WHERE { ?s ?p "\\uD800" }',
    "empty": "",
    "only spaces": "  \n\t ",
    "only a comment": "# SELECT * WHERE { ?s ?p ?o }",
    "byte order mark": "\ufeffSELECT * WHERE { ?s ?p ?o } LIMIT 1",
    "control characters": "SELECT * WHERE { ?s ?p ?o \x01\x02\x1b[31m }",
    "two queries": "SELECT * WHERE { ?s ?p ?o } SELECT * WHERE { ?s ?p ?o }",
    "update in disguise": "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "unknown function": "SELECT (<http://example.org/f>(1) AS ?x) {}",
    "undefined prefix": "SELECT * WHERE { ?s nope:p ?o }",
    "ill-typed right-to-left text": "SELECT * WHERE { ?s ?p \u202e\"olleh\" }",
}


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    with open_client(demo_store[0], query_workers=1, query_timeout=20) as client:
        yield client


def _pids(http: TestClient) -> list[int]:
    return list(http.app.state.sparql.pool.pids())  # type: ignore[attr-defined]


def _refused(response_status: int, body: dict[str, object], started: float) -> None:
    assert 400 <= response_status < 500, body
    assert body["status"] == response_status
    assert isinstance(body["error"], str)
    assert time.monotonic() - started < 10, "a refusal must not take long"


@pytest.mark.parametrize("name", list(CORPUS))
def test_broken_sparql_is_a_4xx_and_the_worker_survives(http: TestClient, name: str) -> None:
    http.get("/sparql", params={"query": "ASK {}"})
    workers = _pids(http)
    query = CORPUS[name]
    started = time.monotonic()
    response = http.post("/sparql", content=query.encode("utf-8"),
                         headers={"content-type": "application/sparql-query"})
    _refused(response.status_code, response.json(), started)
    if len(query) < 4_000:
        started = time.monotonic()
        response = http.get("/sparql", params={"query": query})
        _refused(response.status_code, response.json(), started)
    assert _pids(http) == workers, "the query worker was replaced: it crashed"
    assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


@pytest.mark.parametrize(("body", "content_type"), [
    (b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }", "application/sparql-query"),
    (b"\xc3\x28", "application/sparql-query"),
    (b"query=SELECT%20%FF", "application/x-www-form-urlencoded"),
    (b"query=\xff", "application/x-www-form-urlencoded"),
])
def test_invalid_utf8_is_a_400(http: TestClient, body: bytes, content_type: str) -> None:
    response = http.post("/sparql", content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["error"] in ("bad_encoding", "bad_query")


def test_invalid_utf8_in_the_url_is_a_400(http: TestClient) -> None:
    response = http.get("/sparql?query=ASK%20%7B%7D%FF")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_encoding"


def test_queries_over_one_megabyte_are_refused_by_size(http: TestClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * MB
    response = http.post("/sparql", content=query.encode(),
                         headers={"content-type": "application/sparql-query"})
    assert response.status_code == 413
    form = http.post("/sparql", data={"query": query})
    assert form.status_code == 413


def test_long_query_strings_are_a_414(demo_store: tuple[Path, LoadReport]) -> None:
    """The same rule with a small limit (HTTP clients refuse 1 MB URLs themselves)."""
    with open_client(demo_store[0], query_workers=1, max_request_bytes=4_096) as small:
        response = small.get("/sparql", params={"query": "ASK {} #" + "x" * 5_000})
    assert response.status_code == 414
    assert response.json()["error"] == "uri_too_long"


def test_a_large_values_block_is_data_not_structure(http: TestClient) -> None:
    rows = " ".join(f"({i} \"{i}\")" for i in range(MAX_STRUCTURE * 2))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES (?i ?s) {{ {rows} }} }}"
    response = http.post("/sparql", content=query.encode(),
                         headers={"content-type": "application/sparql-query"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == str(MAX_STRUCTURE * 2)


def test_lexing_a_long_query_does_not_stall_the_web_process(
        demo_store: tuple[Path, LoadReport]) -> None:
    """A 360 KB query takes the lexer a second or more; meanwhile other requests are answered."""
    query = "SELECT * {" + " ?s" * 120_000 + " }"
    timings = []
    for _ in range(2):  # the faster of two: a busy machine during one run inflates it
        started = time.perf_counter()
        analyze(query)
        timings.append(time.perf_counter() - started)
    lexing = min(timings)
    app = create_app_for_store(demo_store[0], EndpointSettings(query_workers=1))
    with running_server(app) as url, httpx2.Client(base_url=url, timeout=60) as client:
        client.get("/sparql", params={"query": "ASK {}"})
        done: dict[str, float] = {}

        def long_query() -> None:
            client.post("/sparql", content=query.encode(),
                        headers={"content-type": "application/sparql-query"})
            done["long"] = time.perf_counter()

        thread = threading.Thread(target=long_query)
        sent = time.perf_counter()
        thread.start()
        time.sleep(min(0.3, lexing / 4))
        with httpx2.Client(base_url=url, timeout=60) as other:
            asked = time.perf_counter()
            assert other.get("/-/health").status_code == 200
            answered = time.perf_counter()
        thread.join()
    assert done["long"] - sent > lexing * 0.8, "the long query was not lexed"
    assert answered - asked < lexing / 2, (answered - asked, lexing)
