"""Run a :class:`~shapes.plan.Plan`'s closures on the focus nodes of one view.

Focus nodes are the subjects typed with a target class (or a subclass of one), the subjects
and objects of target predicates (``sh:targetSubjectsOf`` / ``sh:targetObjectsOf``). A focus node
whose evaluation needs statements the view does not hold (:class:`~shapes.closures.Missing`)
is *deferred*: its partial rows are dropped and the caller evaluates it again elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shapes.closures import RDF_TYPE, CheckRunner, Missing, View
from shapes.plan import Plan, ResultMaker
from shapes.report import ValidationResult

Deferred = tuple[int, str]
"""(root plan index, focus node)."""


def subclass_closure(pairs: Iterable[tuple[str, str]], classes: Iterable[str]
                     ) -> dict[str, frozenset[str]]:
    """class IRI -> itself and its ``rdfs:subClassOf*`` subclasses, from (sub, super) pairs
    of plain IRIs."""
    below: dict[str, set[str]] = {}
    for sub, sup in pairs:
        below.setdefault(sup, set()).add(sub)
    closure: dict[str, frozenset[str]] = {}
    for cls in classes:
        found = {cls}
        todo = [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        closure[cls] = frozenset(found)
    return closure


def roots_by_type(plan: Plan, closure: dict[str, frozenset[str]]) -> dict[str, list[int]]:
    """Type term (``<iri>``) -> the root plans it makes a node a focus node of."""
    found: dict[str, list[int]] = {}
    for index, root in enumerate(plan.roots):
        for cls in root.classes:
            for sub in closure[cls]:
                entry = found.setdefault(f"<{sub}>", [])
                if index not in entry:
                    entry.append(index)
    return found


@dataclass
class _Steps:
    """The checks on the values of one predicate: nodeKind tests as the checks each first
    character fails (``<`` IRI, ``_`` blank node, ``"`` literal), other value tests, and
    maxCount checks (none can fail up to ``fewest`` values)."""

    kinds: dict[str, list[ResultMaker]] = field(
        default_factory=lambda: {"<": [], "_": [], '"': []})
    tests: list[tuple[Any, ResultMaker]] = field(default_factory=list)
    maxima: list[tuple[int, ResultMaker]] = field(default_factory=list)
    fewest: int = 1 << 62


@dataclass
class _Merged:
    """The checks of several root plans, arranged for one pass over a focus node's
    statements: steps per predicate (run on its values), count and hasValue checks, and
    the checks with other paths."""

    present: dict[str, _Steps] = field(default_factory=dict)
    minimum: list[tuple[str, int, ResultMaker]] = field(default_factory=list)
    wanted: list[tuple[str, str, ResultMaker]] = field(default_factory=list)
    generic: list[tuple[CheckRunner, ResultMaker]] = field(default_factory=list)


def _merge(plan: Plan, indexes: tuple[int, ...]) -> _Merged:
    merged = _Merged()
    for index in indexes:
        for run in plan.roots[index].runners:
            maker = plan.makers[run.index]
            p = run.predicate
            if p is None:
                merged.generic.append((run, maker))
            elif run.kinds is not None:
                steps = merged.present.setdefault(p, _Steps())
                for first, makers in steps.kinds.items():
                    if first not in run.kinds:
                        makers.append(maker)
            elif run.value_test is not None:
                merged.present.setdefault(p, _Steps()).tests.append((run.value_test, maker))
            elif run.maximum is not None:
                steps = merged.present.setdefault(p, _Steps())
                steps.maxima.append((run.maximum, maker))
                steps.fewest = min(steps.fewest, run.maximum)
            elif run.minimum is not None:
                merged.minimum.append((p, run.minimum, maker))
            elif run.wanted is not None:
                merged.wanted.append((p, run.wanted, maker))
            else:
                merged.generic.append((run, maker))
    return merged


def predicate_targets(plan: Plan) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Predicate IRI -> the root plans whose focus nodes are its subjects
    (``sh:targetSubjectsOf``), and likewise its objects (``sh:targetObjectsOf``)."""
    subjects: dict[str, list[int]] = {}
    objects: dict[str, list[int]] = {}
    for index, root in enumerate(plan.roots):
        for predicate in root.subjects_of:
            subjects.setdefault(predicate, []).append(index)
        for predicate in root.objects_of:
            objects.setdefault(predicate, []).append(index)
    return subjects, objects


def evaluate(plan: Plan, view: View, nodes: Iterable[str], by_type: dict[str, list[int]],
             only: dict[str, list[int]] | None = None
             ) -> tuple[list[ValidationResult], list[Deferred]]:
    """Results of every root plan on the focus nodes among ``nodes`` (``only``: node ->
    the root plans to run, instead of those its types and statements give).

    The objects of a ``sh:targetObjectsOf`` predicate in the statements of ``nodes`` are
    focus nodes too, wherever they are described (or if they are described nowhere):
    evaluated here after ``nodes``, deferred when held elsewhere."""
    results: list[ValidationResult] = []
    deferred: list[Deferred] = []
    plans: dict[tuple[int, ...], _Merged] = {}
    empty: list[str] = []
    subject_roots, object_roots = predicate_targets(plan) if only is None else ({}, {})
    aimed: dict[str, list[int]] = {}
    """Focus nodes of object targets -> their root plans."""
    for node in nodes:
        if only is not None:
            chosen = tuple(only.get(node, ()))
            try:
                description = view.describe(node) or {}
            except Missing:  # an object target held elsewhere: evaluated where it is
                deferred.extend((index, node) for index in chosen)
                continue
        else:
            try:
                described = view.describe(node)
            except Missing:
                continue  # described elsewhere: evaluated there
            if described is None:
                continue
            description = described
            picked: list[int] = []
            for t in description.get(RDF_TYPE, empty):
                for index in by_type.get(t, ()):
                    if index not in picked:
                        picked.append(index)
            for predicate, indexes in subject_roots.items():
                if predicate in description:
                    picked.extend(index for index in indexes if index not in picked)
            for predicate, indexes in object_roots.items():
                for value in description.get(predicate, empty):
                    entry = aimed.setdefault(value, [])
                    entry.extend(index for index in indexes if index not in entry)
            chosen = tuple(picked)
        if not chosen:
            continue
        merged = plans.get(chosen)
        if merged is None:
            merged = plans[chosen] = _merge(plan, chosen)
        found: list[ValidationResult] = []
        try:
            present = merged.present
            for predicate, values in description.items():
                steps = present.get(predicate)
                if steps is None:
                    continue
                kinds = steps.kinds
                for value in values:
                    failing = kinds[value[0]]
                    if failing:
                        found.extend(maker.make(node, value) for maker in failing)
                for test, maker in steps.tests:
                    for value in values:
                        if test(view, value):
                            found.append(maker.make(node, value))
                if len(values) > steps.fewest:
                    found.extend(maker.make(node, None) for count, maker in steps.maxima
                                 if len(values) > count)
            for predicate, count, maker in merged.minimum:
                if len(description.get(predicate, empty)) < count:
                    found.append(maker.make(node, None))
            for predicate, value, maker in merged.wanted:
                if value not in description.get(predicate, empty):
                    found.append(maker.make(node, None))
            for run, maker in merged.generic:
                if run.focus_test is not None:
                    if run.focus_test(view, node):
                        found.append(maker.make(node, None))
                    continue
                test = run.value_test
                assert run.path is not None
                assert test is not None
                for value in run.path(view, node):
                    if test(view, value):
                        found.append(maker.make(node, value))
        except Missing:
            deferred.extend((index, node) for index in chosen)
            continue
        results.extend(found)
    if aimed:
        more, later = evaluate(plan, view, list(aimed), by_type, only=aimed)
        results.extend(more)
        deferred.extend(later)
    return results, deferred


def type_pairs(subjects: dict[str, dict[str, list[str]]]) -> list[tuple[str, str]]:
    """(sub, super) ``rdfs:subClassOf`` pairs of plain IRIs stated in ``subjects``."""
    sub_class_of = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
    return [(s[1:-1], o[1:-1]) for s, d in subjects.items() if sub_class_of in d
            for o in d[sub_class_of] if s[0] == "<" and o[0] == "<"]


__all__ = ["RDF_TYPE", "Deferred", "evaluate", "predicate_targets", "roots_by_type",
           "subclass_closure", "type_pairs"]
