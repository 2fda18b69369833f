"""pyshacl runs against the official DCAT-AP shapes in ../shared, for the conformance tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize
from pyshacl import validate
from rdflib import Graph, Namespace

from loader.repo import EmbeddedRepo
from tests.conftest import DCAT_AP, PROJECT

SH = Namespace("http://www.w3.org/ns/shacl#")
OFFICIAL_301 = DCAT_AP / "dcat-ap-3.0.1"


@cache
def shapes_graph(*names: str) -> Graph:
    """The union of the named official shape files (relative to ``../shared/dcat-ap``)."""
    graph = Graph()
    for name in names:
        path = DCAT_AP / name
        if not path.exists():
            pytest.skip(f"{path} is absent (../shared not beside the project)")
        graph.parse(path)
    return graph


@cache
def vocabularies() -> Graph:
    """The EU vocabularies of ../shared plus ldcat's own declarations of missing concepts."""
    graph = Graph()
    folder = DCAT_AP / "vocabularies"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (../shared not beside the project)")
    for path in sorted(folder.iterdir()):
        graph.parse(path, format="turtle" if path.suffix == ".ttl" else "xml")
    graph.parse(PROJECT / "ontology" / "eu-concepts.ttl")
    return graph


def store_graph(store: Path) -> Graph:
    """Every published triple (the union default graph) as an rdflib graph."""
    triples = EmbeddedRepo(store).triples()
    data = serialize(triples, format=RdfFormat.N_TRIPLES)
    graph = Graph()
    graph.parse(data=data, format="nt")
    return graph


def violations(data: Graph, shapes: Graph, with_vocabularies: bool = True) -> list[str]:
    """Violation results whose focus node is in ``data`` (not in the background vocabularies)."""
    own_subjects = set(data.subjects())
    merged = Graph()
    for triple in data:
        merged.add(triple)
    if with_vocabularies:
        for triple in vocabularies():
            merged.add(triple)
    _, report, _ = validate(merged, shacl_graph=shapes, advanced=True, allow_warnings=True)
    lines = []
    top_level = [result for report_node in report.subjects(None, SH.ValidationReport)
                 for result in report.objects(report_node, SH.result)]
    for result in top_level:
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        if focus not in own_subjects:
            continue
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        component = report.value(result, SH.sourceConstraintComponent)
        value = report.value(result, SH.value)
        lines.append(f"{focus} {path} {component} value={value}: {message}")
    return sorted(set(lines))
