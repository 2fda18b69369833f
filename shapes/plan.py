"""Which checks of a shapes graph run as Python closures, and how their rows become results.

Checks are enumerated by :class:`shapes.compile.Compiler` (the same checks, in the same order,
as the SPARQL engine); each one is either compiled to closures (:mod:`shapes.closures`) or left
to the SPARQL engine. Results are built exactly as :func:`shapes.validate._result` builds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ontology.datatypes import DECLARED_DATATYPES
from shapes.closures import RDF_TYPE, CheckRunner, Compiled, Unsupported, inverse_predicates, runner
from shapes.compile import Check, Compiler
from shapes.graph_rules import CATALOG, Rule, rule_for
from shapes.model import (
    ClassConstraint,
    QualifiedConstraint,
    Shape,
    ShapesGraph,
    SparqlConstraint,
)
from shapes.parse import ShapesError
from shapes.report import ValidationResult
from shapes.validate import _NO_VALUE, _default_message


@dataclass
class RootPlan:
    """The closures of one root shape; ``classes`` are its target classes, ``subjects_of``
    and ``objects_of`` the predicates of its other targets (plain IRIs)."""

    root: Shape
    classes: tuple[str, ...]
    runners: list[CheckRunner] = field(default_factory=list)
    subjects_of: tuple[str, ...] = ()
    objects_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultMaker:
    """What every result of one check shares."""

    path: str | None
    component: str
    severity: str
    shape: str
    message: str
    focus_as_value: bool
    """A value-level constraint of a node shape reports the focus node as its value."""

    def make(self, focus: str, value: str | None) -> ValidationResult:
        if value is None and self.focus_as_value:
            value = focus
        return ValidationResult(focus=focus, path=self.path, component=self.component,
                                severity=self.severity, value=value, shape=self.shape,
                                message=self.message)


@dataclass(frozen=True)
class NativeCheck:
    """A SPARQL-based check computed by a rule of :mod:`shapes.graph_rules`."""

    index: int
    """Position of the check in the plan's list."""
    rule: Rule


@dataclass
class Plan:
    """Every check of a shapes graph, split between closures and the SPARQL engine."""

    checks: list[Check]
    makers: list[ResultMaker]
    roots: list[RootPlan]
    fallback: list[Check]
    classes: set[str]
    native: list[NativeCheck] = field(default_factory=list)
    """SPARQL-based checks with a native rule over the records' text (graph rules)."""
    """Every class IRI a target or an sh:class names (their subclass closures are needed)."""
    inverse: set[str] = field(default_factory=set)
    """Predicates of inverse paths (indexed by object as well)."""
    predicates: set[str] = field(
        default_factory=lambda: {RDF_TYPE, "http://www.w3.org/2000/01/rdf-schema#subClassOf"})
    """Every predicate the closures read: the other statements need not be indexed."""


def make_plan(shapes: ShapesGraph) -> Plan:
    """Compile ``shapes``; raises :class:`ShapesError` as the SPARQL compiler does."""
    compiler = Compiler(lambda cls: (cls,), dict(DECLARED_DATATYPES))
    compiled = Compiled(dict(DECLARED_DATATYPES))
    plan = Plan([], [], [], [], set())
    for root in shapes.roots:
        try:
            checks = compiler.checks(root)
        except ShapesError as error:
            raise ShapesError(f"{error} (while compiling shape {root.name})") from error
        classes = tuple(t.term[1:-1] for t in root.targets if t.kind == "class")
        root_plan = RootPlan(
            root, classes,
            subjects_of=tuple(t.term[1:-1] for t in root.targets if t.kind == "subjectsOf"),
            objects_of=tuple(t.term[1:-1] for t in root.targets if t.kind == "objectsOf"))
        for check in checks:
            index = len(plan.checks)
            plan.checks.append(check)
            plan.makers.append(_maker(check))
            _collect_classes(check.shape, plan.classes, set(), plan.inverse)
            rule = _native_rule(check)
            if rule is not None:
                plan.native.append(NativeCheck(index, rule))
                continue
            try:
                root_plan.runners.append(runner(compiled, check, index))
            except Unsupported:
                plan.fallback.append(check)
                continue
            _collect_predicates(check.shape, plan.predicates, set())
        plan.classes.update(classes)
        if root_plan.runners:
            plan.roots.append(root_plan)
            plan.predicates.update(root_plan.subjects_of, root_plan.objects_of)
    return plan


def _native_rule(check: Check) -> Rule | None:
    """The graph rule computing ``check``, for a SPARQL constraint on the instances of
    ``dcat:Catalog`` whose exact query has one."""
    c = check.constraint
    targets = check.root.targets
    if not isinstance(c, SparqlConstraint) or check.shape is not check.root or \
            [(t.kind, t.term) for t in targets] != [("class", CATALOG)]:
        return None
    return rule_for(check.root.name, c)


def _maker(check: Check) -> ResultMaker:
    shape = check.shape
    c = check.constraint
    message = getattr(c, "message", None) or shape.message or _default_message(check)
    return ResultMaker(path=shape.path.sparql if shape.path else None, component=c.component,
                       severity=shape.severity, shape=shape.name, message=message,
                       focus_as_value=shape.path is None and c.component not in _NO_VALUE)


def _collect_predicates(shape: Shape, found: set[str], seen: set[int]) -> None:
    """The predicates of every path of ``shape`` and of the shapes it nests."""
    if id(shape) in seen:
        return
    seen.add(id(shape))
    if shape.path is not None:
        found.update(re.findall(r"<([^>]*)>", shape.path.sparql))
    for c in shape.constraints:
        for nested in (getattr(c, "shape", None), *getattr(c, "shapes", ()),
                       *(c.disjoint_from if isinstance(c, QualifiedConstraint) else ())):
            if isinstance(nested, Shape):
                _collect_predicates(nested, found, seen)
    for prop in shape.properties:
        _collect_predicates(prop, found, seen)


def _collect_classes(shape: Shape, found: set[str], seen: set[int], inverse: set[str]) -> None:
    if id(shape) in seen:
        return
    seen.add(id(shape))
    if shape.path is not None:
        inverse.update(inverse_predicates(shape.path))
    for c in shape.constraints:
        if isinstance(c, ClassConstraint):
            found.add(c.cls)
        for nested in (getattr(c, "shape", None), *getattr(c, "shapes", ()),
                       *(c.disjoint_from if isinstance(c, QualifiedConstraint) else ())):
            if isinstance(nested, Shape):
                _collect_classes(nested, found, seen, inverse)
    for prop in shape.properties:
        _collect_classes(prop, found, seen, inverse)
