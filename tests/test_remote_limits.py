"""The endpoint's limits hold in front of a remote store whose own limits are tighter.

A store stopping a query at its own time limit (Oxigraph ``--timeout-s`` answers a 200 cut
short; Virtuoso ``SR171``) and a store cutting an answer at its own row limit (Virtuoso's
``ResultSetMaxRows``, told only by a header) must reach clients as ldcat's own 503 and
``ldcat-result-truncated``, never as a complete-looking 200.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from endpoint.app import create_app_for_backend
from endpoint.settings import EndpointSettings
from loader.generations import StoreLayout
from loader.remote.client import RemoteStore
from loader.remote.publish import push_generation
from loader.report import LoadReport
from tests.conftest import BASE, require
from tests.remote_stores import RemoteStore as StoreProcess
from tests.remote_stores import oxigraph_command, oxigraph_store, virtuoso_store

EX = "http://limits.example.org/"
HEAVY = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}heavy> {{ ?a ?p ?x . ?b ?q ?y . "
         "?c ?r ?z . ?d ?t ?w } FILTER(STR(?x) != STR(?y)) }")
"""101 triples to the fourth power: far longer than any limit here."""
ROWS = f"SELECT ?s WHERE {{ GRAPH <{EX}rows> {{ ?s ?p ?o }} }}"
STORE_SECONDS = 2
STORE_ROWS = 1000
"""Virtuoso's ``ResultSetMaxRows`` here (Oxigraph has none)."""


def _graph(name: str, count: int) -> str:
    body = " ".join(f"<{EX}{name}/{index}> <{EX}p> {index} ." for index in range(count))
    return f"GRAPH <{EX}{name}> {{ {body} }}"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def limited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            demo_store: tuple[Path, LoadReport]) -> Iterator[StoreProcess]:
    """A store with a 2 s time limit (and Virtuoso's 1,000-row cap), holding the demo
    generation, a graph that makes a slow query and one of 2,000 triples."""
    folder = tmp_path_factory.mktemp(f"{request.param}-limited")
    launcher: contextlib.AbstractContextManager[StoreProcess]
    if request.param == "oxigraph":
        require(oxigraph_command)
        launcher = oxigraph_store(folder, timeout_s=STORE_SECONDS)
    else:
        template = request.getfixturevalue("virtuoso_template_dir")
        launcher = virtuoso_store(folder, template, max_rows=STORE_ROWS,
                                  max_query_s=STORE_SECONDS)
    with launcher as store:
        client = RemoteStore(store.query_url, store.update_url)
        try:
            layout = StoreLayout(demo_store[0])
            generation = layout.current()
            assert generation is not None
            push_generation(layout, generation, client)
            client.update(f"INSERT DATA {{ {_graph('heavy', 101)} {_graph('rows', 2000)} }}")
        finally:
            client.close()
        yield store


def _client(store: StoreProcess, **settings: float) -> TestClient:
    app = create_app_for_backend(store.query_url, store.update_url,
                                 EndpointSettings(**settings))  # type: ignore[arg-type]
    return TestClient(app, base_url=BASE)


def test_the_stores_time_limit_is_a_503(limited: StoreProcess) -> None:
    with _client(limited, query_timeout=30) as http:
        answer = http.get("/sparql", params={"query": HEAVY})
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "query_timeout"
        assert http.app.state.sparql.pool.timeouts == 1  # type: ignore[attr-defined]
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_ldcats_own_deadline_comes_first(limited: StoreProcess) -> None:
    with _client(limited, query_timeout=0.5) as http:
        answer = http.get("/sparql", params={"query": HEAVY})
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "query_timeout"


def test_a_store_cut_is_stated(limited: StoreProcess) -> None:
    with _client(limited, max_rows=5000) as http:
        answer = http.get("/sparql", params={"query": ROWS}, headers={"accept": "text/csv"})
        assert answer.status_code == 200, answer.text
        rows = len(answer.text.strip().splitlines()) - 1
        if limited.kind == "virtuoso":  # cut by the store at its ResultSetMaxRows
            assert rows == STORE_ROWS
            assert answer.headers["ldcat-result-truncated"] == "true"
        else:
            assert rows == 2000
            assert "ldcat-result-truncated" not in answer.headers
    with _client(limited, max_rows=500) as http:  # cut by ldcat's own cap
        answer = http.get("/sparql", params={"query": ROWS}, headers={"accept": "text/csv"})
        assert len(answer.text.strip().splitlines()) - 1 == 500
        assert answer.headers["ldcat-result-truncated"] == "true"
        assert answer.headers["ldcat-result-limit"] == "500"
