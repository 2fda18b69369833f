"""The change feed after adding, changing and deleting records across three generations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse
from starlette.testclient import TestClient

from exports.feed import AS, PAGE_SIZE, TREE
from loader.load import LoadOptions, load
from ontology.namespaces import DCT, HYDRA
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row
from tests.sparql_support import open_client

TRIG = {"accept": "application/trig"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """g1: a, b, c. g2: a retitled, b unchanged, c deleted, d added. g3: nothing changed."""
    folder = tmp_path_factory.mktemp("feed")
    root = folder / "store"
    first, second = folder / "g1.csv", folder / "g2.csv"
    first.write_text(csv_text(DATASET_HEADER, [dataset_row(x) for x in "abc"]), "utf-8")
    second.write_text(csv_text(DATASET_HEADER, [
        dataset_row("a", title="Nouveau titre"), dataset_row("b"), dataset_row("d")]), "utf-8")
    for source in (first, second, second):
        load([source], root, LoadOptions(base_iri=BASE, workers=1))
    return root


@pytest.fixture(scope="module")
def http(store: Path) -> Iterator[TestClient]:
    with open_client(store, query_workers=1) as client:
        yield client


def _page(http: TestClient, url: str) -> tuple[list[Quad], str]:
    response = http.get(url.removeprefix(BASE), headers=TRIG)
    assert response.status_code == 200, response.text
    return list(parse(response.content, format=RdfFormat.TRIG)), \
        response.headers["cache-control"]


def _value(term: object) -> str:
    assert isinstance(term, NamedNode | Literal)
    return term.value


def _members(quads: list[Quad]) -> dict[str, tuple[str, str]]:
    """Activity IRI -> (activity type, object IRI), for the page's members."""
    members = {_value(q.object) for q in quads if q.predicate == NamedNode(TREE.member)}
    found: dict[str, tuple[str, str]] = {}
    for member in members:
        kind = next(_value(q.object) for q in quads if q.subject == NamedNode(member)
                    and q.predicate.value.endswith("#type"))
        obj = next(_value(q.object) for q in quads if q.subject == NamedNode(member)
                   and q.predicate == NamedNode(AS.object))
        found[member] = (kind.removeprefix(AS.iri), obj)
    return found


def _walk(http: TestClient) -> list[tuple[list[Quad], str]]:
    root = list(parse(http.get("/feed", headers=TRIG).content, format=RdfFormat.TRIG))
    url: str | None = next(_value(q.object) for q in root if q.predicate == NamedNode(TREE.view))
    pages = []
    while url is not None:
        quads, cache = _page(http, url)
        pages.append((quads, cache))
        url = next((_value(q.object) for q in quads if q.predicate == NamedNode(HYDRA.next)), None)
    return pages


def test_feed_reports_creates_updates_and_deletes(http: TestClient) -> None:
    pages = _walk(http)
    assert len(pages) == 3  # one page per generation here (fewer than PAGE_SIZE changes)
    datasets = [{obj.rsplit("/", 1)[1]: kind for kind, obj in _members(quads).values()
                 if "/datasets/" in obj} for quads, _ in pages]
    assert datasets[0] == {"a": "Create", "b": "Create", "c": "Create"}
    assert datasets[1] == {"a": "Update", "c": "Delete", "d": "Create"}
    assert datasets[2] == {}
    assert [cache for _, cache in pages][:2] == ["public, max-age=31536000, immutable"] * 2
    assert pages[2][1] == "no-cache"
    second, _ = pages[1]
    update = next(m for m, (kind, obj) in _members(second).items()
                  if kind == "Update" and obj.endswith("/datasets/a"))
    titles = {q.object for q in second if q.graph_name == NamedNode(update)
              and q.predicate == NamedNode(DCT.title)}
    assert any(isinstance(t, Literal) and t.value == "Nouveau titre" for t in titles)
    delete = next(m for m, (kind, obj) in _members(second).items() if kind == "Delete")
    assert not [q for q in second if q.graph_name == NamedNode(delete)]


def test_feed_formats_and_errors(http: TestClient) -> None:
    first = http.get("/feed").headers
    assert first["content-type"].startswith("application/trig")
    root = list(parse(http.get("/feed", headers=TRIG).content, format=RdfFormat.TRIG))
    page = next(_value(q.object) for q in root if q.predicate == NamedNode(TREE.view))
    as_jsonld = http.get(page.removeprefix(BASE), headers={"accept": "application/ld+json"})
    as_nquads = http.get(page.removeprefix(BASE), headers={"accept": "application/n-quads"})
    assert len(list(parse(as_jsonld.content, format=RdfFormat.JSON_LD))) == \
        len(list(parse(as_nquads.content, format=RdfFormat.N_QUADS)))
    assert http.get("/feed/g000009/1").status_code == 404
    assert http.get("/feed/g000001/99").status_code == 404
    assert http.get("/feed", headers={"accept": "image/png"}).status_code == 406
    assert PAGE_SIZE >= 10
