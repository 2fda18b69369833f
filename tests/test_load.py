"""Loading into generations: snapshot and update modes, reports, atomic publication."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Store

from ldcat.cli import demo_sources
from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from loader.report import LoadReport, Severity, SourceError
from tests.conftest import (
    BASE,
    DATASET_HEADER,
    PROJECT,
    RESOURCE_HEADER,
    csv_text,
    dataset_row,
    resource_row,
)
from tests.test_record_text import assert_text_is_the_store

FIXTURES = PROJECT / "tests" / "fixtures"
OPTIONS = LoadOptions(base_iri=BASE, workers=1)


def ask(store: Path, query: str) -> bool:
    return bool(EmbeddedRepo(store).query(f"ASK {{ {query} }}"))


def select_one(store: Path, query: str) -> str:
    solutions = list(EmbeddedRepo(store).query(query))  # type: ignore[arg-type]
    return str(solutions[0][0].value)


def test_demo_counts_and_graphs(demo_store: tuple[Path, LoadReport]) -> None:
    store, report = demo_store
    assert report.published["datasets"] == 56
    assert report.published["resources"] == 131
    assert report.published["organizations"] >= 15
    assert report.published["reuses"] == 11
    assert report.published["dataservices"] == 3
    assert report.published["themes"] == 3
    assert not report.rejected
    # Every dataset is one named graph named by its IRI.
    count = select_one(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g "
                              "{ ?g a <http://www.w3.org/ns/dcat#Dataset> } }")
    assert count == "56"
    # Distributions live in their dataset's graph.
    assert not ask(store, "GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Distribution> } "
                          "FILTER NOT EXISTS { GRAPH ?g { ?g <http://www.w3.org/ns/dcat#"
                          "distribution> ?d } }")


def test_demo_mapping_details(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    dcat, dct = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
    # Themes are sub-catalogues of the root catalogue and hold datasets.
    for slug in ("transport", "meteo", "ecologie"):
        assert ask(store, f"<{BASE}/catalog> <{dct}hasPart> <{BASE}/themes/{slug}> . "
                          f"<{BASE}/themes/{slug}> a <{dcat}Catalog> ; <{dcat}dataset> ?d")
    # Archived datasets carry their status.
    assert ask(store, f"<{BASE}/datasets/5a782b2028306a5c888079b3> "
                      "<http://www.w3.org/ns/adms#status> "
                      "<http://purl.org/adms/status/Deprecated>")
    # HVD datasets carry the legislation and a category.
    assert ask(store, f"<{BASE}/datasets/5ca3280b619abab5be11b720> "
                      "<http://data.europa.eu/r5r/applicableLegislation> "
                      "<http://data.europa.eu/eli/reg_impl/2023/138/oj> ; "
                      "<http://data.europa.eu/r5r/hvdCategory> ?c")
    # Frequencies, languages and dates are IRIs and typed literals.
    assert ask(store, f"?d <{dct}accrualPeriodicity> ?f FILTER(STRSTARTS(STR(?f), "
                      "'http://publications.europa.eu/resource/authority/frequency/'))")
    assert not ask(store, f"?d <{dct}modified> ?m FILTER(DATATYPE(?m) != "
                          "<http://www.w3.org/2001/XMLSchema#dateTime>)")
    # Reuses are linked from the datasets they use.
    assert ask(store, f"?d <{dct}isReferencedBy> ?r . ?r a <https://w3id.org/ldcat/ns#Reuse>")
    # Landing pages stay on data.gouv.fr.
    assert ask(store, f"?d <{dcat}landingPage> ?p FILTER(STRSTARTS(STR(?p), "
                      "'https://www.data.gouv.fr/datasets/'))")
    # No text keeps a carriage return or a control character.
    assert not ask(store, "?s ?p ?o FILTER(ISLITERAL(?o) && REGEX(STR(?o), '[\\r\\u0007]'))")


def test_reload_is_idempotent(tmp_path: Path, demo_store: tuple[Path, LoadReport]) -> None:
    first_store, _ = demo_store
    store = tmp_path / "store"
    load(demo_sources(), store, OPTIONS)
    load(demo_sources(), store, OPTIONS)
    layout = StoreLayout(store)
    first, second = layout.generations()
    assert layout.graphs(first) == layout.graphs(second)
    assert layout.graphs(first) == StoreLayout(first_store).graphs(
        StoreLayout(first_store).generations()[0])
    current = layout.current()
    assert current is not None
    assert current.id == second.id


def test_api_pages_hide_private_and_deleted(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = load([FIXTURES / "api"], store, OPTIONS)
    assert report.published["datasets"] == 3
    assert report.hidden["datasets"] == 2
    assert not ask(store, f"GRAPH <{BASE}/datasets/6907bb917a589fb303e98cc0> {{ ?s ?p ?o }}")
    assert not ask(store, f"?s ?p <{BASE}/datasets/5ca1ef30534e159f9bdf3d97>")
    assert ask(store, f"<{BASE}/datasets/5eba6f472a85a656a1b09389> "
                      "<http://www.w3.org/ns/dcat#distribution> ?d")


def _write(tmp_path: Path, name: str, header: list[str],
           rows: list[list[str | int | bool]]) -> Path:
    path = tmp_path / name
    path.write_text(csv_text(header, rows), "utf-8")
    return path


def test_report_lines_for_hostile_rows(tmp_path: Path) -> None:
    datasets = _write(tmp_path, "datasets.csv", DATASET_HEADER, [
        dataset_row("d1", license="Licence du Far West", frequency="everyMinuteOrSo"),
        dataset_row("d2"),
        dataset_row("d1", title="Doublon"),
    ])
    resources = _write(tmp_path, "resources.csv", RESOURCE_HEADER, [
        resource_row("d1", "r1"),
        resource_row("missing", "r2"),
        resource_row("d2", "r1"),
    ])
    report = load([resources, datasets], tmp_path / "store", OPTIONS)
    lines = [str(issue) for issue in report.issues]
    assert report.published["datasets"] == 2
    assert report.published["resources"] == 1
    rejected = {(Path(issue.file).name, issue.line, issue.column) for issue in report.rejected}
    assert ("datasets.csv", 4, "id") in rejected  # duplicate dataset id
    assert ("resources.csv", 3, "dataset.id") in rejected  # resource of a missing dataset
    assert ("resources.csv", 4, "id") in rejected  # duplicate resource id
    assert any("unknown licence 'Licence du Far West'" in line for line in lines)
    assert any("unknown frequency 'everyMinuteOrSo'" in line for line in lines)
    assert all(issue.severity in (Severity.WARNING, Severity.REJECTED) for issue in report.issues)
    store = tmp_path / "store"
    assert ask(store, f"<{BASE}/resources/r1> <http://purl.org/dc/terms/rights> ?r . "
                      "?r a <http://purl.org/dc/terms/RightsStatement>")


def test_unusable_source_publishes_nothing(tmp_path: Path,
                                           write_csv: Callable[..., Path]) -> None:
    store = tmp_path / "store"
    load(demo_sources(), store, OPTIONS)
    before = StoreLayout(store).current()
    bad = write_csv("bad.csv.gz", b"")
    bad.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(SourceError):
        load([*demo_sources(), bad], store, OPTIONS)
    after = StoreLayout(store).current()
    assert before is not None
    assert after is not None
    assert after.id == before.id
    assert not [p for p in (store / "generations").iterdir() if p.name.startswith(".staging")]
    assert ask(store, "?d a <http://www.w3.org/ns/dcat#Dataset>")


def test_update_replaces_adds_and_removes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    datasets = _write(tmp_path, "datasets.csv", DATASET_HEADER,
                      [dataset_row("d1"), dataset_row("d2")])
    resources = _write(tmp_path, "resources.csv", RESOURCE_HEADER,
                       [resource_row("d1", "r1"), resource_row("d2", "r2")])
    load([datasets, resources], store, OPTIONS)
    changed = _write(tmp_path, "changed.csv", DATASET_HEADER,
                     [dataset_row("d1", title="Nouveau titre"), dataset_row("d3")])
    report = load([changed], store, LoadOptions(base_iri=BASE, workers=1, update=True))
    assert report.mode == "update"
    dct = "http://purl.org/dc/terms/"
    assert ask(store, f"<{BASE}/datasets/d1> <{dct}title> 'Nouveau titre'@fr")
    assert not ask(store, f"<{BASE}/datasets/d1> <{dct}title> 'Jeu d1'@fr")
    # d1 kept its distribution (no resources in the update), d2 is untouched, d3 is new.
    assert ask(store, f"<{BASE}/datasets/d1> <http://www.w3.org/ns/dcat#distribution> "
                      f"<{BASE}/resources/r1>")
    assert ask(store, f"<{BASE}/resources/r2> a <http://www.w3.org/ns/dcat#Distribution>")
    assert ask(store, f"<{BASE}/datasets/d3> a <http://www.w3.org/ns/dcat#Dataset>")
    # A resource export marking d2 private removes d2.
    private = _write(tmp_path, "private.csv", RESOURCE_HEADER,
                     [resource_row("d2", "r2", **{"dataset.private": True})])
    hide = _write(tmp_path, "hide.csv", DATASET_HEADER, [dataset_row("d2")])
    load([hide, private], store, LoadOptions(base_iri=BASE, workers=1, update=True))
    layout = StoreLayout(store)
    current = layout.current()
    assert current is not None
    graphs = layout.graphs(current)
    assert f"{BASE}/datasets/d1" in graphs
    assert f"{BASE}/datasets/d3" in graphs


def test_update_of_same_input_is_idempotent(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(demo_sources(), store, OPTIONS)
    update = LoadOptions(base_iri=BASE, workers=1, update=True)
    load(demo_sources()[1:2], store, update)
    load(demo_sources()[1:2], store, update)
    layout = StoreLayout(store)
    first, second, third = layout.generations()
    assert layout.graphs(second) == layout.graphs(third)
    assert set(layout.graphs(first)) == set(layout.graphs(third))


def test_parallel_mapping_gives_the_same_graphs(tmp_path: Path, real_export: Path) -> None:
    sample = tmp_path / "sample.csv"
    with __import__("gzip").open(real_export, "rt", encoding="utf-8", newline="") as source:
        text = source.read(5_000_000)
    sample.write_text(text[: text.rfind("\r\n\"")] + "\r\n", "utf-8")
    serial = load([sample], tmp_path / "a", LoadOptions(base_iri=BASE, workers=1))
    parallel = load([sample], tmp_path / "b", LoadOptions(base_iri=BASE, workers=2,
                                                          load_threads=2))
    assert serial.published == parallel.published
    assert serial.quads == parallel.quads
    graphs_a = StoreLayout(tmp_path / "a").graphs(StoreLayout(tmp_path / "a").generations()[0])
    graphs_b = StoreLayout(tmp_path / "b").graphs(StoreLayout(tmp_path / "b").generations()[0])
    assert graphs_a == graphs_b
    assert len(graphs_a) > 1000
    # Workers' part files became the records' text, each record found whole.
    assert assert_text_is_the_store(tmp_path / "b") == len(graphs_b)
    assert any(path.name.startswith("part-")
               for path in StoreLayout(tmp_path / "b").text_dir("g000001").iterdir())


KILLED_LOAD = """
import sys
from pathlib import Path
from loader.load import LoadOptions, load
load([Path(sys.argv[1])], Path(sys.argv[2]), LoadOptions(base_iri=sys.argv[3], workers=2))
"""


def _processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
                status = (entry / "stat").read_text().split()[2]
            except OSError:
                continue
            if text in command and status != "Z":
                found.append(int(entry.name))
    return found


def test_sigkill_midway_keeps_previous_generation(tmp_path: Path, real_export: Path) -> None:
    store = tmp_path / "store"
    load(demo_sources(), store, OPTIONS)
    previous = StoreLayout(store).current()
    assert previous is not None
    process = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, str(real_export), str(store),
                                BASE], cwd=PROJECT)
    staging_seen = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        generations = store / "generations"
        if any(p.name.startswith(".staging") for p in generations.iterdir()):
            staging_seen = True
            time.sleep(1.5)
            break
        time.sleep(0.05)
    assert staging_seen, "the load never started building"
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Its mapping workers die with it (no orphan keeps running or holding files).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _processes_mentioning(str(store)):
        time.sleep(0.1)
    assert not _processes_mentioning(str(store))
    current = StoreLayout(store).current()
    assert current is not None
    assert current.id == previous.id
    # The previous generation still opens and answers (read-only, as the server opens it).
    readonly = Store.read_only(str(current.path))
    assert len(list(readonly.quads_for_pattern(None, None, None))) > 1000
    assert ask(store, f"<{BASE}/catalog> a <http://www.w3.org/ns/dcat#Catalog>")
    # The next load cleans up what the killed one left and publishes normally.
    report = load(demo_sources(), store, OPTIONS)
    assert report.generation != previous.id
    assert not [p for p in (store / "generations").iterdir() if p.name.startswith(".staging")]
    manifest = json.loads((store / "generations" / f"{report.generation}.json").read_text())
    assert manifest["parent"] == previous.id


def test_later_loads_keep_the_stores_base_iri(tmp_path: Path) -> None:
    store = tmp_path / "store"
    datasets = _write(tmp_path, "datasets.csv", DATASET_HEADER, [dataset_row("d1")])
    load([datasets], store, OPTIONS)
    load([datasets], store, LoadOptions(workers=1, update=True))
    load([datasets], store, LoadOptions(workers=1))
    current = StoreLayout(store).current()
    assert current is not None
    assert current.base_iri == BASE
    assert ask(store, f"<{BASE}/datasets/d1> a <http://www.w3.org/ns/dcat#Dataset>")
    with pytest.raises(ValueError, match="keep the base IRI"):
        load([datasets], store, LoadOptions(base_iri="https://other.example", update=True,
                                            workers=1))


def test_a_part_that_fails_to_load_fails_the_load(tmp_path: Path) -> None:
    from loader.parts import LoaderFailed, part_loader

    store = Store(str(tmp_path / "store"))
    good = b"<http://x.org/s> <http://x.org/p> \"o\" <http://x.org/g> .\n"
    bad = b"<http://x.org/s> <http://x.org/p> \"unterminated <http://x.org/g> .\n"

    def load_parts() -> None:
        with part_loader(store, tmp_path, threads=2) as loader:
            for name, data in (("good.nq", good), ("bad.nq", bad)):
                part = loader.directory / name
                part.write_bytes(data)
                loader.submit(part)

    with pytest.raises(LoaderFailed):
        load_parts()
    assert not list(tmp_path.glob(".parts-*"))


def test_the_report_times_each_stage_of_a_load(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = load(demo_sources(), store, LoadOptions(base_iri=BASE, workers=1))
    background = ["search index (background)", "waiting for the background"]
    assert list(report.seconds) == ["mapping and loading", "gate", "preparing the background",
                                    "statistics", "quality", *background, "publication"]
    assert all(seconds >= 0 for seconds in report.seconds.values())
    assert report.seconds["mapping and loading"] > 0
    stored = json.loads((store / "generations" / f"{report.generation}.report.json").read_text())
    # the stored report is written during publication: it times the stages before it
    assert stored["seconds"] == {stage: seconds for stage, seconds in report.seconds.items()
                                 if stage != "publication"}
    assert "seconds: mapping and loading" in report.summary()
    update = load(demo_sources()[:1], store, LoadOptions(base_iri=BASE, workers=1, update=True))
    assert list(update.seconds) == ["mapping", "loading", "gate", "preparing the background",
                                    "statistics", "quality", *background, "publication"]
