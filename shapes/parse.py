"""Read a SHACL shapes graph into :mod:`shapes.model`, refusing what the validator cannot do.

Every SHACL term the validator does not implement is an error naming the shape and the term
(never a silent pass). ``sh:shape``, which is not a SHACL term but appears in the official
DCAT-AP files (a typo for ``sh:node``), is ignored like every SHACL processor ignores it, and
listed in :attr:`ShapesGraph.notices`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path as FilePath

from pyoxigraph import RdfFormat, parse, serialize
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node
from rdflib.util import guess_format

from shapes.model import (
    ClassConstraint,
    ClosedConstraint,
    Constraint,
    DatatypeConstraint,
    HasValueConstraint,
    InConstraint,
    LanguageInConstraint,
    LogicalConstraint,
    MaxCountConstraint,
    MaxLengthConstraint,
    MinCountConstraint,
    MinLengthConstraint,
    NodeConstraint,
    NodeKind,
    NodeKindConstraint,
    NotConstraint,
    Path,
    PatternConstraint,
    QualifiedConstraint,
    RangeConstraint,
    Shape,
    ShapesGraph,
    SparqlConstraint,
    Target,
    UniqueLangConstraint,
)

SH = "http://www.w3.org/ns/shacl#"


class ShapesError(ValueError):
    """A shapes graph that does not parse or uses a feature the validator does not support."""


# SHACL terms a shape may carry, by role. Anything else in the sh: namespace is refused.
_TARGETS = {"targetClass": "class", "targetNode": "node",
            "targetSubjectsOf": "subjectsOf", "targetObjectsOf": "objectsOf"}
_ANNOTATIONS = {"name", "description", "order", "group", "defaultValue", "message", "severity",
                "deactivated", "path", "property", "flags", "qualifiedMinCount",
                "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "ignoredProperties"}
_CONSTRAINTS = {"class", "datatype", "nodeKind", "minCount", "maxCount", "in", "hasValue",
                "pattern", "minLength", "maxLength", "languageIn", "uniqueLang",
                "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "node", "not",
                "and", "or", "xone", "qualifiedValueShape", "closed", "sparql"}
_NOT_SHACL = {"shape"}
_RANGES = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_SHAPE_LINKS = ("node", "not", "qualifiedValueShape", "property")
_SHAPE_LISTS = ("and", "or", "xone")


def sh(name: str) -> URIRef:
    return URIRef(SH + name)


def load_shapes(*sources: FilePath | str) -> ShapesGraph:
    """Parse shape files (any RDF syntax rdflib reads) into one :class:`ShapesGraph`.

    JSON-LD files are read by Oxigraph, which never fetches a remote ``@context`` (rdflib's
    JSON-LD parser would connect to any URL a file names): a file that needs one raises
    :class:`ShapesError` instead of making ldcat connect out.
    """
    graph = Graph()
    for source in sources:
        try:
            if guess_format(str(source)) == "json-ld":
                triples = parse(path=str(source), format=RdfFormat.JSON_LD)
                graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES) or b"",
                            format="nt")
            else:
                graph.parse(source)
        except Exception as error:  # rdflib raises many unrelated types
            raise ShapesError(f"{source}: shapes file does not parse: {error}") from error
    return parse_shapes(graph)


def parse_shapes(graph: Graph) -> ShapesGraph:
    """Every shape of ``graph``, with its constraints; raises :class:`ShapesError`."""
    return _Parser(graph).run()


def term_sparql(term: Node, where: str) -> str:
    """An IRI or literal as SPARQL text; blank nodes cannot be named in a query."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise ShapesError(f"{where}: a blank node as a value is not supported")


class _Parser:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.shapes: dict[Node, Shape] = {}
        self.ignored: dict[str, list[str]] = {}
        self.in_progress: set[Node] = set()

    def run(self) -> ShapesGraph:
        for node in sorted(self._shape_nodes(), key=str):
            self.shape(node)
        notices = tuple(f"sh:{term} is not a SHACL term and is ignored, as by every SHACL "
                        f"processor ({len(names)} shapes, e.g. {min(names)})"
                        for term, names in sorted(self.ignored.items()))
        return ShapesGraph(tuple(self.shapes.values()), notices)

    def _shape_nodes(self) -> Iterator[Node]:
        g = self.graph
        yield from g.subjects(RDF.type, sh("NodeShape"))
        yield from g.subjects(RDF.type, sh("PropertyShape"))
        for predicate in _TARGETS:
            yield from g.subjects(sh(predicate), None)
        for link in _SHAPE_LINKS:
            yield from g.objects(None, sh(link))
        for link in _SHAPE_LISTS:
            for head in g.objects(None, sh(link)):
                yield from self._list(head, link)

    def _list(self, head: Node, where: str) -> list[Node]:
        try:
            return list(Collection(self.graph, head))
        except Exception as error:
            raise ShapesError(f"{where}: not a well-formed RDF list: {error}") from error

    def name(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return str(node)
        owner = next(self.graph.subjects(sh("property"), node), None)
        path = self.graph.value(node, sh("path"))
        label = f"blank shape with path {self.path(path, '?').sparql}" if path is not None \
            else "blank node shape"
        return f"{label} (in {self.name(owner)})" if owner is not None else label

    def shape(self, node: Node) -> Shape:
        existing = self.shapes.get(node)
        if existing is not None:
            return existing
        name = self.name(node)
        if node in self.in_progress:
            raise ShapesError(f"shape {name}: recursive shapes are not supported")
        self.in_progress.add(node)
        g = self.graph
        for predicate in set(g.predicates(node, None)):
            local = str(predicate)[len(SH):] if str(predicate).startswith(SH) else None
            if local is None or local in _ANNOTATIONS or local in _CONSTRAINTS or \
                    local in _TARGETS:
                continue
            if local in _NOT_SHACL:
                self.ignored.setdefault(local, []).append(name)
                continue
            raise ShapesError(f"shape {name}: sh:{local} is not supported by ldcat's validator")
        path_node = g.value(node, sh("path"))
        severity = g.value(node, sh("severity"))
        targets = [Target(kind, term_sparql(value, name))
                   for predicate, kind in _TARGETS.items()
                   for value in g.objects(node, sh(predicate))]
        if (node, RDF.type, RDFS.Class) in g and isinstance(node, URIRef):
            targets.append(Target("class", f"<{node}>"))
        shape = Shape(
            name=name,
            path=self.path(path_node, name) if path_node is not None else None,
            severity=str(severity)[len(SH):] if severity is not None and
            str(severity).startswith(SH) else str(severity or "Violation"),
            deactivated=_boolean(g.value(node, sh("deactivated"))),
            message=_first_text(g.objects(node, sh("message"))),
            targets=tuple(sorted(set(targets), key=lambda t: (t.kind, t.term))),
        )
        shape.constraints.extend(self.constraints(node, shape))
        shape.properties.extend(self.shape(child) for child in
                                sorted(g.objects(node, sh("property")), key=str))
        self.in_progress.discard(node)
        self.shapes[node] = shape
        return shape

    def path(self, node: Node, where: str) -> Path:
        g = self.graph
        if isinstance(node, URIRef):
            return Path(f"<{node}>", predicate=str(node))
        if isinstance(node, Literal):
            raise ShapesError(f"shape {where}: sh:path is a literal")
        if (node, RDF.first, None) in g:
            parts = [self.path(item, where) for item in self._list(node, where)]
            return Path("(" + "/".join(p.sparql for p in parts) + ")",
                        unbounded=any(p.unbounded for p in parts))
        for predicate, suffix in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"),
                                  ("zeroOrOnePath", "?")):
            inner = g.value(node, sh(predicate))
            if inner is not None:
                return Path(f"({self.path(inner, where).sparql}){suffix}", unbounded=True)
        inverse = g.value(node, sh("inversePath"))
        if inverse is not None:
            inner_path = self.path(inverse, where)
            return Path(f"^({inner_path.sparql})", unbounded=inner_path.unbounded)
        alternatives = g.value(node, sh("alternativePath"))
        if alternatives is not None:
            parts = [self.path(item, where) for item in self._list(alternatives, where)]
            return Path("(" + "|".join(p.sparql for p in parts) + ")",
                        unbounded=any(p.unbounded for p in parts))
        raise ShapesError(f"shape {where}: sh:path is not a SHACL property path")

    def constraints(self, node: Node, shape: Shape) -> list[Constraint]:
        g = self.graph
        name = shape.name
        found: list[Constraint] = []

        def integer(value: Node, term: str) -> int:
            return _integer(value, name, term)

        for value in g.objects(node, sh("class")):
            found.append(ClassConstraint(str(_iri(value, name, "class"))))
        for value in g.objects(node, sh("datatype")):
            found.append(DatatypeConstraint(str(_iri(value, name, "datatype"))))
        for value in g.objects(node, sh("nodeKind")):
            local = str(value)[len(SH):]
            try:
                found.append(NodeKindConstraint(NodeKind(local)))
            except ValueError:
                raise ShapesError(f"shape {name}: unknown sh:nodeKind {value}") from None
        for value in g.objects(node, sh("minCount")):
            found.append(MinCountConstraint(integer(value, "minCount")))
        for value in g.objects(node, sh("maxCount")):
            found.append(MaxCountConstraint(integer(value, "maxCount")))
        for value in g.objects(node, sh("in")):
            members = tuple(term_sparql(m, f"shape {name} sh:in") for m in self._list(value, name))
            found.append(InConstraint(members))
        for value in g.objects(node, sh("hasValue")):
            found.append(HasValueConstraint(term_sparql(value, f"shape {name} sh:hasValue")))
        flags = g.value(node, sh("flags"))
        for value in g.objects(node, sh("pattern")):
            pattern = str(value)
            try:
                re.compile(pattern)
            except re.error as error:
                raise ShapesError(f"shape {name}: sh:pattern {pattern!r}: {error}") from None
            found.append(PatternConstraint(pattern, str(flags or "")))
        for value in g.objects(node, sh("minLength")):
            found.append(MinLengthConstraint(integer(value, "minLength")))
        for value in g.objects(node, sh("maxLength")):
            found.append(MaxLengthConstraint(integer(value, "maxLength")))
        for value in g.objects(node, sh("languageIn")):
            found.append(LanguageInConstraint(tuple(str(m) for m in self._list(value, name))))
        for value in g.objects(node, sh("uniqueLang")):
            if _boolean(value):
                found.append(UniqueLangConstraint())
        for local, operator in _RANGES.items():
            for value in g.objects(node, sh(local)):
                found.append(RangeConstraint(term_sparql(value, f"shape {name} sh:{local}"),
                                             operator, local[0].upper() + local[1:]))
        for value in g.objects(node, sh("node")):
            found.append(NodeConstraint(self.shape(value)))
        for value in g.objects(node, sh("not")):
            found.append(NotConstraint(self.shape(value)))
        for local in _SHAPE_LISTS:
            for value in g.objects(node, sh(local)):
                operands = tuple(self.shape(m) for m in self._list(value, name))
                found.append(LogicalConstraint(local.capitalize(), operands))
        found.extend(self.qualified(node, shape))
        for value in g.objects(node, sh("closed")):
            if _boolean(value):
                found.append(self.closed(node, shape))
        for value in g.objects(node, sh("sparql")):
            found.append(self.sparql(value, shape))
        return found

    def qualified(self, node: Node, shape: Shape) -> list[Constraint]:
        g = self.graph
        value = g.value(node, sh("qualifiedValueShape"))
        if value is None:
            return []
        qualified = self.shape(value)
        disjoint: tuple[Shape, ...] = ()
        if _boolean(g.value(node, sh("qualifiedValueShapesDisjoint"))):
            siblings = {other for parent in g.subjects(sh("property"), node)
                        for sibling in g.objects(parent, sh("property"))
                        for other in g.objects(sibling, sh("qualifiedValueShape"))
                        if other != value}
            disjoint = tuple(self.shape(s) for s in sorted(siblings, key=str))
        found: list[Constraint] = []
        minimum = g.value(node, sh("qualifiedMinCount"))
        maximum = g.value(node, sh("qualifiedMaxCount"))
        if minimum is not None:
            count = _integer(minimum, shape.name, "qualifiedMinCount")
            found.append(QualifiedConstraint(qualified, count, False, disjoint))
        if maximum is not None:
            count = _integer(maximum, shape.name, "qualifiedMaxCount")
            found.append(QualifiedConstraint(qualified, count, True, disjoint))
        return found

    def closed(self, node: Node, shape: Shape) -> ClosedConstraint:
        g = self.graph
        allowed = {str(p) for child in g.objects(node, sh("property"))
                   for p in [g.value(child, sh("path"))] if isinstance(p, URIRef)}
        for ignored in g.objects(node, sh("ignoredProperties")):
            allowed.update(str(p) for p in self._list(ignored, shape.name))
        return ClosedConstraint(tuple(sorted(allowed)))

    def sparql(self, node: Node, shape: Shape) -> SparqlConstraint:
        g = self.graph
        where = f"shape {shape.name} sh:sparql"
        select = g.value(node, sh("select"))
        if select is None:
            raise ShapesError(f"{where}: only SELECT-based constraints are supported")
        text = str(select)
        for forbidden in ("$shapesGraph", "$currentShape", "?shapesGraph", "?currentShape"):
            if forbidden in text:
                raise ShapesError(f"{where}: {forbidden} is not supported")
        prefixes: list[tuple[str, str]] = []
        for declarations in g.objects(node, sh("prefixes")):
            for declaration in g.objects(declarations, sh("declare")):
                prefix = g.value(declaration, sh("prefix"))
                namespace = g.value(declaration, sh("namespace"))
                if prefix is None or namespace is None:
                    raise ShapesError(f"{where}: sh:declare needs sh:prefix and sh:namespace")
                prefixes.append((str(prefix), str(namespace)))
        projection, body = split_select(text, where)
        if shape.path is not None:
            body = body.replace("$PATH", shape.path.sparql)
            text = text.replace("$PATH", shape.path.sparql)
        body = re.sub(r"\$(\w+)", r"?\1", body)
        text = re.sub(r"\$(\w+)", r"?\1", text)
        projected = set(re.findall(r"[?$](\w+)", projection))
        if "this" not in projected:
            raise ShapesError(f"{where}: the SELECT must project $this")
        return SparqlConstraint(
            prefixes=tuple(sorted(set(prefixes))), select=text, where=body,
            projects_value="value" in projected, projects_path="path" in projected,
            message=_first_text(g.objects(node, sh("message"))))


def split_select(text: str, where: str) -> tuple[str, str]:
    """(projection, WHERE body without braces) of a ``SELECT ... WHERE { ... }`` query."""
    match = re.search(r"\bSELECT\b(.*?)(\bWHERE\b\s*)?\{", text, re.IGNORECASE | re.DOTALL)
    if match is None or re.search(r"\bPREFIX\b|\bBASE\b", text[:match.start()], re.IGNORECASE):
        raise ShapesError(f"{where}: expected 'SELECT ... WHERE {{ ... }}' (prefixes go in "
                          "sh:prefixes)")
    start = match.end()
    depth = 1
    index = start
    quote: str | None = None
    while index < len(text) and depth:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        index += 1
    if depth:
        raise ShapesError(f"{where}: unbalanced braces in sh:select")
    if text[index:].strip():
        raise ShapesError(f"{where}: solution modifiers after WHERE (GROUP BY, ORDER BY, "
                          "LIMIT, ...) are not supported")
    return match.group(1), text[start:index - 1]


def _iri(value: Node, shape: str, term: str) -> URIRef:
    if not isinstance(value, URIRef):
        raise ShapesError(f"shape {shape}: sh:{term} must be an IRI, not {value!r}")
    return value


def _integer(value: Node, shape: str, term: str) -> int:
    if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
        raise ShapesError(f"shape {shape}: sh:{term} must be an integer, not {value}")
    return int(value.toPython())


def _boolean(value: Node | None) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _first_text(values: Iterator[Node]) -> str | None:
    texts = sorted(str(v) for v in values if isinstance(v, Literal))
    return texts[0] if texts else None


__all__ = ["SH", "ShapesError", "load_shapes", "parse_shapes", "split_select",
           "term_sparql"]
