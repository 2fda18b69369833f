"""Regressions for what the schemathesis run found (tests/test_openapi.py): each request was
a 500, a silently ignored parameter, or an answer outside the error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from loader.report import LoadReport
from tests.sparql_support import open_client


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    with open_client(demo_store[0], query_workers=1) as client:
        yield client


def _error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.json() == {"error": code, "message": response.json()["message"],  # type: ignore[attr-defined]
                               "status": status}


def test_catalog_filter_values_that_make_no_iri(http: TestClient) -> None:
    """Was a 500 (ValueError: Invalid IRI code point '"')."""
    for value in ['"', "a b", "<x>", "{}", "é\u0000"]:
        response = http.get("/catalog", params={"format": value})
        assert response.status_code == 200, value  # no such format: an empty page
        assert http.get("/catalog", params={"theme": value}).status_code == 200
    _error(http.get("/catalog", params={"organization": "http://a b/"}), 400, "bad_parameter")


def test_catalog_generation_that_is_not_an_id(http: TestClient) -> None:
    """Was a 410 'no longer published' for any string."""
    _error(http.get("/catalog", params={"generation": "Scunthorpe"}), 400, "bad_parameter")
    _error(http.get("/catalog", params={"generation": "g999999"}), 410, "generation_gone")


def test_a_bad_modified_since_comes_before_the_generation(http: TestClient) -> None:
    response = http.get("/catalog", params={"modified_since": "k", "generation": "g999999"})
    _error(response, 400, "bad_parameter")
    lower = http.get("/catalog", params={"modified_since": "2020-01-01t00:00:00z"})
    assert lower.status_code == 200


def test_unknown_formats_are_refused_not_ignored(http: TestClient) -> None:
    """Were answered in Turtle as if no format had been given."""
    _error(http.get("/sparql", params={"format": "nope"}), 400, "bad_format")
    _error(http.get("/-/void", params={"format": "nope"}), 400, "bad_format")
    assert http.get("/-/void", params={"format": "nt"}).headers["content-type"].startswith(
        "application/n-triples")


def test_a_query_operation_without_a_query(http: TestClient) -> None:
    """A form POST without ``query`` answered the service description."""
    _error(http.post("/sparql", data={"format": "json"}), 400, "missing_query")
    _error(http.get("/sparql", params={"named-graph-uri": "0.0"}), 400, "missing_query")
    assert http.get("/sparql").status_code == 200  # the service description


def test_starlette_refusals_are_in_the_error_shape(http: TestClient) -> None:
    """Were plain text ``Not Found`` / ``Method Not Allowed``."""
    _error(http.get("/no/such/route/here"), 404, "not_found")
    response = http.post("/datasets/x")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]
