"""The paged catalogue: a harvester's walk over the real 2,000-dataset sample sees each dataset
exactly once, also across a publication mid-walk; filters; absolute links behind a proxy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse
from starlette.testclient import TestClient

from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from loader.report import LoadReport
from ontology.namespaces import DCAT, DCATAP, DCT, FOAF, HVD_LEGISLATION, HYDRA, RDF
from shapes.service import ValidationRequest, validate_file
from tests.conftest import BASE, DCAT_AP, requires_shared
from tests.sparql_support import open_client


def _walk(http: TestClient, first: str) -> tuple[list[str], list[str]]:
    """Follow ``hydra:next`` from ``first``: the datasets of every page, and the page IRIs."""
    seen: list[str] = []
    pages: list[str] = []
    url: str | None = first
    while url is not None:
        response = http.get(url.removeprefix(BASE), headers={"accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        triples = list(parse(response.content, format=RdfFormat.N_TRIPLES))
        seen += _datasets(triples)
        view = next(t.subject for t in triples
                    if t.object == NamedNode(HYDRA.PartialCollectionView))
        pages.append(view.value)
        url = next((t.object.value for t in triples
                    if t.subject == view and t.predicate == NamedNode(HYDRA.next)), None)
    return seen, pages


def _datasets(triples: list[Triple]) -> list[str]:
    return sorted(_value(t.subject) for t in triples if t.predicate == NamedNode(RDF.type)
                  and t.object == NamedNode(DCAT.Dataset))


def _value(term: object) -> str:
    assert isinstance(term, NamedNode | Literal)
    return term.value


def _published_datasets(store_dir: Path) -> set[str]:
    generation = StoreLayout(store_dir).current()
    assert generation is not None
    store = Store.read_only(str(generation.path))
    return {_value(q.subject) for q in store.quads_for_pattern(
        None, NamedNode(RDF.type), NamedNode(DCAT.Dataset), None)}


@pytest.fixture
def sample(real_sample_store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(real_sample_store, copy, symlinks=True)
    return copy


def test_walk_sees_each_dataset_once_across_a_publication(sample: Path, real_sample_store: Path,
                                                          tmp_path: Path) -> None:
    expected = _published_datasets(sample)
    smaller = tmp_path / "smaller.csv"
    with open_client(sample, query_workers=1) as http:
        first = http.get("/catalog?page_size=500", headers={"accept": "application/n-triples"})
        triples = list(parse(first.content, format=RdfFormat.N_TRIPLES))
        start = next(t.object.value for t in triples if t.predicate == NamedNode(HYDRA.first))
        total = next(int(t.object.value) for t in triples
                     if t.predicate == NamedNode(HYDRA.totalItems))
        assert total == len(expected)
        # a new, smaller generation is published while the walk goes on
        with (real_sample_store.parent / "datasets.csv").open(encoding="utf-8",
                                                              newline="") as source:
            text = source.read()
        with smaller.open("w", encoding="utf-8", newline="") as sink:
            sink.write(text[: text.index("\r\n\"", len(text) // 40)] + "\r\n")
        seen_first = _datasets(triples)
        load([smaller], sample, LoadOptions(base_iri=BASE, workers=1))
        assert _published_datasets(sample) < expected
        seen, pages = _walk(http, start)
        assert sorted(seen) == sorted(expected)
        assert len(seen) == len(set(seen))
        assert seen_first == seen[:500]
        assert len(pages) == -(-len(expected) // 500)
        assert all(page.startswith(f"{BASE}/catalog?") and "generation=g000001" in page
                   for page in pages)
        fresh = http.get("/catalog?page_size=1000", headers={"accept": "application/n-triples"})
        assert "generation=g000002" in fresh.headers["content-location"]


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    with open_client(demo_store[0], query_workers=1) as client:
        yield client


@pytest.fixture(scope="module")
def demo(demo_store: tuple[Path, LoadReport]) -> Store:
    generation = StoreLayout(demo_store[0]).current()
    assert generation is not None
    return Store.read_only(str(generation.path))


def _objects(store: Store, predicate: str, obj: NamedNode | None = None) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, NamedNode(predicate), obj, None):
        found.setdefault(_value(quad.subject), set()).add(_value(quad.object))
    return found


def _filtered(http: TestClient, **params: str) -> list[str]:
    response = http.get("/catalog", params={"page_size": "1000", **params},
                        headers={"accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return _datasets(list(parse(response.content, format=RdfFormat.N_TRIPLES)))


def test_filters(http: TestClient, demo: Store) -> None:
    datasets = {_value(q.subject) for q in demo.quads_for_pattern(
        None, NamedNode(RDF.type), NamedNode(DCAT.Dataset), None)}
    publishers = _objects(demo, DCT.publisher)
    organization = sorted({p for d in datasets for p in publishers.get(d, ())})[0]
    assert _filtered(http, organization=organization.rsplit("/", 1)[1]) == sorted(
        d for d in datasets if organization in publishers.get(d, ()))
    keywords = _objects(demo, DCAT.keyword)
    keyword = sorted(k for d in datasets for k in keywords.get(d, ()))[0]
    assert _filtered(http, keyword=keyword.upper()) == sorted(
        d for d in datasets if keyword.lower() in {k.lower() for k in keywords.get(d, ())})
    hvd = set(_objects(demo, DCATAP.applicableLegislation, NamedNode(HVD_LEGISLATION)))
    assert _filtered(http, hvd="true") == sorted(d for d in datasets if d in hvd)
    assert _filtered(http, hvd="false") == sorted(d for d in datasets if d not in hvd)
    members = _objects(demo, DCAT.dataset)
    theme = next(iri for iri in members if "/themes/" in iri)
    assert _filtered(http, theme=theme.rsplit("/", 1)[1]) == sorted(members[theme])
    formats = _objects(demo, DCT.format)
    distributions = _objects(demo, DCAT.distribution)
    with_csv = sorted(d for d in datasets if any(
        f.endswith("/CSV") for r in distributions.get(d, ()) for f in formats.get(r, ())))
    assert with_csv
    assert _filtered(http, format="csv") == with_csv
    modified = _objects(demo, DCT.modified)
    cut = sorted(m for d in datasets for m in modified.get(d, ()))[len(datasets) // 2]
    assert _filtered(http, modified_since=cut) == sorted(
        d for d in datasets if any(m >= cut for m in modified.get(d, ())))


def test_links_ignore_the_request_host(http: TestClient) -> None:
    response = http.get("/catalog?page_size=10", headers={
        "host": "evil.example", "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "http", "accept": "text/turtle"})
    triples = list(parse(response.content, format=RdfFormat.TURTLE))
    links = [t.object.value for t in triples if t.predicate.value.startswith(HYDRA.iri)
             and isinstance(t.object, NamedNode)]
    assert links
    assert all(link.startswith(f"{BASE}/catalog?") for link in links)
    assert "evil" not in response.text


def test_a_page_revalidates_with_its_etag(http: TestClient) -> None:
    first = http.get("/catalog.ttl?page_size=5")
    etag = first.headers["etag"]
    again = http.get("/catalog.ttl?page_size=5", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert not again.content
    other_page = http.get("/catalog.ttl?page_size=5&page=2", headers={"if-none-match": etag})
    assert other_page.status_code == 200
    assert other_page.headers["etag"] != etag
    other_format = http.get("/catalog.nt?page_size=5", headers={"if-none-match": etag})
    assert other_format.status_code == 200


@pytest.mark.parametrize(("suffix", "rdf_format"), [
    ("ttl", RdfFormat.TURTLE), ("nt", RdfFormat.N_TRIPLES), ("rdf", RdfFormat.RDF_XML),
    ("jsonld", RdfFormat.JSON_LD)])
def test_formats(http: TestClient, suffix: str, rdf_format: RdfFormat) -> None:
    response = http.get(f"/catalog.{suffix}?page_size=3")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == rdf_format.media_type
    assert len(_datasets(list(parse(response.content, format=rdf_format)))) == 3


@pytest.mark.parametrize(("query", "status"), [
    ("page=0", 400), ("page_size=5000", 400), ("page=x", 400), ("page=999", 404),
    ("hvd=maybe", 400), ("modified_since=yesterday", 400), ("generation=g999999", 410)])
def test_bad_requests(http: TestClient, query: str, status: int) -> None:
    response = http.get(f"/catalog?{query}")
    assert response.status_code == status
    assert response.json()["message"]


def test_unacceptable_format(http: TestClient) -> None:
    assert http.get("/catalog.exe").status_code == 406
    assert http.get("/catalog", headers={"accept": "image/png"}).status_code in (200, 406)


def test_a_thematic_catalogue_is_paged_too(http: TestClient, demo: Store) -> None:
    themes = sorted(_value(q.subject) for q in demo.quads_for_pattern(
        None, NamedNode(DCT.isPartOf), NamedNode(f"{BASE}/catalog"), None))
    assert themes
    for theme in themes:
        expected = {_value(q.object) for q in demo.quads_for_pattern(
            NamedNode(theme), NamedNode(DCAT.dataset), None, None)}
        assert expected, theme
        slug = theme.rsplit("/", 1)[1]
        seen, pages = _walk(http, f"{theme}?page=1&page_size=2")
        assert sorted(seen) == sorted(expected)
        assert len(seen) == len(set(seen))
        assert len(pages) == -(-len(expected) // 2)
        assert all(page.startswith(f"{theme}?page=") and "theme=" not in page
                   for page in pages)
        first = http.get(f"/themes/{slug}.nt?page=1")
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("application/n-triples")
        triples = [quad.triple for quad in parse(first.content, format=RdfFormat.N_TRIPLES)]
        assert Triple(NamedNode(theme), NamedNode(RDF.type), NamedNode(HYDRA.Collection)) \
            in triples
        assert Triple(NamedNode(theme), NamedNode(RDF.type), NamedNode(DCAT.Catalog)) in triples
    # without paging parameters the theme is its record description; unknown themes are 404
    record = http.get(f"/themes/{themes[0].rsplit('/', 1)[1]}",
                      headers={"accept": "text/turtle"})
    assert record.status_code == 200
    assert "PartialCollectionView" not in record.text
    assert http.get("/themes/no-such-theme?page=1").status_code == 404
    assert http.get(f"/themes/{themes[0].rsplit('/', 1)[1]}?page=0").status_code == 400


def test_a_page_carries_its_catalogue_tree_and_the_agents_its_datasets_name(
        http: TestClient, demo_store: tuple[Path, LoadReport]) -> None:
    """Besides its datasets, a page holds exactly: the catalogue's graph, its thematic parts'
    graphs, and the graph of each publisher of its datasets, once each, as published."""
    response = http.get("/catalog?page=2&page_size=10",
                        headers={"accept": "application/n-quads"})
    assert response.status_code == 200
    quads = list(parse(response.content, format=RdfFormat.N_QUADS))
    datasets = {q.subject for q in quads if q.predicate == NamedNode(RDF.type)
                and q.object == NamedNode(DCAT.Dataset)}
    assert len(datasets) == 10
    publishers = {q.object for q in quads if q.predicate == NamedNode(DCT.publisher)
                  and q.subject in datasets}
    root = NamedNode(f"{BASE}/catalog")
    parts = {q.object for q in quads if q.subject == root and q.predicate == NamedNode(
        DCT.hasPart)}
    assert parts
    assert publishers
    graphs = {q.graph_name for q in quads if isinstance(q.graph_name, NamedNode)}
    assert graphs == {root, *parts, *datasets, *publishers}
    repo = EmbeddedRepo(demo_store[0])
    for graph in graphs:
        on_page = {q for q in quads if q.graph_name == graph}
        assert on_page == set(repo.record_graph(graph.value)), graph
    assert all(Quad(agent, NamedNode(RDF.type), NamedNode(FOAF.Agent), agent) in quads
               for agent in publishers)


@pytest.mark.parametrize("page", ["/catalog.ttl?page=2&page_size=20",
                                  "/themes/transport.ttl?page=1&page_size=20"])
def test_a_page_alone_passes_the_official_shapes(http: TestClient, tmp_path: Path,
                                                 page: str) -> None:
    """What a harvester cuts a dataset from: one Turtle page of the root catalogue or of a
    thematic one, validated by itself (the EU vocabularies as background): zero Violations."""
    requires_shared(DCAT_AP / "vocabularies")
    path = tmp_path / "page.ttl"
    path.write_bytes(http.get(page).content)
    report = validate_file(path, ValidationRequest(shapes="official-3.0.1"))
    assert report.checks > 0
    assert report.conforms, report.to_text(limit=50)
