"""The partitioned engine gives the SPARQL engine's full results on real generations.

The demo and the real 2,000-dataset sample, with the official 3.0.1 shapes (all closures) and
ldcat's own (some checks on the SPARQL engine): one process, and two worker processes that
split the dataset records (subjects described in several parts, types fetched across parts).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph

from loader.report import LoadReport
from shapes.parse import ShapesError, load_shapes, parse_shapes
from shapes.partitioned import MemoryRecords, validate_records, worker_parts
from shapes.plan import make_plan
from shapes.records import background_index, validate_text
from shapes.report import ValidationReport
from shapes.service import ValidationRequest, validate_file, validate_generation
from shapes.sets import resolve, vocabulary_files
from tests.conftest import DCAT_AP, requires_shared
from tests.differential import Shapes, partitioned_results, sparql_results


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
        <urn:shape> a sh:NodeShape ; sh:targetNode <urn:n> ;
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


PREDICATE_TARGETS = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://e.org/ns#> .
ex:Contact a sh:NodeShape ; sh:targetObjectsOf ex:contact ; sh:nodeKind sh:IRI ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:Dated a sh:NodeShape ; sh:targetSubjectsOf ex:date ;
    sh:property [ sh:path ex:date ; sh:datatype xsd:date ] ;
    sh:property [ sh:path ex:name ; sh:maxCount 1 ] .
"""


def _predicate_target_quads() -> list[Quad]:
    ex, base = "http://e.org/ns#", "http://e.org/datasets/"

    def quad(subject: str, predicate: str, obj: NamedNode | Literal, graph: str) -> Quad:
        return Quad(NamedNode(subject), NamedNode(ex + predicate), obj, NamedNode(base + graph))

    date = NamedNode("http://www.w3.org/2001/XMLSchema#date")
    return [
        # a contact described in another record's graph (another worker), with a name
        quad(base + "d1", "contact", NamedNode(base + "d2#c"), "d1"),
        quad(base + "d2#c", "name", Literal("C"), "d2"),
        # described nowhere; a literal; described in its own record without a name
        quad(base + "d3", "contact", NamedNode("http://e.org/nowhere"), "d3"),
        quad(base + "d4", "contact", Literal("not a node"), "d4"),
        quad(base + "d5", "contact", NamedNode(base + "d5#c"), "d5"),
        quad(base + "d5#c", "other", Literal("x"), "d5"),
        # subjects of ex:date: a plain date, two names; a typed date
        quad(base + "d6", "date", Literal("2020-01-01"), "d6"),
        quad(base + "d6", "name", Literal("a"), "d6"),
        quad(base + "d6", "name", Literal("b"), "d6"),
        quad(base + "d7", "date", Literal("2020-01-01", datatype=date), "d7"),
        quad(base + "d8", "contact", NamedNode(base + "d6"), "d8"),  # typed by a statement only
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_subject_and_object_targets_run_in_python_as_on_sparql(workers: int) -> None:
    graph = Graph()
    graph.parse(data=PREDICATE_TARGETS, format="turtle")
    shapes = Shapes(graph, parse_shapes(graph))
    quads = _predicate_target_quads()
    expected = sparql_results(quads, [], shapes)
    assert sorted(partitioned_results(quads, [], shapes, workers=workers)) == sorted(expected)
    failing = {(r.focus, r.component) for r in expected}
    assert failing == {
        ("<http://e.org/nowhere>", "MinCountConstraintComponent"),
        ('"not a node"', "NodeKindConstraintComponent"),
        ('"not a node"', "MinCountConstraintComponent"),
        ("<http://e.org/datasets/d5#c>", "MinCountConstraintComponent"),
        ("<http://e.org/datasets/d6>", "DatatypeConstraintComponent"),
        ("<http://e.org/datasets/d6>", "MaxCountConstraintComponent"),
    }


def test_ldcat_graph_rules_run_natively_unless_their_query_changes(tmp_path: Path) -> None:
    """shapes/graph_rules.py computes ldcat's store rules for their exact queries (its
    results equal the SPARQL engine's on every hostile fixture: test_validator_differential);
    an edited query goes back to the SPARQL engine."""
    shapes_dir = Path(__file__).resolve().parent.parent / "shapes" / "ldcat"
    plan = make_plan(load_shapes(*sorted(shapes_dir.glob("*.ttl"))))
    assert len(plan.native) == 9
    assert [check.root.name.split("#")[-1] for check in plan.fallback] == ["PeriodOfTimeShape"]
    for path in shapes_dir.glob("*.ttl"):
        text = path.read_text("utf-8")
        if path.name == "ldcat-rules.ttl":
            assert "FILTER (!BOUND(?dataset))" in text
            text = text.replace("FILTER (!BOUND(?dataset))", "FILTER (!BOUND(?dataset) && true)")
        (tmp_path / path.name).write_text(text, "utf-8")
    edited = make_plan(load_shapes(*sorted(tmp_path.glob("*.ttl"))))
    assert len(edited.native) == 8
    assert "https://w3id.org/ldcat/shapes#DistributionInDatasetGraph" in {
        check.root.name for check in edited.fallback}


def test_worker_parts_are_even_when_each_dataset_is_followed_by_its_quality_graph() -> None:
    base = "https://data.example.org/datasets"
    datasets = [f"{base}/{number:06x}" for number in range(4000)]
    graphs = sorted([*datasets, *(f"{dataset}/quality" for dataset in datasets)])
    parts = worker_parts(graphs, 2)
    assert sorted(graph for part in parts for graph in part) == graphs
    for part in parts:
        assert part == sorted(part)  # runs of adjacent records, read in order
        held = sum(1 for graph in part if not graph.endswith("/quality"))
        assert 1800 < held < 2200, held
        assert 1800 < len(part) - held < 2200
