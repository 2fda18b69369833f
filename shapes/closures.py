"""SHACL Core constraints as precompiled Python closures over a :class:`View`.

Each closure decides what the SPARQL the compiler writes (:mod:`shapes.compile`) decides, on
plain Python indexes instead of the store: same value nodes, same tests on lexical forms and
datatypes (declared datatypes included), same rows per check. What it cannot decide alone
(inverse and unbounded paths, targets other than classes, SPARQL-based and closed
constraints, ranges) is refused by :func:`supported`, and such checks run on the SPARQL engine.

A view raises :class:`Missing` when a node is described in data it does not hold; the caller
then evaluates that focus node again where the node is available.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shapes.compile import RDF_LANGSTRING, RDFS_LITERAL, Check
from shapes.graphindex import Description
from shapes.model import (
    ClassConstraint,
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
    Shape,
    UniqueLangConstraint,
)
from shapes.terms import XSD_INTEGER, lexical, literal_parts, stored, well_formed

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_EMPTY: list[str] = []


class Missing(Exception):
    """A node's statements are held elsewhere (another partition)."""

    def __init__(self, node: str) -> None:
        super().__init__(node)
        self.node = node


class View:
    """Statements visible to one evaluator: ``local`` first, then ``shared``; a subject in
    neither whose hash is in ``remote`` is described elsewhere (:class:`Missing`)."""

    def __init__(self, local: dict[str, Description], shared: dict[str, Description],
                 remote: set[int] | frozenset[int], classes: dict[str, frozenset[str]],
                 remote_types: dict[str, list[str]] | None = None,
                 inverse: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.local = local
        self.shared = shared
        self.remote = remote
        self.closure = classes
        self.remote_types = remote_types or {}
        self.inverse = inverse or {}
        """predicate -> object -> subjects, for the predicates of inverse paths (complete:
        gathered from every part)."""
        self.memo: dict[tuple[int, str], bool] = {}
        """(shape id, node) -> does not conform, for nodes of ``shared`` (concepts,
        publishers: the same few are checked for every dataset)."""

    def describe(self, node: str) -> Description | None:
        found = self.local.get(node)
        if found is None:
            found = self.shared.get(node)
            if found is None and hash(node) in self.remote:
                raise Missing(node)
        return found

    def values(self, node: str, predicate: str) -> list[str]:
        found = self.describe(node)
        return _EMPTY if found is None else found.get(predicate, _EMPTY)

    def subjects_of(self, predicate: str, node: str) -> list[str]:
        """The subjects of ``predicate`` statements whose object is ``node``."""
        return self.inverse[predicate].get(node, _EMPTY)

    def types(self, node: str) -> list[str]:
        found = self.local.get(node)
        if found is None:
            found = self.shared.get(node)
            if found is None:
                if hash(node) in self.remote:
                    known = self.remote_types.get(node)
                    if known is None:
                        raise Missing(node)
                    return known
                return _EMPTY
        return found.get(RDF_TYPE, _EMPTY)


PathFn = Callable[[View, str], Sequence[str]]
ValueTest = Callable[[View, str], bool]
"""True when the value node fails."""
NodeTest = Callable[[View, str], bool]
"""True when the node does not conform (or the focus node violates the constraint)."""


class Unsupported(Exception):
    """A feature the closures do not implement (the check runs on the SPARQL engine)."""


# --- paths ---------------------------------------------------------------------------------


def parse_path(path: Path) -> PathFn:
    """The values of ``path`` (predicates, sequences, alternatives) at a node."""
    if path.predicate is not None:
        predicate = path.predicate

        def one(view: View, node: str) -> list[str]:
            return view.values(node, predicate)

        return one
    if path.unbounded:
        raise Unsupported(f"path {path.sparql}")
    tree, rest = _path_expression(path.sparql)
    if rest.strip():
        raise Unsupported(f"path {path.sparql}")
    return _path_fn(tree)


PathTree = str | tuple[str, list["PathTree"]]
"""A predicate IRI, or an operator (``/``, ``|``, ``^``) with its operands."""


def inverse_predicates(path: Path) -> set[str]:
    """The predicates ``path`` follows backwards (their statements must be indexed by
    object)."""
    if path.predicate is not None or path.unbounded:
        return set()
    return set(re.findall(r"\^\(<([^>]*)>\)", path.sparql))


def _path_expression(text: str) -> tuple[PathTree, str]:
    text = text.strip()
    if text.startswith("<"):
        end = text.index(">")
        return text[1:end], text[end + 1:]
    if text.startswith("^("):
        inner, rest = _path_expression(text[1:])
        if not isinstance(inner, str):
            raise Unsupported(f"path {text}: the inverse of a complex path")
        return ("^", [inner]), rest
    if not text.startswith("("):
        raise Unsupported(f"path {text}")
    parts: list[PathTree] = []
    operator = ""
    rest = text[1:]
    while True:
        part, rest = _path_expression(rest)
        parts.append(part)
        rest = rest.strip()
        if rest.startswith(")"):
            if len(parts) == 1:
                return parts[0], rest[1:]
            return (operator or "/", parts), rest[1:]
        if rest[0] not in "/|" or (operator and rest[0] != operator):
            raise Unsupported(f"path {text}")
        operator = rest[0]
        rest = rest[1:]


def _path_fn(tree: PathTree) -> PathFn:
    if isinstance(tree, str):
        predicate = tree
        return lambda view, node: view.values(node, predicate)
    operator, parts = tree
    if operator == "^":
        inverted = parts[0]
        assert isinstance(inverted, str)
        return lambda view, node: view.subjects_of(inverted, node)
    functions = [_path_fn(part) for part in parts]
    if operator == "|":
        def alternative(view: View, node: str) -> list[str]:
            found: dict[str, None] = {}
            for function in functions:
                found.update(dict.fromkeys(function(view, node)))
            return list(found)

        return alternative

    def sequence(view: View, node: str) -> list[str]:
        current: list[str] = [node]
        for function in functions:
            following: dict[str, None] = {}
            for item in current:
                following.update(dict.fromkeys(function(view, item)))
            current = list(following)
        return current

    return sequence


# --- value tests ---------------------------------------------------------------------------

_KINDS: dict[NodeKind, str] = {
    NodeKind.IRI: "<", NodeKind.BLANK_NODE: "_", NodeKind.LITERAL: '"',
    NodeKind.BLANK_NODE_OR_IRI: "<_", NodeKind.BLANK_NODE_OR_LITERAL: '_"',
    NodeKind.IRI_OR_LITERAL: '<"',
}
_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


class Compiled:
    """Compiles constraints to closures; ``declared`` maps property IRI -> datatype
    (:data:`ontology.datatypes.DECLARED_DATATYPES`)."""

    def __init__(self, declared: dict[str, str]) -> None:
        self.declared = declared
        self._shapes: dict[int, NodeTest] = {}

    def value_test(self, c: Constraint, path: Path | None) -> ValueTest:
        """Fails a value node (SPARQL: :meth:`Compiler.value_failure`)."""
        if isinstance(c, ClassConstraint):
            cls = c.cls

            def class_test(view: View, v: str) -> bool:
                accepted = view.closure[cls]
                return all(t[1:-1] not in accepted for t in view.types(v))

            return class_test
        if isinstance(c, DatatypeConstraint):
            return self._datatype(c.datatype, path)
        if isinstance(c, NodeKindConstraint):
            starts = _KINDS[c.kind]
            return lambda view, v: v[0] not in starts
        if isinstance(c, InConstraint):
            members = frozenset(stored(m) for m in c.values)
            return lambda view, v: v not in members
        if isinstance(c, PatternConstraint):
            flags = 0
            for flag in c.flags:
                flags |= _FLAGS.get(flag, 0)
            regex = re.compile(c.pattern, flags)
            return lambda view, v: v[0] == "_" or regex.search(lexical(v)) is None
        if isinstance(c, MinLengthConstraint):
            low = c.length
            return lambda view, v: v[0] == "_" or len(lexical(v)) < low
        if isinstance(c, MaxLengthConstraint):
            high = c.length
            return lambda view, v: v[0] == "_" or len(lexical(v)) > high
        if isinstance(c, LanguageInConstraint):
            ranges = tuple(r.lower() for r in c.languages)
            return lambda view, v: v[0] != '"' or not any(
                _lang_matches(literal_parts(v)[2], r) for r in ranges)
        if isinstance(c, NodeConstraint):
            return self.nonconforming(c.shape)
        if isinstance(c, NotConstraint):
            inner = self.nonconforming(c.shape)
            return lambda view, v: not inner(view, v)
        if isinstance(c, LogicalConstraint):
            tests = [self.nonconforming(s) for s in c.shapes]
            if c.operator == "And":
                return lambda view, v: any(t(view, v) for t in tests)
            if c.operator == "Or":
                return lambda view, v: all(t(view, v) for t in tests)
            return lambda view, v: sum(not t(view, v) for t in tests) != 1
        raise Unsupported(c.component)

    def _datatype(self, datatype: str, path: Path | None) -> ValueTest:
        if datatype == RDFS_LITERAL:
            return lambda view, v: v[0] != '"'
        if datatype == RDF_LANGSTRING:
            return lambda view, v: v[0] != '"' or not literal_parts(v)[2]
        declared = self.declared.get(path.predicate) if path and path.predicate else None

        def datatype_test(view: View, v: str) -> bool:
            if v[0] != '"':
                return True
            body, actual, _ = literal_parts(v)
            if declared is not None and actual == XSD_INTEGER:
                actual = declared
            return actual != datatype or not well_formed(body, datatype)

        return datatype_test

    def focus_test(self, c: Constraint, shape: Shape) -> NodeTest:
        """Fails a focus node (SPARQL: :meth:`Compiler.focus_failure`)."""
        values = self.values(shape)
        if isinstance(c, MinCountConstraint):
            low = c.count
            return lambda view, x: len(values(view, x)) < low
        if isinstance(c, MaxCountConstraint):
            high = c.count
            return lambda view, x: len(values(view, x)) > high
        if isinstance(c, HasValueConstraint):
            wanted = stored(c.value)
            return lambda view, x: wanted not in values(view, x)
        if isinstance(c, UniqueLangConstraint):
            def unique_lang(view: View, x: str) -> bool:
                seen: set[str] = set()
                for v in values(view, x):
                    if v[0] == '"':
                        lang = literal_parts(v)[2].lower()
                        if lang:
                            if lang in seen:
                                return True
                            seen.add(lang)
                return False

            return unique_lang
        if isinstance(c, QualifiedConstraint):
            inner = self.nonconforming(c.shape)
            siblings = [self.nonconforming(s) for s in c.disjoint_from]
            count, maximum = c.count, c.maximum

            def qualified(view: View, x: str) -> bool:
                conforming = sum(1 for v in values(view, x) if not inner(view, v)
                                 and all(s(view, v) for s in siblings))
                return conforming > count if maximum else conforming < count

            return qualified
        raise Unsupported(c.component)

    def values(self, shape: Shape) -> PathFn:
        if shape.path is None:
            return lambda view, x: [x]
        return parse_path(shape.path)

    def nonconforming(self, shape: Shape) -> NodeTest:
        """True when a node does not conform to ``shape`` (SPARQL:
        :meth:`Compiler.nonconforming`)."""
        known = self._shapes.get(id(shape))
        if known is not None:
            return known
        if shape.deactivated:
            return lambda view, x: False
        tests: list[NodeTest] = [self.failure(shape, c) for c in shape.constraints]
        for prop in shape.properties:
            if not prop.deactivated:
                tests.extend(self.failure(prop, c) for c in prop.constraints)

        key = id(shape)

        def test(view: View, x: str) -> bool:
            if x in view.local:
                return any(t(view, x) for t in tests)
            memo = view.memo
            known = memo.get((key, x))
            if known is None:
                known = memo[key, x] = any(t(view, x) for t in tests)
            return known

        self._shapes[key] = test
        return test

    def failure(self, shape: Shape, c: Constraint) -> NodeTest:
        """True when node ``x`` violates constraint ``c`` of ``shape``."""
        if is_value_level(c):
            value_test = self.value_test(c, shape.path)
            if shape.path is None:
                return value_test
            path = parse_path(shape.path)
            return lambda view, x: any(value_test(view, v) for v in path(view, x))
        return self.focus_test(c, shape)


def is_value_level(c: Constraint) -> bool:
    return isinstance(c, ClassConstraint | DatatypeConstraint | NodeKindConstraint |
                      InConstraint | PatternConstraint | MinLengthConstraint |
                      MaxLengthConstraint | LanguageInConstraint | NodeConstraint |
                      NotConstraint | LogicalConstraint)


def _lang_matches(tag: str, language_range: str) -> bool:
    if language_range == "*":
        return bool(tag)
    tag = tag.lower()
    return tag == language_range or tag.startswith(language_range + "-")


# --- checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRunner:
    """One check as closures: ``value_test`` on each value of ``path`` (a row per failing
    value), or ``focus_test`` on the focus node (one row).

    When the path is one predicate, ``predicate`` names it and the common tests are also
    given as data, for the evaluator to inline: ``kinds`` (the first characters a value
    must start with: sh:nodeKind), ``minimum`` / ``maximum`` (sh:minCount / sh:maxCount),
    ``wanted`` (sh:hasValue).
    """

    index: int
    """Position of the check in the plan's list."""
    path: PathFn | None
    value_test: ValueTest | None
    focus_test: NodeTest | None
    predicate: str | None = None
    kinds: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    wanted: str | None = None


def runner(compiled: Compiled, check: Check, index: int) -> CheckRunner:
    """Closures for ``check``; raises :class:`Unsupported`."""
    shape, c = check.shape, check.constraint
    if any(t.kind == "node" for t in check.root.targets):
        raise Unsupported("sh:targetNode")
    predicate = shape.path.predicate if shape.path is not None else None
    if is_value_level(c):
        test = compiled.value_test(c, shape.path)
        if shape.path is None:
            return CheckRunner(index, None, None, test)
        kinds = _KINDS[c.kind] if isinstance(c, NodeKindConstraint) else None
        return CheckRunner(index, parse_path(shape.path), test, None, predicate, kinds)
    if isinstance(c, MinCountConstraint) and c.count == 0:
        return CheckRunner(index, None, None, lambda view, x: False)
    if shape.path is not None and shape.path.unbounded:
        raise Unsupported(f"path {shape.path.sparql}")
    focus_test = compiled.focus_test(c, shape)
    if predicate is None:
        return CheckRunner(index, None, None, focus_test)
    return CheckRunner(
        index, None, None, focus_test, predicate,
        minimum=c.count if isinstance(c, MinCountConstraint) else None,
        maximum=c.count if isinstance(c, MaxCountConstraint) else None,
        wanted=stored(c.value) if isinstance(c, HasValueConstraint) else None)
