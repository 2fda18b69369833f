"""Framed JSON-LD: PyLD expands it to exactly the triples the RDF formats serve; the context
is published and inlineable; the dataset shape is the documented one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld
from pyoxigraph import RdfFormat, parse
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.profiles import PROFILES
from loader.report import LoadReport
from tests.conftest import BASE
from tests.test_records import DATASET, sample_paths


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> TestClient:
    return TestClient(create_app_for_store(demo_store[0]))


def loader_for(http: TestClient) -> Any:
    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        assert url == f"{BASE}/-/context.jsonld", url
        response = http.get("/-/context.jsonld")
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": response.json()}
    return load


def expanded_triples(document: dict[str, Any], http: TestClient) -> set[str]:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads",
                                      "documentLoader": loader_for(http)})
    return {str(quad.triple) for quad in parse(nquads.encode("utf-8"),
                                                format=RdfFormat.N_QUADS)}


def test_pyld_expansion_gives_the_served_triples(http: TestClient) -> None:
    for kind, path in sample_paths(http).items():
        for profile in PROFILES:
            params = {"_profile": profile.token}
            framed = http.get(path + ".jsonld", params=params)
            assert framed.status_code == 200
            served = {str(triple) for triple in parse(
                http.get(path + ".nt", params=params).content, format=RdfFormat.N_TRIPLES)}
            assert expanded_triples(framed.json(), http) == served, (kind, profile.token)


def test_inline_context_expands_the_same(http: TestClient) -> None:
    path = f"/datasets/{DATASET}.jsonld"
    referenced = http.get(path).json()
    inline = http.get(path, params={"_context": "inline"}).json()
    assert isinstance(inline["@context"], dict)
    assert inline["@context"] == http.get("/-/context.jsonld").json()["@context"]
    assert expanded_triples(inline, http) == expanded_triples(referenced, http)
    assert http.get(path).headers["etag"] != http.get(path + "?_context").headers["etag"]


def test_context_is_served_with_validators(http: TestClient) -> None:
    response = http.get("/-/context.jsonld")
    assert response.headers["content-type"] == "application/ld+json"
    context = response.json()["@context"]
    assert context["title"] == {"@id": "dct:title", "@language": "fr"}
    assert context["distribution"]["@container"] == "@set"
    again = http.get("/-/context.jsonld", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


def test_dataset_is_one_object_with_its_parts_nested(http: TestClient) -> None:
    dataset = http.get(f"/datasets/{DATASET}.jsonld").json()
    assert dataset["@context"] == f"{BASE}/-/context.jsonld"
    assert dataset["id"] == f"{BASE}/datasets/{DATASET}"
    assert dataset["type"] == "Dataset"
    assert isinstance(dataset["title"], str)
    assert isinstance(dataset["keyword"], list)
    assert dataset["publisher"]["name"]
    assert dataset["contactPoint"]["fn"]
    assert dataset["temporal"][0]["startDate"]
    assert dataset["spatial"][0]["type"] == "Location"
    distributions = dataset["distribution"]
    assert len(distributions) > 1
    assert all(item["type"] == "Distribution" and isinstance(item["accessURL"], str)
               for item in distributions)
    sized = [item for item in distributions if "byteSize" in item]
    assert sized
    assert all(isinstance(item["byteSize"], int) for item in sized)
    assert all(item["checksum"]["checksumValue"] for item in distributions if "checksum" in item)
    assert f"{BASE}/catalog" in dataset["inCatalog"]
    documents = [node for node in dataset["included"] if node.get("type") == "Document"]
    assert [node["id"] for node in documents] == [dataset["landingPage"]]


def test_schema_org_jsonld_is_inline_and_typed(http: TestClient) -> None:
    dataset = http.get(f"/datasets/{DATASET}.jsonld", params={"_profile": "schema.org"}).json()
    assert dataset["@context"]["@vocab"] == "https://schema.org/"
    assert dataset["type"] == "Dataset"
    assert dataset["distribution"][0]["type"] == "DataDownload"
    assert dataset["publisher"]["type"] == "Organization"
