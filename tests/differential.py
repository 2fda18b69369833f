"""Differential testing of the fast validator against pyshacl (the reference oracle).

Graphs are built from the demo catalogue's record graphs with random mutations (dropped,
duplicated and retyped statements, literals of the wrong or an ill-formed datatype, IRIs
where literals belong, concepts of the wrong scheme, ...). Both validators see the same graph
*as published*: loaded into Oxigraph, then taken out with the declared datatypes restored.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDFNS
from rdflib.term import Node

from ontology.datatypes import restore_datatypes
from shapes.graphindex import GraphIndex
from shapes.model import ShapesGraph
from shapes.parse import parse_shapes
from shapes.partitioned import MemoryRecords, validate_records
from shapes.report import ValidationReport, ValidationResult
from shapes.validate import run_checks, validate_store

SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
Key = tuple[str, str | None, str, str]


@dataclass
class Shapes:
    """One shapes graph in both forms: rdflib for pyshacl, compiled for the fast validator."""

    graph: Graph
    compiled: ShapesGraph

    @classmethod
    def from_files(cls, files: Iterable[Path]) -> Shapes:
        graph = Graph()
        for path in files:
            graph.parse(path)
        return cls(graph, parse_shapes(graph))


def literal_pool() -> list[Literal]:
    """Literals of every kind the shapes care about, well- and ill-formed."""

    def typed(value: str, local: str) -> Literal:
        return Literal(value, datatype=NamedNode(XSD + local))

    return [
        Literal("plain text"), Literal("texte", language="fr"), Literal("text", language="en"),
        Literal("", language="fr"), typed("42", "integer"), typed("-3", "integer"),
        typed("12", "nonNegativeInteger"), typed("2.5", "decimal"), typed("1e3", "double"),
        typed("abc", "integer"), typed("2021-05-04", "date"),
        typed("2021-13-45", "date"), typed("2021-05-04T10:00:00", "dateTime"),
        typed("2021-05-04T10:00:00Z", "dateTime"), typed("yesterday", "dateTime"),
        typed("2021", "gYear"), typed("21", "gYear"), typed("2021-05", "gYearMonth"),
        typed("P1D", "duration"), typed("one day", "duration"), typed("true", "boolean"),
        typed("maybe", "boolean"), typed("0a1b", "hexBinary"), typed("xyz", "hexBinary"),
        typed("https://example.org/x", "anyURI"), typed("text", "string"),
    ]


@dataclass
class Mutator:
    """Random edits of a list of quads; ``log`` says what was done (printed on failure)."""

    rng: random.Random
    iris: list[NamedNode]
    predicates: list[NamedNode]
    classes: list[NamedNode]
    log: list[str] = field(default_factory=list)

    def term(self) -> NamedNode | Literal | BlankNode:
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.choice(literal_pool())
        if roll < 0.95:
            return self.rng.choice(self.iris)
        return BlankNode()

    def mutate(self, quads: list[Quad]) -> list[Quad]:
        quads = list(quads)
        for _ in range(self.rng.randint(1, 4)):
            if not quads:
                break
            index = self.rng.randrange(len(quads))
            quad = quads[index]
            action = self.rng.choice(["drop", "drop", "replace", "replace", "replace",
                                      "duplicate", "retype", "untype", "add"])
            if action == "drop":
                quads.pop(index)
                self.log.append(f"drop {quad}")
            elif action == "replace":
                new = Quad(quad.subject, quad.predicate, self.term(), quad.graph_name)
                quads[index] = new
                self.log.append(f"replace {quad} -> {new.object}")
            elif action == "duplicate":
                new = Quad(quad.subject, quad.predicate, self.term(), quad.graph_name)
                quads.append(new)
                self.log.append(f"add {new}")
            elif action == "retype":
                new = Quad(quad.subject, RDF_TYPE, self.rng.choice(self.classes),
                           quad.graph_name)
                quads.append(new)
                self.log.append(f"add {new}")
            elif action == "untype":
                typed = [i for i, q in enumerate(quads) if q.predicate == RDF_TYPE]
                if typed:
                    self.log.append(f"drop {quads[typed[0]]}")
                    quads.pop(self.rng.choice(typed))
            else:
                new = Quad(quad.subject, self.rng.choice(self.predicates), self.term(),
                           quad.graph_name)
                quads.append(new)
                self.log.append(f"add {new}")
        return quads


def fast_keys(quads: list[Quad], background: list[Quad], shapes: Shapes) -> set[Key]:
    return {anonymous(result.key()) for result in sparql_results(quads, background, shapes)}


def sparql_results(quads: list[Quad], background: list[Quad],
                   shapes: Shapes) -> list[ValidationResult]:
    """The SPARQL engine's results."""
    store = Store()
    store.extend(quads)
    store.extend(background)
    return validate_store(store, shapes.compiled, background=True).results


def partitioned_results(quads: list[Quad], background: list[Quad], shapes: Shapes,
                        workers: int = 1) -> list[ValidationResult]:
    """The partitioned validator's results, from the quads as written (it puts literals in
    their stored form itself), with the SPARQL engine (on a store of the same quads) for the
    checks it leaves; ``workers`` > 1 splits even a few records between processes."""
    return partitioned_report(quads, background, shapes, workers).results


def partitioned_report(quads: list[Quad], background: list[Quad], shapes: Shapes,
                       workers: int = 1, tally: frozenset[str] = frozenset()
                       ) -> ValidationReport:
    """The partitioned validator's report (see :func:`partitioned_results`), the workers'
    results of the ``tally`` severities counted only."""
    store = Store()
    store.extend(quads)
    store.extend(background)
    texts: dict[str, list[Quad]] = {}
    for quad in quads:
        assert isinstance(quad.graph_name, NamedNode)
        texts.setdefault(quad.graph_name.value, []).append(quad)
    records = MemoryRecords({graph: serialize(graph_quads, format=RdfFormat.N_QUADS) or b""
                             for graph, graph_quads in texts.items()})
    vocabularies = GraphIndex()
    vocabularies.add_quads(background)
    vocabularies.finish()
    report = validate_records(records, shapes.compiled, vocabularies, workers=workers,
                              reopen=lambda: records, min_records=0,
                              fallback=lambda checks: run_checks(store, checks),
                              tally=tally)
    return report


def partitioned_keys(quads: list[Quad], background: list[Quad], shapes: Shapes) -> set[Key]:
    return {anonymous(r.key()) for r in partitioned_results(quads, background, shapes)}


def anonymous(key: Key) -> Key:
    """Blank node labels and literal spellings ("1000" / "1000.0"^^xsd:double) differ
    between rdflib and Oxigraph: compare blank focus nodes as one, literals by value."""
    focus, path, component, severity = key
    if focus.startswith("_:"):
        focus = "_:"
    elif focus.startswith('"'):
        term = next(iter(parse(f"<urn:s> <urn:p> {focus} .".encode(),
                               format=RdfFormat.N_TRIPLES))).object
        assert isinstance(term, Literal)
        value = RdfLiteral(term.value, lang=term.language,
                           datatype=None if term.language else term.datatype.value)
        focus = f"literal {value.toPython()!r} {term.datatype.value}"
    return (focus, path, component, severity)


def published_triples(quads: list[Quad], background: list[Quad]) -> list[Triple]:
    """What a client receives: the union of graphs after a trip through Oxigraph."""
    store = Store()
    store.extend(quads)
    store.extend(background)
    return restore_datatypes([Triple(q.subject, q.predicate, q.object) for q in store])


def published_ntriples(quads: list[Quad], background: list[Quad]) -> bytes:
    return serialize(published_triples(quads, background), format=RdfFormat.N_TRIPLES) or b""


def pyshacl_keys(ntriples: bytes, shapes: Shapes) -> set[Key]:
    """pyshacl's results on a graph given as N-Triples (picklable, for a process pool)."""
    data = Graph()
    data.parse(data=ntriples, format="nt")
    _, report, _ = validate(data, shacl_graph=shapes.graph, allow_warnings=True,
                            inference="none")
    keys: set[Key] = set()
    def sh(name: str) -> URIRef:
        return URIRef(SH + name)

    for node in report.subjects(RDFNS.type, sh("ValidationReport")):
        for result in report.objects(node, sh("result")):
            path = report.value(result, sh("resultPath"))
            keys.add(anonymous((nt(report.value(result, sh("focusNode"))),
                      path_text(report, path) if path is not None else None,
                      str(report.value(result, sh("sourceConstraintComponent")))[len(SH):],
                      str(report.value(result, sh("resultSeverity")))[len(SH):])))
    return keys


def nt(node: Node | None) -> str:
    """An rdflib term in the N-Triples form pyoxigraph prints (the fast validator's keys)."""
    if isinstance(node, RdfLiteral):
        if node.language:
            return str(Literal(str(node), language=node.language))
        datatype = str(node.datatype or XSD + "string")
        return str(Literal(str(node), datatype=NamedNode(datatype)))
    if isinstance(node, URIRef):
        return f"<{node}>"
    return f"_:{node}"


def path_text(graph: Graph, node: Node) -> str:
    """A SHACL path node in the SPARQL syntax the fast validator reports."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if (node, RDFNS.first, None) in graph:
        return "(" + "/".join(path_text(graph, item) for item in Collection(graph, node)) + ")"
    for predicate, suffix in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"),
                              ("zeroOrOnePath", "?")):
        inner = graph.value(node, URIRef(SH + predicate))
        if inner is not None:
            return f"({path_text(graph, inner)}){suffix}"
    inner = graph.value(node, URIRef(SH + "inversePath"))
    if inner is not None:
        return f"^({path_text(graph, inner)})"
    alternatives = graph.value(node, URIRef(SH + "alternativePath"))
    assert alternatives is not None, f"unknown path node {node}"
    return "(" + "|".join(path_text(graph, item) for item in Collection(graph, alternatives)) + ")"


@cache
def background_quads(vocabulary_files: tuple[Path, ...], needed: frozenset[str]) -> list[Quad]:
    """The vocabulary statements about ``needed`` IRIs and their concept schemes, in the
    default graph (where the validator expects background data)."""
    store = Store()
    for path in vocabulary_files:
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE if path.suffix == ".ttl"
                        else RdfFormat.RDF_XML)
    in_scheme = NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
    subjects = {NamedNode(iri) for iri in needed}
    subjects |= {q.object for s in list(subjects)
                 for q in store.quads_for_pattern(s, in_scheme, None)
                 if isinstance(q.object, NamedNode)}
    return [Quad(q.subject, q.predicate, q.object, DefaultGraph())
            for s in subjects for q in store.quads_for_pattern(s, None, None)]
