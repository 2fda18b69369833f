"""The change feed after adding, changing and deleting records across three generations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse
from starlette.testclient import TestClient

from exports.feed import AS, PAGE_SIZE, TREE
from exports.feed_files import FolderFeed, write_feed
from exports.feed_sources import StoreFeed
from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from ontology.namespaces import DCT, HYDRA
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row
from tests.sparql_support import open_client

TRIG = {"accept": "application/trig"}
IMMUTABLE = "public, max-age=31536000, immutable"


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


def test_pages_revalidate(http: TestClient, store: Path) -> None:
    root = list(parse(http.get("/feed", headers=TRIG).content, format=RdfFormat.TRIG))
    url = next(_value(q.object) for q in root if q.predicate == NamedNode(TREE.view))
    tags = set()
    for accept in ("application/trig", "application/n-quads"):
        closed = http.get(url.removeprefix(BASE), headers={"accept": accept})
        assert closed.headers["cache-control"].endswith("immutable")
        tags.add(closed.headers["etag"])
        again = http.get(url.removeprefix(BASE), headers={
            "accept": accept, "if-none-match": closed.headers["etag"]})
        assert again.status_code == 304
        assert not again.content
    assert len(tags) == 2  # one validator per representation
    newest = f"/feed/{StoreLayout(store).generations()[-1].id}/1"
    opened = http.get(newest, headers=TRIG)
    assert opened.headers["cache-control"] == "no-cache"
    assert http.get(newest, headers={**TRIG, "if-none-match": opened.headers["etag"]}
                    ).status_code == 304
    assert http.get(newest, headers={**TRIG, "if-none-match": '"other"'}).status_code == 200
    feed = http.get("/feed", headers=TRIG)
    assert http.get("/feed", headers={**TRIG, "if-none-match": feed.headers["etag"]}
                    ).status_code == 304


def test_export_writes_each_generation_of_the_feed_once(store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    (folder / ".g000001.partial").mkdir(parents=True)  # a write cut short earlier
    written = write_feed(StoreLayout(store), folder)
    assert [(w.generation, w.pages) for w in written] == [
        ("g000001", 1), ("g000002", 1), ("g000003", 1)]
    assert write_feed(StoreLayout(store), folder) == []  # written generations never change
    served = FolderFeed(folder)
    computed = StoreFeed(EmbeddedRepo(store))
    assert served.generations() == computed.generations()
    assert served.base_iri() == computed.base_iri() == BASE
    for generation in computed.generations():
        assert served.page_count(generation.id) == computed.page_count(generation.id)
        assert served.members(generation.id, 1) == computed.members(generation.id, 1)
    assert served.members("g000001", 2) is None
    assert not (folder / ".g000001.partial").exists()


def test_a_generation_whose_predecessor_is_gone_is_not_guessed(store: Path,
                                                               tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    write_feed(StoreLayout(store), folder)
    shutil.rmtree(folder / "g000002")
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    shutil.rmtree(copy / "generations" / "g000001")  # pruned: g000002's changes are unknown
    written = write_feed(StoreLayout(copy), folder)
    assert [(w.generation, w.pages) for w in written] == [("g000002", 0)]
    assert "no longer on disk" in written[0].note
    assert [g.id for g in FolderFeed(folder).generations()] == ["g000001", "g000003"]


def test_a_generation_with_more_changes_than_a_page_is_walked_whole(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("feed-pages")
    source = folder / "many.csv"
    identifiers = [f"m{number:03d}" for number in range(2 * PAGE_SIZE + 30)]
    source.write_text(csv_text(DATASET_HEADER, [dataset_row(i) for i in identifiers]), "utf-8")
    load([source], folder / "store", LoadOptions(base_iri=BASE, workers=1))
    with open_client(folder / "store", query_workers=1) as client:
        pages = _walk(client)
        assert len(pages) == 3
        assert [cache for _, cache in pages] == [IMMUTABLE, IMMUTABLE, "no-cache"]
        created = [obj.rsplit("/", 1)[1] for quads, _ in pages
                   for kind, obj in _members(quads).values() if "/datasets/" in obj]
        assert sorted(created) == identifiers  # each exactly once
        second, _ = pages[1]
        node = NamedNode(f"{BASE}/feed/g000001/2")
        assert Quad(node, NamedNode(HYDRA.previous), NamedNode(f"{BASE}/feed/g000001/1")) \
            in second
        assert Quad(node, NamedNode(HYDRA.next), NamedNode(f"{BASE}/feed/g000001/3")) in second
        assert client.get("/feed/g000001/4", headers=TRIG).status_code == 404
