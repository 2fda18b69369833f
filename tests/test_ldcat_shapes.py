"""ldcat's own SHACL shapes (shapes/ldcat/): the demo conforms, each rule fires, known features.

Validation runs pyshacl on an rdflib ``Dataset``: the record graphs as named graphs (the
default graph is their union, as in the store), and the EU vocabularies as background in the
default graph (only their ``skos:inScheme`` and type triples: the shapes need nothing else).

The hostile fixtures (``tests/fixtures/shapes/*.trig``) are each loaded *with* ``base.trig``;
``expected.json`` lists, per file, the results it adds to those of ``base.trig`` as
``[focus node, result path, constraint component, severity, value]`` (path and value may be
null; blank nodes as ``_:``; alternative paths as ``(p1|p2)``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import Store
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from loader.generations import StoreLayout
from loader.report import LoadReport
from ontology.datatypes import restore_datatypes
from tests.conftest import PROJECT
from tests.shacl_support import full_background

# rdflib's own SPARQL and TriG code calls its deprecated Dataset API thousands of times
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_DIR = PROJECT / "shapes" / "ldcat"
FIXTURES = PROJECT / "tests" / "fixtures" / "shapes"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
HOSTILE = sorted(path.name for path in FIXTURES.glob("*.trig") if path.name != "base.trig")

Result = tuple[str, str | None, str, str, str | None]

KNOWN_MAPPING_DEFECTS: set[tuple[str | None, str, str]] = set()
"""(path, component, severity) of Violations the mapping is known to produce: none."""

ALLOWED_SH_PREDICATES = {
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "path", "inversePath", "alternativePath",
    "class", "datatype", "nodeKind", "minCount", "maxCount", "in", "hasValue", "pattern", "flags",
    "minLength", "maxLength", "languageIn", "uniqueLang", "node", "not", "and", "or", "xone",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "closed", "ignoredProperties",
    "severity", "message", "name", "description", "deactivated", "property",
    "sparql", "select", "prefixes", "declare", "prefix", "namespace",
}
ALLOWED_SH_OBJECTS = {
    "NodeShape", "PropertyShape", "SPARQLConstraint", "IRI", "BlankNode", "Literal",
    "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral", "Violation", "Warning", "Info",
}


def ldcat_shapes() -> Graph:
    """All of shapes/ldcat/*.ttl in one graph."""
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def _shapes() -> Graph:
    return ldcat_shapes()


@cache
def background() -> Graph:
    """The scheme memberships and scheme types of the EU vocabularies (skip without them)."""
    slim = Graph()
    full = full_background()
    for triple in full.triples((None, SKOS.inScheme, None)):
        slim.add(triple)
    for triple in full.triples((None, RDF.type, SKOS.ConceptScheme)):
        slim.add(triple)
    return slim


def with_background(dataset: Dataset) -> Dataset:
    """``dataset`` with the background vocabularies added to its default graph."""
    default = dataset.default_graph
    for triple in background():
        default.add(triple)
    return dataset


def results(dataset: Dataset) -> Counter[Result]:
    """pyshacl's results as (focus, path, constraint component, severity), counted."""
    _, report, _ = validate(dataset, shacl_graph=_shapes(), allow_warnings=True)
    found: Counter[Result] = Counter()
    top_level = [result for node in report.subjects(RDF.type, SH.ValidationReport)
                 for result in report.objects(node, SH.result)]
    for result in top_level:
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        component = report.value(result, SH.sourceConstraintComponent)
        severity = report.value(result, SH.resultSeverity)
        value = report.value(result, SH.value)
        found[(
            str(focus) if not isinstance(focus, BNode) else "_:",
            None if path is None else path_text(report, path),
            str(component).removeprefix(str(SH)),
            str(severity).removeprefix(str(SH)),
            None if value is None else "_:" if isinstance(value, BNode) else str(value),
        )] += 1
    return found


def path_text(graph: Graph, path: Node) -> str:
    """A result path as text; blank-node paths in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = Collection(graph, alternatives)
        return "(" + "|".join(path_text(graph, item) for item in items) + ")"
    return str(path)


def fixture_dataset(*names: str) -> Dataset:
    dataset = Dataset()
    for name in names:
        dataset.parse(FIXTURES / name, format="trig")
    return with_background(dataset)


def expected(name: str) -> Counter[Result]:
    return Counter((focus, path, component, severity, value)
                   for focus, path, component, severity, value in EXPECTED[name])


@cache
def base_results() -> Counter[Result]:
    return results(fixture_dataset("base.trig"))


def test_base_fixture_has_no_violations_and_its_known_warnings() -> None:
    found = base_results()
    assert not [result for result in found if result[3] == "Violation"]
    assert found == expected("base.trig")


def test_every_hostile_fixture_has_expectations() -> None:
    assert sorted(set(EXPECTED) - {"base.trig"}) == HOSTILE


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_fixture_breaks_its_rule(name: str) -> None:
    found = results(fixture_dataset("base.trig", name))
    added = found - base_results()
    lost = base_results() - found
    assert not lost, f"{name} hides base results: {sorted(lost, key=str)}"
    assert added == expected(name), "\n".join(
        f"{result} x{count}" for result, count in sorted(added.items(), key=str))


@pytest.fixture(scope="module")
def demo_dataset(demo_store: tuple[Path, LoadReport]) -> Dataset:
    """The published demo generation as named graphs, with declared datatypes restored."""
    store_dir, _ = demo_store
    generation = StoreLayout(store_dir).current()
    assert generation is not None
    store = Store.read_only(str(generation.path))
    quads = restore_datatypes(store.quads_for_pattern(None, None, None, None))
    dataset = Dataset()
    dataset.parse(data="".join(f"{quad} .\n" for quad in quads), format="nquads")
    return with_background(dataset)


def test_demo_has_no_violations(demo_dataset: Dataset,
                                capsys: pytest.CaptureFixture[str]) -> None:
    found = results(demo_dataset)
    violations = {result: count for result, count in found.items() if result[3] == "Violation"}
    unexpected = {result: count for result, count in violations.items()
                  if result[1:4] not in KNOWN_MAPPING_DEFECTS}
    assert not unexpected, "\n".join(map(str, unexpected))
    warnings: Counter[tuple[str | None, str]] = Counter()
    for result, count in found.items():
        if result[3] == "Warning":
            warnings[(result[1], result[2])] += count
    with capsys.disabled():
        print(f"\nldcat shapes on the demo: {sum(violations.values())} known mapping defects, "
              f"{warnings.total()} warnings")
        for (path, component), count in sorted(warnings.items(), key=str):
            print(f"  {count:4} {path} {component}")
    assert {result[1:4] for result in violations} == KNOWN_MAPPING_DEFECTS


@pytest.mark.parametrize("path", sorted(SHAPES_DIR.glob("*.ttl")), ids=lambda path: path.name)
def test_shape_file_parses_and_uses_only_supported_features(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0
    used = {str(p).removeprefix(str(SH)) for p in graph.predicates() if str(p).startswith(str(SH))}
    assert used <= ALLOWED_SH_PREDICATES, used - ALLOWED_SH_PREDICATES
    objects = {str(o).removeprefix(str(SH)) for o in graph.objects()
               if isinstance(o, URIRef) and str(o).startswith(str(SH))}
    assert objects <= ALLOWED_SH_OBJECTS, objects - ALLOWED_SH_OBJECTS
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        assert str(shape).startswith("https://w3id.org/ldcat/shapes#"), shape
    for select in graph.objects(None, SH.select):
        assert isinstance(select, Literal)
        text = str(select)
        assert re.search(r"SELECT\s+(DISTINCT\s+)?\$this\b", text), text
        assert "$shapesGraph" not in text
        assert "$currentShape" not in text
        # pyshacl refuses VALUES, MINUS and anything it takes for SERVICE
        assert not re.search(r"\b(VALUES|MINUS)\b", text), text
        assert not re.search(r"service[\s<]", text, re.IGNORECASE), text


def test_every_constraint_says_what_is_wrong() -> None:
    """Each property shape of a targeted shape and each SPARQL constraint has an sh:message."""
    graph = _shapes()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    shapes = {shape for target in targets for shape in graph.subjects(target, None)}
    for shape in shapes:
        for node in graph.objects(shape, SH.property):
            assert (node, SH.message, None) in graph, f"{shape}: property shape without message"
    for node in graph.objects(None, SH.sparql):
        assert (node, SH.message, None) in graph, f"SPARQL constraint without message: {node}"
