"""pyshacl runs against the official DCAT-AP shapes in ../shared, for the conformance tests.

Data is ldcat's published output (the union of the record graphs: concept typing lives in the
root catalogue graph). Background is the EU vocabularies of ``../shared/dcat-ap/vocabularies``
plus ``ontology/eu-concepts.ttl``: either all of it (:func:`full_background`) or only the part
the data can reach (:func:`slim_background`, the same results, ~10x faster). Results whose
focus node is not a subject of the data are the vocabularies' own and are counted apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import BlankNode as OxBlankNode
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, RdfFormat, Store, Triple
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from loader.mapping.iris import RecordIris
from loader.repo import EmbeddedRepo
from ontology.namespaces import DCATAP, HVD_LEGISLATION
from tests.conftest import BASE, DCAT_AP, PROJECT

SH = Namespace("http://www.w3.org/ns/shacl#")
OFFICIAL_301 = "dcat-ap-3.0.1"
HVD_300 = "dcat-ap-hvd-3.0.0"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SUPPORT_KINDS = frozenset({"catalog", "organizations", "users", "themes"})
"""Record kinds every subset keeps: they type the concepts and describe the agents."""


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


def dangling_shape_refs(*names: str) -> list[str]:
    """Shapes that ``sh:property`` / ``sh:node`` name but the files never define."""
    graph = shapes_graph(*names)
    refs = set(graph.objects(None, SH.property)) | set(graph.objects(None, SH.node))
    return sorted(str(ref) for ref in refs if (ref, None, None) not in graph)


def vocabulary_files() -> list[Path]:
    """The background files: the EU vocabularies of ../shared and ldcat's own declarations."""
    folder = DCAT_AP / "vocabularies"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (../shared not beside the project)")
    return [*sorted(folder.iterdir()), PROJECT / "ontology" / "eu-concepts.ttl"]


@cache
def vocabulary_store() -> Store:
    """Every background triple in an in-memory Oxigraph store (its parsers are fast)."""
    store = Store()
    for path in vocabulary_files():
        rdf_format = RdfFormat.TURTLE if path.suffix == ".ttl" else RdfFormat.RDF_XML
        store.bulk_load(path=str(path), format=rdf_format, to_graph=None)
    return store


def _term(term: object) -> Node:
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, OxBlankNode):
        return BNode(term.value)
    if isinstance(term, OxLiteral):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected RDF term {term!r}")


def to_rdflib(triples: object) -> Graph:
    """An rdflib graph of Oxigraph triples (or quads: graph names are dropped)."""
    graph = Graph()
    add = graph.add
    for triple in triples:  # type: ignore[attr-defined]
        add((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
    return graph


@cache
def full_background() -> Graph:
    """All background triples (EU vocabularies + eu-concepts.ttl) as an rdflib graph."""
    return to_rdflib(vocabulary_store())


def _about(store: Store, subjects: set[NamedNode]) -> list[Triple]:
    return [quad.triple for subject in subjects
            for quad in store.quads_for_pattern(subject, None, None, None)]


def slim_background(data: Graph) -> Graph:
    """The background triples the shapes can reach from ``data``.

    The triples about every IRI of the data (the concepts it links to, and those it types
    itself, such as licences), and about every IRI those triples link to in turn (their
    schemes, a licence's type...): two hops cover every path of the official shapes.
    ``test_slim_background_is_equivalent`` checks it against the full background.
    """
    store = vocabulary_store()
    nodes = set(data.subjects()) | set(data.objects())
    first = {NamedNode(str(node)) for node in nodes if isinstance(node, URIRef)}
    triples = _about(store, first)
    second = {triple.object for triple in triples if isinstance(triple.object, NamedNode)}
    triples += _about(store, second - first)
    return to_rdflib(triples)


def store_graph(store: Path) -> Graph:
    """Every published triple (the union of the record graphs) as an rdflib graph."""
    return to_rdflib(EmbeddedRepo(store).triples())


def hvd_subset(store: Path) -> Graph:
    """The record graphs of records under the HVD regulation, with what they lean on.

    The HVD shapes target every dataset, distribution and data service in the graph, so only
    the graphs that state ``dcatap:applicableLegislation`` HVD are kept, plus the root
    catalogue (concept typing, the catalogue API), themes and agents.
    """
    repo = EmbeddedRepo(store)
    query = (f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?r <{DCATAP.applicableLegislation}> "
             f"<{HVD_LEGISLATION}> }} }}")
    graphs = {solution["g"].value for solution in repo.query(query)}  # type: ignore[union-attr]
    kinds = RecordIris(BASE)
    everything = repo.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs |= {solution["g"].value for solution in everything  # type: ignore[union-attr]
               if kinds.kind_of(solution["g"].value) in SUPPORT_KINDS}
    return to_rdflib(quad for iri in sorted(graphs) for quad in repo.record_graph(iri))


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result, as a report line."""

    severity: str
    focus: str
    path: str
    component: str
    value: str
    message: str

    def line(self) -> str:
        """``severity focus path component value: message`` on one line."""
        return (f"{self.severity} {self.focus} path={self.path} {self.component} "
                f"value={self.value}: {self.message}")


@dataclass(slots=True)
class Report:
    """The results on the data's own nodes, and a count of those on background nodes."""

    results: list[Result] = field(default_factory=list)
    background: int = 0

    def of(self, severity: str) -> list[Result]:
        """The results of one severity (``Violation``, ``Warning``, ``Info``)."""
        return [result for result in self.results if result.severity == severity]

    @property
    def violations(self) -> list[Result]:
        """The Violations on own nodes."""
        return self.of("Violation")

    @property
    def warnings(self) -> list[Result]:
        """The Warnings on own nodes."""
        return self.of("Warning")

    def summary(self, severity: str) -> Counter[str]:
        """Counts of one severity's results by path and constraint component."""
        return Counter(f"{result.path} {result.component}" for result in self.of(severity))

    def text(self, severity: str, limit: int = 200) -> str:
        """The first ``limit`` report lines of one severity, sorted."""
        lines = sorted({result.line() for result in self.of(severity)})
        more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
        return "\n".join(lines[:limit]) + more


def _short(node: object) -> str:
    text = "" if node is None else str(node)
    return text.rsplit("#", 1)[-1] if text.startswith(str(SH)) else text


def run_shapes(data: Graph, shapes: Graph, background: Graph | None) -> Report:
    """Validate ``data`` plus ``background`` against ``shapes``; results split as described."""
    own = set(data.subjects())
    merged = Graph()
    merged += data
    if background is not None:
        merged += background
    _, graph, _ = validate(merged, shacl_graph=shapes, allow_warnings=True, inplace=True)
    report = Report()
    for node in graph.subjects(None, SH.ValidationReport):
        for result in graph.objects(node, SH.result):
            focus = graph.value(result, SH.focusNode)
            if focus not in own:
                report.background += 1
                continue
            report.results.append(Result(
                _short(graph.value(result, SH.resultSeverity)), str(focus),
                _short(graph.value(result, SH.resultPath)),
                _short(graph.value(result, SH.sourceConstraintComponent)),
                _short(graph.value(result, SH.value)),
                _short(graph.value(result, SH.resultMessage))))
    return report
