"""The partitioned engine gives the SPARQL engine's full results on real generations.

The demo and the real 2,000-dataset sample, with the official 3.0.1 shapes (all closures) and
ldcat's own (some checks on the SPARQL engine): one process, and two worker processes that
split the dataset records (subjects described in several parts, types fetched across parts).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from loader.report import LoadReport
from shapes.parse import ShapesError, load_shapes, parse_shapes
from shapes.partitioned import MemoryRecords, validate_records
from shapes.records import background_index, validate_text
from shapes.report import ValidationReport
from shapes.service import ValidationRequest, validate_file, validate_generation
from shapes.sets import resolve, vocabulary_files
from tests.conftest import DCAT_AP, requires_shared


def _engines(store: Path, shapes: str) -> tuple[ValidationReport, list[ValidationReport]]:
    requires_shared(DCAT_AP / "vocabularies")
    generation = (store / "current").resolve()
    sparql = validate_generation(generation, store, ValidationRequest(shapes=shapes,
                                                                      engine="sparql"))
    shape_set = resolve(shapes)
    files, _ = vocabulary_files()
    text = generation.parent / f"{generation.name}.text"
    partitioned = [
        validate_generation(generation, store, ValidationRequest(shapes=shapes,
                                                                 engine="partitioned")),
        validate_text(generation, text, store, load_shapes(*shape_set.files), files,
                      shape_set.name, 2, None, min_records=0),
    ]
    return sparql, partitioned


@pytest.mark.parametrize("shapes", ["official-3.0.1", "ldcat"])
def test_partitioned_equals_sparql_on_the_demo(demo_store: tuple[Path, LoadReport],
                                               shapes: str) -> None:
    sparql, partitioned = _engines(demo_store[0], shapes)
    assert sparql.results
    for report in partitioned:
        assert report.results == sparql.results  # same order too
        assert report.counts() == sparql.counts()


@pytest.mark.parametrize("shapes", ["official-3.0.1", "ldcat"])
def test_partitioned_equals_sparql_on_the_real_sample(real_sample_store: Path,
                                                      shapes: str) -> None:
    sparql, partitioned = _engines(real_sample_store, shapes)
    assert len(sparql.results) > 10_000
    for report in partitioned:
        assert report.results == sparql.results


def test_auto_engine_uses_the_records_text(demo_store: tuple[Path, LoadReport]) -> None:
    generation = (demo_store[0] / "current").resolve()
    report = validate_generation(generation, demo_store[0],
                                 ValidationRequest(shapes="official-3.0.1"))
    assert report.slowest == ["0 checks on the SPARQL engine"]


def test_a_check_it_cannot_run_without_the_sparql_engine_is_an_error() -> None:
    from rdflib import Graph

    graph = Graph()
    graph.parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:shape> a sh:NodeShape ; sh:targetSubjectsOf <urn:p> ;
            sh:property [ sh:path <urn:p> ; sh:maxCount 1 ] .""", format="turtle")
    with pytest.raises(ShapesError, match="needs the SPARQL engine"):
        validate_records(MemoryRecords({}), parse_shapes(graph), background_index([]))


def test_a_file_with_the_partitioned_engine(tmp_path: Path) -> None:
    requires_shared(DCAT_AP / "vocabularies")
    from tests.test_validator_differential import FIXTURES

    request = ValidationRequest(shapes="ldcat")
    path = FIXTURES / "iri-outside-base.trig"
    sparql = validate_file(path, request)
    partitioned = validate_file(path, replace(request, engine="partitioned"))
    assert sparql.results
    assert partitioned.results == sparql.results
