"""The SHACL gate of ``ldcat load``: invalid records are left out or kept, never silently."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ldcat.cli import demo_sources, main
from loader.gate import GateOptions
from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from loader.report import Severity
from tests.conftest import BASE, DCAT_AP, requires_shared

TEMPORAL_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/shapes#DatasetTemporal> a sh:NodeShape ;
    sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dct:temporal ; sh:minCount 1 ;
                  sh:message "a dataset needs a temporal coverage" ] .
"""

DATASETS_WITHOUT_TEMPORAL = """
SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {
  ?d a <http://www.w3.org/ns/dcat#Dataset>
  FILTER NOT EXISTS { ?d <http://purl.org/dc/terms/temporal> ?k }
}"""


def _count(store: Path, query: str) -> int:
    rows = list(EmbeddedRepo(store).query(query))  # type: ignore[arg-type]
    return int(rows[0]["n"].value)


@pytest.fixture
def temporal_shapes(tmp_path: Path) -> Path:
    folder = tmp_path / "shapes"
    folder.mkdir()
    (folder / "temporal.ttl").write_text(TEMPORAL_SHAPE)
    return folder


def test_keep_publishes_invalid_records_with_their_violations(tmp_path: Path,
                                                              temporal_shapes: Path) -> None:
    store = tmp_path / "store"
    report = load(demo_sources(), store, LoadOptions(
        base_iri=BASE, workers=1, gate=GateOptions(shapes=str(temporal_shapes),
                                                   on_invalid="keep")))
    without = _count(store, DATASETS_WITHOUT_TEMPORAL)
    assert without > 0, "the demo needs datasets without temporal coverage"
    invalid = [i for i in report.issues if i.severity is Severity.INVALID]
    assert len({i.record_id for i in invalid}) == without
    assert all("temporal coverage" in i.reason for i in invalid)
    assert report.validation["conforms"] is False
    assert report.validation["records_published_invalid"] == without
    stored = json.loads((store / "generations" / f"{report.generation}.report.json").read_text())
    assert stored["validation"]["counts"]["Violation"] == without


def test_reject_leaves_invalid_records_out_and_keeps_the_others(tmp_path: Path,
                                                                temporal_shapes: Path) -> None:
    kept = tmp_path / "kept"
    keep_report = load(demo_sources(), kept, LoadOptions(
        base_iri=BASE, workers=1, gate=GateOptions(shapes=str(temporal_shapes),
                                                   on_invalid="keep")))
    without = _count(kept, DATASETS_WITHOUT_TEMPORAL)
    store = tmp_path / "rejected"
    report = load(demo_sources(), store, LoadOptions(
        base_iri=BASE, workers=1, gate=GateOptions(shapes=str(temporal_shapes))))
    assert _count(store, DATASETS_WITHOUT_TEMPORAL) == 0
    assert report.published["datasets"] == keep_report.published["datasets"] - without
    rejected = {i.record_id for i in report.issues
                if i.severity is Severity.REJECTED and i.file.startswith("shacl:")}
    assert len(rejected) == without
    repo = EmbeddedRepo(store)
    for record_id in rejected:  # gone from the store and from the graph index
        assert repo.record_graph(f"{BASE}/datasets/{record_id}") == []
    index = (store / "generations" / f"{report.generation}.graphs.tsv.gz")
    listed = gzip.decompress(index.read_bytes()).decode()
    assert not any(f"/datasets/{record_id}\t" in listed for record_id in rejected)
    assert report.validation["conforms"] is True
    assert report.validation["records_left_out"] == without


GATE_CASES = [("temporal", "reject"), ("temporal", "keep"), ("ldcat", "reject"),
              ("official-3.0.1", "keep")]


@pytest.mark.parametrize(("shapes", "on_invalid"), GATE_CASES)
def test_the_gate_engines_agree(tmp_path: Path, temporal_shapes: Path, shapes: str,
                                on_invalid: str) -> None:
    """The partitioned gate (records' text, the default) decides as the SPARQL gate does:
    same verdicts, counts, warnings and issues, rejection rounds included."""
    if shapes.startswith("official"):
        requires_shared(DCAT_AP)
    outcomes = {}
    for engine in ("auto", "sparql"):
        report = load(demo_sources(), tmp_path / engine, LoadOptions(
            base_iri=BASE, workers=1, quality=None, gate=GateOptions(
                shapes=str(temporal_shapes) if shapes == "temporal" else shapes,
                on_invalid=on_invalid, engine=engine)))
        validation = dict(report.validation)
        used = validation.pop("engine")
        outcomes[used] = (
            {key: value for key, value in validation.items() if key != "seconds"},
            sorted((i.record_id, i.severity.value, i.reason) for i in report.issues),
            report.published)
    assert set(outcomes) == {"partitioned", "sparql"}
    assert outcomes["partitioned"] == outcomes["sparql"]
    if shapes == "temporal":
        assert outcomes["sparql"][1], "the case should find invalid records"


def test_cli_load_reports_the_gate_and_bad_shapes_fail_cleanly(
        tmp_path: Path, temporal_shapes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    sources = [str(p) for p in demo_sources()]
    code = main(["load", *sources, "--store", str(store), "--base-iri", BASE, "--workers", "1",
                 "--shapes", str(temporal_shapes), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "SHACL" in out
    assert "conforms" in out
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> .\n'
                      '<x> a sh:NodeShape ; sh:minCount "1 .')
    code = main(["load", *sources, "--store", str(store), "--shapes", str(broken), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.ttl" in err
    assert "does not parse" in err
    unsupported = tmp_path / "unsupported.ttl"
    unsupported.write_text(TEMPORAL_SHAPE.replace("sh:minCount 1", "sh:equals dcat:theme"))
    code = main(["load", *sources, "--store", str(store), "--shapes", str(unsupported),
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "sh:equals is not supported" in err
    assert "DatasetTemporal" in err
