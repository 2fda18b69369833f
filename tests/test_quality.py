"""Metadata quality (after the EU MQA): points per dataset, DQV in the store, totals, fixes,
the DCAT-AP compliance verdicts of the gate, URL checks, updates, the CLI and the pages."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from ldcat.cli import main
from loader.gate import GateOptions
from loader.generations import QUALITY_KIND, StoreLayout
from loader.load import LoadOptions, load
from loader.quality import QualityOptions
from loader.quality.dqv import quality_graph
from loader.repo import EmbeddedRepo
from loader.statistics import compute_statistics
from ontology.quality import INDICATORS, INDICATORS_BY_KEY, SCORE_METRIC
from tests.conftest import (
    BASE,
    DATASET_HEADER,
    RESOURCE_HEADER,
    csv_text,
    dataset_row,
    resource_row,
)
from tests.quality_support import text_and_sparql
from tests.test_gate import TEMPORAL_SHAPE
from tests.test_harvest import serve_handler

DQV = "http://www.w3.org/ns/dqv#"
RICH, BARE = f"{BASE}/datasets/q1", f"{BASE}/datasets/q2"



def _sources(folder: Path, url: str = "https://static.example.org") -> list[Path]:
    """q1: keywords, a temporal coverage, three distributions of varied quality; q2: bare."""
    datasets = folder / "datasets.csv"
    datasets.write_text(csv_text(DATASET_HEADER, [
        dataset_row("q1", license="cc-by-4.0", **{"temporal_coverage.start": "2020-01-01",
                                                  "temporal_coverage.end": "2020-12-31"}),
        dataset_row("q2", tags="", license="License Not Specified"),
    ]), "utf-8")
    resources = folder / "resources.csv"
    resources.write_text(csv_text(RESOURCE_HEADER, [
        resource_row("q1", "r1", url=f"{url}/ok.csv", format="csv", mime="text/csv",
                     filesize=10),
        resource_row("q1", "r2", url=f"{url}/missing.xls", format="xls", mime="",
                     filetype="remote", filesize=""),
        resource_row("q1", "r3", url=f"{url}/ok.weird", format="weirdfmt", mime="",
                     filetype="remote", filesize=""),
    ]), "utf-8")
    return [datasets, resources]


def _points(store_dir: Path) -> dict[str, dict[str, float]]:
    """Dataset -> metric -> value, read back from the published DQV."""
    repo = EmbeddedRepo(store_dir)
    found: dict[str, dict[str, float]] = {}
    for row in repo.query(f"""SELECT ?d ?metric ?value WHERE {{ GRAPH ?g {{
            ?m a <{DQV}QualityMeasurement> ; <{DQV}computedOn> ?d ;
               <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value }} }}"""):  # type: ignore[union-attr]
        assert isinstance(row["value"], Literal)
        found.setdefault(row["d"].value, {})[row["metric"].value] = float(row["value"].value)
    return found


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quality")
    store = folder / "store"
    load(_sources(folder), store, LoadOptions(base_iri=BASE, workers=1))
    return store


def _metric(key: str) -> str:
    return INDICATORS_BY_KEY[key].metric


def test_distribution_indicators_earn_their_share(measured: Path) -> None:
    rich = _points(measured)[RICH]
    # r1 csv + text/csv, downloadable, sized; r2 xls (media type from the format), remote,
    # no size; r3 an unknown format: no format IRI, no media type
    expected = {"format": 20 * 2 / 3, "media-type": 10 * 2 / 3,
                "format-vocabulary": 10 * 2 / 3, "non-proprietary": 20 / 3,
                "machine-readable": 20 * 2 / 3, "download-url": 20 / 3, "byte-size": 5 / 3,
                "issued": 5, "modified": 5, "licence": 20, "licence-vocabulary": 10}
    for key, points in expected.items():
        assert rich[_metric(key)] == pytest.approx(points, abs=0.01), key


def test_dataset_indicators_follow_the_metadata(measured: Path) -> None:
    points = _points(measured)
    assert points[RICH][_metric("keyword")] == 30
    assert points[BARE][_metric("keyword")] == 0
    assert points[RICH][_metric("temporal")] == 20
    assert points[BARE][_metric("temporal")] == 0
    repo = EmbeddedRepo(measured)
    for indicator in INDICATORS:
        if indicator.scope != "dataset":
            continue
        for dataset in (RICH, BARE):
            condition = indicator.condition.replace("?d", f"<{dataset}>")
            present = repo.query(f"ASK {{ GRAPH ?g {{ {condition} }} }}")
            assert points[dataset][indicator.metric] == (
                indicator.points if bool(present) else 0), (indicator.key, dataset)


def test_a_dataset_without_distributions_gets_no_distribution_points(measured: Path) -> None:
    bare = _points(measured)[BARE]
    for indicator in INDICATORS:
        if indicator.scope == "distribution":
            assert bare[indicator.metric] == 0, indicator.key


def test_measurements_are_dqv_in_a_graph_per_dataset(measured: Path) -> None:
    points = _points(measured)
    assessed = [i for i in INDICATORS if not i.needs_network]  # the gate validated
    for dataset in (RICH, BARE):
        assert set(points[dataset]) == {i.metric for i in assessed} | {SCORE_METRIC}
        total = sum(value for metric, value in points[dataset].items() if metric != SCORE_METRIC)
        assert points[dataset][SCORE_METRIC] == pytest.approx(total, abs=0.02)
    store = Store.read_only(str(StoreLayout(measured).current().path))  # type: ignore[union-attr]
    graph = NamedNode(quality_graph(RICH, BASE))
    assert graph.value == f"{RICH}/quality"
    assert store.query(f"ASK {{ GRAPH {graph} {{ {graph} a <{DQV}QualityMetadata> }} }}")
    generation = StoreLayout(measured).current()
    assert generation is not None
    index = StoreLayout(measured).graphs(generation)
    assert index[graph.value].kind == QUALITY_KIND
    assert generation.manifest["statistics"]["graphs"] == sum(
        1 for entry in index.values() if entry.kind != QUALITY_KIND)


def test_totals_fixes_and_the_cli(measured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generation = StoreLayout(measured).current()
    assert generation is not None
    summary = json.loads((generation.path.parent / f"{generation.id}.quality.json").read_text())
    points = _points(measured)
    scores = [points[d][SCORE_METRIC] for d in (RICH, BARE)]
    assert summary["catalogue"]["datasets"] == 2
    assert summary["catalogue"]["score"] == pytest.approx(sum(scores) / 2, abs=0.02)
    assert summary["max_score"] == 325
    gains = [fix["gain"] for fix in summary["catalogue"]["fixes"]]
    assert gains == sorted(gains, reverse=True)
    keyword = next(f for f in summary["catalogue"]["fixes"] if f["indicator"] == "keyword")
    assert keyword["datasets"] == 1
    assert keyword["text"] == "+30: 1 datasets have no keyword"
    assert generation.manifest["quality"]["score"] == summary["catalogue"]["score"]
    organization = f"{BASE}/organizations/org1"
    assert summary["organizations"][organization]["datasets"] == 2

    assert main(["quality", "--store", str(measured)]) == 0
    out = capsys.readouterr().out
    assert "2 datasets" in out
    assert "+30: 1 datasets have no keyword" in out
    assert main(["quality", "--store", str(measured), "--organization", "org1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets"] == 2
    assert main(["quality", "--store", str(measured), "--organization", "nobody"]) == 2
    assert "no dataset published by organisation 'nobody'" in capsys.readouterr().err


def test_compliance_comes_from_the_gate(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "temporal.ttl").write_text(TEMPORAL_SHAPE)
    store = tmp_path / "store"
    load(_sources(tmp_path), store, LoadOptions(
        base_iri=BASE, workers=1, gate=GateOptions(shapes=str(shapes), on_invalid="keep")))
    points = _points(store)
    compliance = _metric("dcat-ap-compliance")
    assert points[RICH][compliance] == 30  # has a temporal coverage
    assert points[BARE][compliance] == 0  # published invalid under --on-invalid keep


def _assert_statistics_count_the_published_store(store_dir: Path) -> None:
    """The manifest's statistics (the quality graphs' triples counted as written, not read
    back) are what whole-store queries on the published generation count."""
    generation = StoreLayout(store_dir).current()
    assert generation is not None
    statistics = generation.manifest["statistics"]
    store = Store.read_only(str(generation.path))
    assert statistics == compute_statistics(store, statistics["graphs"])


def test_statistics_count_the_quality_graphs_as_written(measured: Path) -> None:
    _assert_statistics_count_the_published_store(measured)


def test_update_replaces_the_measurements_and_no_quality_removes_them(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(_sources(tmp_path), store, LoadOptions(base_iri=BASE, workers=1))
    changed = tmp_path / "changed.csv"
    changed.write_text(csv_text(DATASET_HEADER, [dataset_row("q2", tags="nouveau")]), "utf-8")
    load([changed], store, LoadOptions(base_iri=BASE, workers=1, update=True))
    _assert_statistics_count_the_published_store(store)
    points = _points(store)
    assert points[BARE][_metric("keyword")] == 30
    measurements = EmbeddedRepo(store).query(f"""SELECT (COUNT(*) AS ?n) WHERE {{
        GRAPH <{BARE}/quality> {{ ?m a <{DQV}QualityMeasurement> }} }}""")
    assert int(next(iter(measurements))["n"].value) == len(  # type: ignore[arg-type]
        [i for i in INDICATORS if not i.needs_network]) + 1
    load([changed], store, LoadOptions(base_iri=BASE, workers=1, update=True, quality=None))
    assert _points(store) == {}
    _assert_statistics_count_the_published_store(store)
    generation = StoreLayout(store).current()
    assert generation is not None
    assert not any(e.kind == QUALITY_KIND for e in StoreLayout(store).graphs(generation).values())


def test_quality_cli_explains_a_generation_without_measurements(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    assert main(["load", *map(str, _sources(tmp_path)), "--store", str(store),
                 "--base-iri", BASE, "--no-quality", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["quality", "--store", str(store)]) == 2
    assert "loaded without quality measurements" in capsys.readouterr().err
    assert main(["load", *map(str, _sources(tmp_path)), "--store", str(store),
                 "--no-quality", "--check-urls"]) == 2


class _Files(http.server.BaseHTTPRequestHandler):
    """Answers 200 for paths starting with /ok, 404 otherwise."""

    def _answer(self, body: bool) -> None:
        status = 200 if self.path.startswith("/ok") else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def file_server() -> Iterator[str]:
    with serve_handler(_Files) as url:
        yield url


def test_check_urls_asks_every_url(tmp_path: Path, file_server: str) -> None:
    store = tmp_path / "store"
    load(_sources(tmp_path, file_server), store, LoadOptions(
        base_iri=BASE, workers=1, quality=QualityOptions(check_urls=True)))
    rich = _points(store)[RICH]
    # access URLs: ok.csv and ok.weird answer, missing.xls is a 404
    assert rich[_metric("access-url-status")] == pytest.approx(50 * 2 / 3, abs=0.01)
    # download URLs: only r1 has one, and it answers
    assert rich[_metric("download-url-status")] == pytest.approx(30 / 3, abs=0.01)
    generation = StoreLayout(store).current()
    assert generation is not None
    assert generation.manifest["quality"]["max_score"] == 405


def test_pages_show_the_quality(measured: Path) -> None:
    client = TestClient(create_app_for_store(measured))
    page = client.get("/datasets/q1", headers={"accept": "text/html"})
    assert page.status_code == 200
    score = _points(measured)[RICH][SCORE_METRIC]
    assert "Qualité des métadonnées" in page.text
    assert f"{round(score, 1)} points sur 325" in page.text
    organization = client.get("/organizations/org1", headers={"accept": "text/html"})
    assert organization.status_code == 200
    assert "moyenne de ses jeux de données" in organization.text
    bare = client.get("/datasets/q2", headers={"accept": "text/html"})
    assert "Qualité des métadonnées" in bare.text


def test_quality_graphs_dereference_in_every_format(measured: Path) -> None:
    client = TestClient(create_app_for_store(measured))
    expected = _points(measured)[RICH]
    turtle = client.get("/datasets/q1/quality", headers={"accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = Store()
    graph.load(turtle.content, format=RdfFormat.TURTLE)
    values = {row["metric"].value: float(row["value"].value) for row in graph.query(  # type: ignore[union-attr]
        f"SELECT ?metric ?value WHERE {{ ?m <{DQV}isMeasurementOf> ?metric ; "
        f"<{DQV}value> ?value }}")}
    assert values == pytest.approx(expected)
    for suffix, media_type in ((".nt", "application/n-triples"),
                               (".rdf", "application/rdf+xml"),
                               (".jsonld", "application/ld+json"), (".html", "text/html")):
        answer = client.get(f"/datasets/q1/quality{suffix}")
        assert answer.status_code == 200, suffix
        assert answer.headers["content-type"].startswith(media_type), suffix
    html = client.get("/datasets/q1/quality.html").text
    assert 'href="/datasets/q1"' in html
    assert "Mots-clés" in html
    catalogue = client.get("/catalog/quality.ttl")
    assert catalogue.status_code == 200
    assert b"dqv:Metric" in catalogue.content
    assert client.get("/organizations/org1/quality.nt").status_code == 200
    assert client.get("/datasets/nothing/quality").status_code == 404
    assert client.get("/datasets/q1/quality.xyz").status_code == 404
    assert client.get("/datasets/q1/quality", params={"_mediatype": "nope"}).status_code == 406


def test_the_text_scan_equals_the_sparql_measurement(
        demo_store: tuple[Path, object], measured: Path) -> None:
    for store_dir in (demo_store[0], measured):
        (fast, fast_counts), (slow, slow_counts) = text_and_sparql(store_dir)
        assert fast.datasets == slow.datasets
        assert fast.publishers == slow.publishers
        assert fast.assessed == slow.assessed
        assert {k: v for k, v in fast_counts.items() if v} == {
            k: v for k, v in slow_counts.items() if v}



def test_a_quality_page_never_links_a_non_http_owner() -> None:
    from endpoint.quality_route import _body
    from endpoint.record_formats import HTML
    from loader.generations import Generation

    graph = f"{BASE}/quality/0123"
    owner = "javascript:alert(1)"
    quads = [Quad(NamedNode(f"{graph}#score"), NamedNode(f"{DQV}computedOn"), NamedNode(owner),
                  NamedNode(graph))]
    generation = Generation("g000001", Path("/nonexistent/g000001"), {"base_iri": BASE})
    page = _body(HTML, quads, "/quality/0123", graph, generation).decode()
    assert 'href="javascript' not in page
    assert "javascript:alert(1)" in page  # shown as text
