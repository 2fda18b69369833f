"""The first web app over a real demo store, through Starlette's TestClient."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat, parse
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from loader.report import LoadReport
from tests.conftest import BASE

DATASET = "5ca3280b619abab5be11b720"


def client(store: Path) -> TestClient:
    return TestClient(create_app_for_store(store))


def test_dataset_dereferences_in_rdf(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    http = client(store)
    turtle = http.get(f"/datasets/{DATASET}.ttl")
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(parse(turtle.content, format=RdfFormat.TURTLE))
    subjects = {triple.subject.value for triple in triples}
    assert f"{BASE}/datasets/{DATASET}" in subjects
    assert any(subject.startswith(f"{BASE}/resources/") for subject in subjects)
    by_accept = http.get(f"/datasets/{DATASET}", headers={"accept": "application/n-triples"})
    assert by_accept.status_code == 200
    assert len(list(parse(by_accept.content, format=RdfFormat.N_TRIPLES))) == len(triples)


def test_unknown_records_are_404_in_the_error_shape(
        demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    response = client(store).get("/datasets/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.json()["status"] == 404
    assert client(store).get("/nothing/here").status_code == 404


def test_sparql_select_and_refused_update(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    http = client(store)
    response = http.get("/sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "56"
    update = http.post("/sparql", data={"update": "DROP ALL"})
    assert update.status_code == 403
    bad = http.get("/sparql", params={"query": "SELEKT nothing"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_query"


def test_health_and_ready(demo_store: tuple[Path, LoadReport], tmp_path: Path) -> None:
    store, _ = demo_store
    assert client(store).get("/-/ready").json()["status"] == "ok"
    assert client(tmp_path).get("/-/ready").status_code == 503
    assert client(tmp_path).get("/-/health").status_code == 200


def test_resource_route_and_hostile_identifiers(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    http = client(store)
    listing = http.get("/sparql", params={"query": "SELECT ?r WHERE { ?r a "
                                          "<http://www.w3.org/ns/dcat#Distribution> } LIMIT 1"})
    resource = listing.json()["results"]["bindings"][0]["r"]["value"]
    response = http.get(resource.replace(BASE, "") + ".nt")
    assert response.status_code == 200
    triples = list(parse(response.content, format=RdfFormat.N_TRIPLES))
    assert any(str(t.predicate) == "<http://www.w3.org/ns/dcat#accessURL>" for t in triples)
    for hostile in ["x> } ; DROP ALL #", "a b", "%3E%20%7D", "..x", "\u00e9\u00e9"]:
        assert http.get(f"/resources/{hostile}").status_code == 404
        assert http.get(f"/datasets/{hostile}.ttl").status_code == 404
