"""No outbound requests: whatever a client or a source file asks, ldcat never connects to a
listener on 127.0.0.1 it was not told to call.

Covered: SPARQL ``SERVICE`` (refused without an allow-list, and with an allow-list naming a
different endpoint, in spellings that try to slip past it), ``FROM``/``FROM NAMED`` IRIs,
``LOAD`` and other updates (every way the protocol can carry them), remote JSON-LD
``@context`` wherever ldcat parses JSON-LD input (``ldcat validate FILE.jsonld``, JSON-LD
shape files, a JSON-LD document given to ``ldcat load`` as an API page), and ``ldcat load
URL`` redirected to the cloud metadata address or another port (``tests/test_harvest.py``
covers the harvester's next links, remote contexts and external entities). The listener
records a connection as soon as it is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from ldcat.cli import main as ldcat_main
from loader.report import LoadReport
from shapes.parse import ShapesError, load_shapes
from tests.crash_loads import MINIMAL_SHAPES
from tests.listener import Listener, recording_listener


@pytest.fixture
def listener() -> Iterator[Listener]:
    with recording_listener() as recording:
        yield recording


@pytest.fixture(scope="module")
def store(demo_store: tuple[Path, LoadReport]) -> Path:
    return demo_store[0]


def _client(store: Path, allowed: frozenset[str] = frozenset()) -> TestClient:
    return TestClient(create_app_for_store(store, EndpointSettings(query_workers=1,
                                                                   allowed_services=allowed)))


def _service_queries(url: str) -> list[str]:
    port = url.split(":")[2].rstrip("/")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http://localhost:{port}/> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http://[::ffff:127.0.0.1]:{port}/> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http://2130706433:{port}/> {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE <x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ {{ SELECT * {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_service_is_never_fetched(store: Path, listener: Listener) -> None:
    elsewhere = "http://127.0.0.1:9/sparql"
    for allowed in (frozenset(), frozenset({elsewhere}),
                    frozenset({f"{listener.url}sparql/other", listener.url.rstrip("/")})):
        with _client(store, allowed) as http:
            for query in _service_queries(listener.url):
                for response in (http.get("/sparql", params={"query": query}),
                                 http.post("/sparql", data={"query": query}),
                                 http.post("/sparql", content=query, headers={
                                     "content-type": "application/sparql-query"})):
                    assert response.status_code == 400, (allowed, query, response.text)
                    assert response.json()["error"] in ("service_forbidden", "bad_query")
    assert listener.settle() == []


def test_the_allow_list_does_reach_the_listener(store: Path, listener: Listener) -> None:
    """The same SERVICE reaches the listener once it is allowed: the test above can fail."""
    with _client(store, frozenset({listener.url})) as http:
        http.get("/sparql", params={"query": f"ASK {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"})
    assert len(listener.settle()) >= 1


def test_dataset_clauses_are_not_fetched(store: Path, listener: Listener) -> None:
    with _client(store) as http:
        for query in (f"SELECT * FROM <{listener.url}a.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
                      f"SELECT * FROM NAMED <{listener.url}b.ttl> WHERE "
                      "{ GRAPH ?g { ?s ?p ?o } } LIMIT 1",
                      f"ASK {{ GRAPH <{listener.url}c.ttl> {{ ?s ?p ?o }} }}"):
            response = http.get("/sparql", params={"query": query})
            assert response.status_code in (200, 400), response.text
        response = http.get("/sparql", params={"query": "ASK { ?s ?p ?o }",
                                                "default-graph-uri": f"{listener.url}d.ttl",
                                                "named-graph-uri": f"{listener.url}e.ttl"})
        assert response.status_code in (200, 400), response.text
    assert listener.settle() == []


@pytest.mark.parametrize("update", [
    "LOAD <{url}data.ttl>",
    "LOAD SILENT <{url}data.ttl> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL ; LOAD <{url}data.ttl>",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
])
def test_updates_are_refused_and_never_fetch(store: Path, listener: Listener,
                                             update: str) -> None:
    text = update.format(url=listener.url)
    with _client(store, frozenset({listener.url})) as http:  # even with the listener allowed
        answers = [
            http.post("/sparql", data={"update": text}),
            http.post("/sparql", content=text,
                      headers={"content-type": "application/sparql-update"}),
            http.get("/sparql", params={"update": text}),
            http.get("/sparql", params={"query": text}),
            http.post("/sparql", data={"query": text}),
        ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.text
    assert listener.settle() == []


def _jsonld(listener: Listener) -> str:
    return json.dumps({"@context": f"{listener.url}context.jsonld",
                       "@id": "http://example.org/s", "name": "remote context"})


def test_validate_a_jsonld_file_with_a_remote_context(tmp_path: Path, listener: Listener,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.jsonld"
    data.write_text(_jsonld(listener), encoding="utf-8")
    assert ldcat_main(["validate", str(data)]) == 2
    assert "context" in capsys.readouterr().err.lower()
    assert listener.settle() == []


def test_jsonld_shapes_with_a_remote_context(tmp_path: Path, listener: Listener) -> None:
    shapes = tmp_path / "shapes.jsonld"
    shapes.write_text(_jsonld(listener), encoding="utf-8")
    with pytest.raises(ShapesError, match="context"):
        load_shapes(shapes)
    assert ldcat_main(["validate", "--shapes", str(shapes), str(shapes)]) == 2
    assert listener.settle() == []


def test_jsonld_shapes_without_a_remote_context_still_load(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.jsonld"
    shapes.write_text(json.dumps({
        "@context": {"sh": "http://www.w3.org/ns/shacl#"},
        "@id": "http://example.org/DatasetShape", "@type": "sh:NodeShape",
        "sh:targetClass": {"@id": "http://www.w3.org/ns/dcat#Dataset"},
        "sh:property": {"sh:path": {"@id": "http://purl.org/dc/terms/title"},
                        "sh:minCount": 1}}), encoding="utf-8")
    graph = load_shapes(shapes)
    assert len(graph.shapes) >= 1


def test_load_never_fetches(tmp_path: Path, listener: Listener) -> None:
    """A JSON-LD document in place of an API page is read as plain JSON (its context is not
    fetched, its resources' URLs are data)."""
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"@context": f"{listener.url}ctx", "data": [{
        "@context": f"{listener.url}ctx2", "id": "d1", "title": "Un jeu",
        "resources": [{"id": "r1", "url": f"{listener.url}file.csv", "title": "f"}]}]}),
        encoding="utf-8")
    store = tmp_path / "store"
    shapes = tmp_path / "minimal-shapes.ttl"
    shapes.write_text(MINIMAL_SHAPES, encoding="utf-8")
    assert ldcat_main(["load", str(page), "--store", str(store), "--workers", "1",
                       "--shapes", str(shapes), "--quiet"]) == 0
    assert listener.settle() == []


def test_a_harvest_url_that_redirects_elsewhere(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """``ldcat load URL`` connects to the URL it is given and nowhere else: a redirect to the
    cloud metadata address, or to another port of the same host, is refused unfollowed."""
    store = tmp_path / "store"
    with recording_listener() as source:
        assert ldcat_main(["load", f"{source.url}catalog.ttl", "--store", str(store),
                           "--quiet"]) == 2
        assert "169.254.169.254" in capsys.readouterr().err
        assert len(source.settle()) == 1
    with recording_listener() as elsewhere, \
            recording_listener(redirect_to=f"{elsewhere.url}catalog.ttl") as source:
        assert ldcat_main(["load", f"{source.url}catalog.ttl", "--store", str(store),
                           "--quiet"]) == 2
        assert "refused" in capsys.readouterr().err
        assert len(source.settle()) == 1
        assert elsewhere.settle() == []
