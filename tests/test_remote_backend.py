"""The remote backend: ``ldcat load --backend`` publishes into a real remote SPARQL store,
and the app in front of it answers like the app on the embedded store.

Each remote store runs privately on 127.0.0.1 (:mod:`tests.remote_stores`). The demo
catalogue is loaded once into a local store, pushed, and every comparison is between the
embedded app and the remote-backed app over the same generation.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx2
import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, NamedNode, RdfFormat, parse
from starlette.testclient import TestClient

from endpoint.app import create_app_for_backend, create_app_for_store
from ldcat.cli import main as cli
from loader.generations import StoreLayout
from loader.remote.client import RemoteStore
from loader.remote.publish import push_generation
from loader.remote.repo import RemoteRepo, marker_generation
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row
from tests.remote_stores import RemoteStore as StoreProcess
from tests.remote_stores import oxigraph_store, virtuoso_store

TITLE = NamedNode("http://purl.org/dc/terms/title")
DATASET = "/datasets/6579d066f1f2831f9e3190ec"
QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }",
    "SELECT ?d ?title WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
    "<http://purl.org/dc/terms/title> ?title } ORDER BY ?d",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    f"FILTER(STRSTARTS(STR(?g), \"{BASE}/\")) }} GROUP BY ?g ORDER BY ?g",
    "ASK { ?d <http://www.w3.org/ns/dcat#distribution> ?x }",
    "SELECT ?size WHERE { ?x <http://www.w3.org/ns/dcat#byteSize> ?size } ORDER BY ?size "
    "LIMIT 5",
]


@pytest.fixture(scope="module")
def remote(remote_store: StoreProcess) -> StoreProcess:
    """Each private remote store in turn (``tests.conftest.remote_store``)."""
    return remote_store


@contextlib.contextmanager
def short_lived(kind: str, folder: Path, template: Path | None) -> Iterator[StoreProcess]:
    """Another private store of ``kind``, stopped when the block ends."""
    folder.mkdir()
    if kind == "oxigraph":
        with oxigraph_store(folder) as store:
            yield store
    else:
        assert template is not None
        with virtuoso_store(folder, template) as store:
            yield store


@pytest.fixture(scope="module")
def published(remote: StoreProcess, demo_store: tuple[Path, object],
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store, its generation pushed into ``remote``."""
    store = tmp_path_factory.mktemp("local") / "store"
    shutil.copytree(demo_store[0], store, symlinks=True)
    assert cli(["load", "--store", str(store), "--update", "--quiet",
                "--backend", remote.query_url, "--backend-update", remote.update_url,
                str(_empty_datasets(store.parent))]) == 0
    return store


def _empty_datasets(folder: Path) -> Path:
    path = folder / "no-datasets.csv"
    path.write_text(csv_text(DATASET_HEADER, []), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clients(published: Path, remote: StoreProcess
            ) -> Iterator[tuple[TestClient, TestClient]]:
    embedded = create_app_for_store(published)
    backed = create_app_for_backend(remote.query_url, remote.update_url)
    with TestClient(embedded, base_url=BASE) as local, TestClient(backed, base_url=BASE) as far:
        yield local, far


def _dataset(body: bytes, media_type: str) -> Dataset:
    return Dataset(parse(body, format=RdfFormat.from_media_type(media_type)))


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv",
                                    "application/sparql-results+xml"])
def test_sparql_answers_match_the_embedded_store(clients: tuple[TestClient, TestClient],
                                                 query: str, accept: str) -> None:
    local, far = clients
    expected = local.get("/sparql", params={"query": query}, headers={"accept": accept})
    answer = far.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert expected.status_code == answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == expected.headers["content-type"]
    assert answer.headers["ldcat-generation"] == expected.headers["ldcat-generation"]
    assert _oxigraph_datatypes(answer.content) == expected.content


def _oxigraph_datatypes(body: bytes) -> bytes:
    """``body`` with derived integer datatypes as Oxigraph reports them: its storage keeps
    ``xsd:nonNegativeInteger`` as ``xsd:integer`` (oxigraph #526), Virtuoso keeps it."""
    return body.replace(b"XMLSchema#nonNegativeInteger", b"XMLSchema#integer")


def test_construct_gives_the_same_graph(clients: tuple[TestClient, TestClient]) -> None:
    local, far = clients
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BASE}{DATASET}> {{ ?s ?p ?o }} }}"
    expected = local.get("/sparql", params={"query": query}, headers={"accept": "text/turtle"})
    answer = far.get("/sparql", params={"query": query}, headers={"accept": "text/turtle"})
    assert answer.status_code == 200, answer.text
    graph = _dataset(answer.content, "text/turtle")
    assert len(graph) > 20
    assert graph == _dataset(expected.content, "text/turtle")


def test_result_cap_and_errors(published: Path, remote: StoreProcess) -> None:
    from endpoint.settings import EndpointSettings

    app = create_app_for_backend(remote.query_url, remote.update_url,
                                 EndpointSettings(max_rows=3))
    with TestClient(app, base_url=BASE) as far:
        capped = far.get("/sparql", params={"query": QUERIES[1]},
                         headers={"accept": "text/csv"})
        assert capped.status_code == 200
        assert capped.headers["ldcat-result-truncated"] == "true"
        assert len(capped.text.strip().splitlines()) == 4  # header + 3 rows
        refused = far.get("/sparql", params={
            "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert refused.status_code == 400
        update = far.post("/sparql", data={"update": "CLEAR ALL"})
        assert update.status_code == 403  # as on the embedded store: updates are not public


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf", ".jsonld"])
def test_record_documents_match_the_embedded_store(clients: tuple[TestClient, TestClient],
                                                   suffix: str) -> None:
    local, far = clients
    expected = local.get(DATASET + suffix)
    answer = far.get(DATASET + suffix)
    assert expected.status_code == answer.status_code == 200, answer.text
    media_type = answer.headers["content-type"].split(";")[0]
    assert media_type == expected.headers["content-type"].split(";")[0]
    if suffix == ".jsonld":
        assert answer.json() == expected.json()
    else:
        assert _dataset(answer.content, media_type) == _dataset(expected.content, media_type)


def test_record_pages_negotiate_and_revalidate(clients: tuple[TestClient, TestClient]) -> None:
    _, far = clients
    page = far.get(DATASET, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "<html" in page.text
    assert "dcat" in page.text.lower()
    turtle = far.get(DATASET, headers={"accept": "text/turtle"})
    etag = turtle.headers["etag"]
    again = far.get(DATASET, headers={"accept": "text/turtle", "if-none-match": etag})
    assert again.status_code == 304
    assert far.get("/datasets/no-such-dataset").status_code == 404
    assert far.get("/-/ready").json()["status"] == "ok"


def test_routes_without_a_remote_counterpart_say_so(clients: tuple[TestClient, TestClient]
                                                    ) -> None:
    _, far = clients
    for path in ("/feed", "/exports/"):  # without --exports DIR, where both are written
        answer = far.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["message"], path
    assert far.get("/", headers={"accept": "text/html"}).status_code == 200


def _ready(client: TestClient, path: str) -> httpx2.Response:
    """``path`` once the server's search index is built (503 until then)."""
    deadline = time.monotonic() + 60
    while (answer := client.get(path)).status_code == 503:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)
    return answer


@pytest.mark.parametrize("path", ["/search.json?q=transport", "/search.json?q=eau&page=1",
                                  "/search.json?format=csv", "/sitemap.xml",
                                  "/sitemap-datasets-1.xml", "/sitemap-resources-1.xml"])
def test_search_and_sitemaps_match_the_embedded_store(clients: tuple[TestClient, TestClient],
                                                      path: str) -> None:
    local, far = clients
    expected, answer = _ready(local, path), _ready(far, path)
    assert expected.status_code == answer.status_code == 200, answer.text
    assert answer.content == expected.content


@pytest.mark.parametrize("query", ["page=1&page_size=10", "page=2&page_size=10",
                                   "keyword=transport&page_size=5", "hvd=true"])
@pytest.mark.parametrize("accept", ["application/n-quads", "text/turtle"])
def test_catalogue_pages_match_the_embedded_store(clients: tuple[TestClient, TestClient],
                                                  query: str, accept: str) -> None:
    local, far = clients
    expected = local.get(f"/catalog?{query}", headers={"accept": accept})
    answer = far.get(f"/catalog?{query}", headers={"accept": accept})
    assert expected.status_code == answer.status_code == 200, answer.text
    media_type = answer.headers["content-type"].split(";")[0]
    assert answer.headers["content-location"] == expected.headers["content-location"]
    remote_page, local_page = (_dataset(answer.content, media_type),
                               _dataset(expected.content, media_type))
    remote_page.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    local_page.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    assert len(remote_page) > 0
    assert remote_page == local_page, _difference(remote_page, local_page)


def _difference(remote: Dataset, local: Dataset) -> str:
    only_remote = sorted(map(str, set(remote) - set(local)))[:5]
    only_local = sorted(map(str, set(local) - set(remote)))[:5]
    return f"only remote: {only_remote}\nonly local: {only_local}"


def test_a_walk_on_a_replaced_generation_restarts(clients: tuple[TestClient, TestClient]
                                                  ) -> None:
    _, far = clients
    answer = far.get("/catalog.ttl?page=1&generation=g000001")
    assert answer.status_code == 410
    assert "start the walk again" in answer.json()["message"]


def test_a_store_that_stops_answering_gives_503(published: Path, remote: StoreProcess,
                                                tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    template = request.getfixturevalue("virtuoso_template_dir") \
        if remote.kind == "virtuoso" else None
    with short_lived(remote.kind, tmp_path / "short-lived", template) as stopped:
        store = RemoteStore(stopped.query_url, stopped.update_url)
        layout = StoreLayout(published)
        current = layout.current()
        assert current is not None
        push_generation(layout, current, store)
        store.close()
        app = create_app_for_backend(stopped.query_url, stopped.update_url)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as far:
        for path in ("/-/ready", DATASET + ".ttl", "/catalog.ttl", "/",
                     "/sparql?query=ASK%7B%7D"):
            answer = far.get(path)
            assert answer.status_code == 503, (path, answer.text)
        assert far.get("/-/health").status_code == 200



def test_an_update_sends_only_the_changes(published: Path, remote: StoreProcess,
                                          tmp_path: Path) -> None:
    store = RemoteStore(remote.query_url, remote.update_url)
    try:
        before = marker_generation(store)
        assert before is not None
        app = create_app_for_backend(remote.query_url, remote.update_url)
        far = TestClient(app, base_url=BASE)
        assert far.get("/-/ready").json()["generation"] == before.id
        changed = tmp_path / "datasets.csv"
        changed.write_text(csv_text(DATASET_HEADER, [dataset_row(
            "6579d066f1f2831f9e3190ec", title="Titre changé à distance",
            organization_id="", organization="")]), encoding="utf-8")
        assert cli(["load", "--store", str(published), "--update", "--quiet",
                    "--backend", remote.query_url, "--backend-update", remote.update_url,
                    str(changed)]) == 0
        after = marker_generation(store)
        assert after is not None
        assert after.id > before.id
        repo = RemoteRepo(store)
        titles = [str(quad.object) for quad in repo.record_graph(BASE + DATASET)
                  if quad.subject == NamedNode(BASE + DATASET) and quad.predicate == TITLE]
        assert titles == ['"Titre changé à distance"@fr']
        # a running app follows the marker without a restart (re-read each second)
        deadline = time.monotonic() + 10
        while far.get("/-/ready").json()["generation"] != after.id:
            assert time.monotonic() < deadline, "the app never saw the new generation"
            time.sleep(0.2)
        page = far.get(DATASET + ".ttl")
        assert page.headers["ldcat-generation"] == after.id
        assert "Titre changé à distance" in page.text
    finally:
        store.close()


def test_a_failed_publication_leaves_the_marker(published: Path, remote: StoreProcess,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    store = RemoteStore(remote.query_url, remote.update_url)
    try:
        before = marker_generation(store)
        new = tmp_path / "datasets.csv"
        new.write_text(csv_text(DATASET_HEADER, [dataset_row("remote-new-1")]),
                       encoding="utf-8")
        status = cli(["load", "--store", str(published), "--update", "--quiet",
                      "--backend", remote.query_url,
                      "--backend-update", urljoin(remote.query_url, "/no-such-endpoint"),
                      str(new)])
        assert status == 3
        assert "still names the previous generation" in capsys.readouterr().err
        assert marker_generation(store) == before
        # the next publication catches up: the remote store holds the new dataset
        layout = StoreLayout(published)
        current = layout.current()
        assert current is not None
        push_generation(layout, current, store)
        after = marker_generation(store)
        assert after is not None
        assert after.id == current.id
        assert RemoteRepo(store).record_graph(f"{BASE}/datasets/remote-new-1")
    finally:
        store.close()


def test_dumps_are_served_from_an_exports_folder(published: Path, remote: StoreProcess) -> None:
    from endpoint.settings import EndpointSettings

    assert cli(["export", "--store", str(published), "--format", "nt"]) == 0
    folder = published / "exports"
    embedded = create_app_for_store(published)
    backed = create_app_for_backend(remote.query_url, remote.update_url,
                                    EndpointSettings(exports_dir=str(folder)))
    with TestClient(embedded, base_url=BASE) as local, TestClient(backed, base_url=BASE) as far:
        manifest = far.get("/exports/", headers={"accept": "application/json"})
        assert manifest.status_code == 200, manifest.text
        assert manifest.json() == local.get("/exports/",
                                            headers={"accept": "application/json"}).json()
        name = manifest.json()["files"][0]["file"]
        whole = far.get(f"/exports/{name}")
        assert whole.content == local.get(f"/exports/{name}").content
        part = far.get(f"/exports/{name}", headers={"range": "bytes=10-19"})
        assert part.status_code == 206
        assert part.content == whole.content[10:20]
        void = far.get("/-/void", headers={"accept": "application/n-triples"})
        assert f"{BASE}/exports/{name}".encode() in void.content


def _feed_pages(client: TestClient) -> list[tuple[str, Dataset]]:
    """Every page of the feed along its next links: (page IRI, canonical dataset)."""
    root = list(parse(client.get("/feed", headers={"accept": "application/n-quads"}).content,
                      format=RdfFormat.N_QUADS))
    view = NamedNode("https://w3id.org/tree#view")
    url: str | None = next(q.object.value for q in root if q.predicate == view)
    pages = []
    while url is not None:
        answer = client.get(url.removeprefix(BASE), headers={"accept": "application/n-quads"})
        assert answer.status_code == 200, answer.text
        dataset = Dataset(parse(answer.content, format=RdfFormat.N_QUADS))
        dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
        pages.append((url, dataset))
        url = next((q.object.value for q in dataset
                    if q.predicate.value == "http://www.w3.org/ns/hydra/core#next"), None)
    return pages


def test_the_feed_is_served_from_an_exports_folder(published: Path,
                                                   remote: StoreProcess) -> None:
    from endpoint.settings import EndpointSettings

    folder = published.parent / "served"
    backed = create_app_for_backend(remote.query_url, remote.update_url,
                                    EndpointSettings(exports_dir=str(folder)))
    with TestClient(backed, base_url=BASE) as far:
        unwritten = far.get("/feed")
        assert unwritten.status_code == 503
        assert "ldcat export" in unwritten.json()["message"]
        assert cli(["export", "--store", str(published), "--format", "nt", "--profile",
                    "hvd", "--out", str(folder / "dumps"), "--feed-dir",
                    str(folder / "feed")]) == 0
        with TestClient(create_app_for_store(published), base_url=BASE) as local:
            expected = _feed_pages(local)
        answered = _feed_pages(far)
    assert len(expected) >= 2  # the demo's creations, the empty update, and any pushed since
    assert len(expected[0][1]) > 500
    assert [url for url, _ in answered] == [url for url, _ in expected]
    for (url, page), (_, want) in zip(answered, expected, strict=True):
        assert page == want, url
