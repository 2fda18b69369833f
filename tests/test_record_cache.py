"""Whole record answers kept per generation (:mod:`endpoint.record_cache`): a repeat is the
same answer, validators still give 304, and a new generation is never answered from the old."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.record_cache import CachedRecords
from endpoint.settings import EndpointSettings
from loader.load import LoadOptions, load
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row

TURTLE = {"accept": "text/turtle"}


def _load(store: Path, folder: Path, title: str) -> None:
    source = folder / f"{title}.csv"
    source.write_text(csv_text(DATASET_HEADER, [dataset_row("a", title=title),
                                                dataset_row("b")]), "utf-8")
    load([source], store, LoadOptions(base_iri=BASE, workers=1))


def _kept(client: TestClient) -> int:
    """How many answers the app's record cache holds."""
    layer = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, CachedRecords):
        layer = layer.app
    return len(layer.answers)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    _load(tmp_path / "store", tmp_path, "Premier titre")
    return tmp_path / "store"


def test_a_repeat_is_the_same_answer_from_the_cache(store: Path) -> None:
    with TestClient(create_app_for_store(store, EndpointSettings(query_workers=1))) as http:
        first = http.get("/datasets/a", headers=TURTLE)
        assert first.status_code == 200
        assert _kept(http) == 1
        again = http.get("/datasets/a", headers=TURTLE)
        assert _kept(http) == 1
        assert again.content == first.content
        assert again.headers == first.headers
        not_modified = http.get("/datasets/a", headers={**TURTLE,
                                                        "if-none-match": first.headers["etag"]})
        assert not_modified.status_code == 304
        assert not not_modified.content
        assert not_modified.headers["etag"] == first.headers["etag"]
        since = http.get("/datasets/a", headers={
            **TURTLE, "if-modified-since": first.headers["last-modified"]})
        assert since.status_code == 304
        head = http.head("/datasets/a", headers=TURTLE)
        assert head.status_code == 200
        assert not head.content
        as_jsonld = http.get("/datasets/a", headers={"accept": "application/ld+json"})
        assert as_jsonld.json()["id"] == f"{BASE}/datasets/a"  # another key, another answer
        cors = http.get("/datasets/a", headers={**TURTLE, "origin": "https://elsewhere.example"})
        assert cors.headers["access-control-allow-origin"] == "*"  # added per request
        assert cors.content == first.content
        assert http.get("/datasets/missing").status_code == 404
        assert _kept(http) == 2  # errors are not kept


def test_a_new_generation_is_never_answered_from_the_old(store: Path, tmp_path: Path) -> None:
    with TestClient(create_app_for_store(store, EndpointSettings(query_workers=1))) as http:
        before = http.get("/datasets/a", headers=TURTLE)
        assert "Premier titre" in before.text
        _load(store, tmp_path, "Second titre")
        after = http.get("/datasets/a", headers=TURTLE)
        assert "Second titre" in after.text
        assert after.headers["ldcat-generation"] != before.headers["ldcat-generation"]
        assert http.get("/datasets/a", headers={**TURTLE, "if-none-match":
                                                before.headers["etag"]}).status_code == 200


def test_the_cache_can_be_turned_off(store: Path) -> None:
    settings = EndpointSettings(query_workers=1, record_cache_bytes=0)
    with TestClient(create_app_for_store(store, settings)) as http:
        assert http.get("/datasets/a", headers=TURTLE).status_code == 200
        assert _kept(http) == 0
