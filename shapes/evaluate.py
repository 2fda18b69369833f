"""Run a :class:`~shapes.plan.Plan`'s closures on the focus nodes of one view.

Focus nodes are the subjects typed with a target class (or a subclass of one). A focus node
whose evaluation needs statements the view does not hold (:class:`~shapes.closures.Missing`)
is *deferred*: its partial rows are dropped and the caller evaluates it again elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from shapes.closures import RDF_TYPE, Missing, View
from shapes.plan import Plan
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


def evaluate(plan: Plan, view: View, nodes: Iterable[str], by_type: dict[str, list[int]],
             only: dict[str, list[int]] | None = None
             ) -> tuple[list[ValidationResult], list[Deferred]]:
    """Results of every root plan on the focus nodes among ``nodes`` (``only``: node ->
    the root plans to run, instead of those its types give)."""
    results: list[ValidationResult] = []
    deferred: list[Deferred] = []
    makers = plan.makers
    roots = plan.roots
    for node in nodes:
        if only is not None:
            chosen = only.get(node, [])
        else:
            try:
                types = view.types(node)
            except Missing:
                continue  # described elsewhere: evaluated there
            chosen = []
            for t in types:
                for index in by_type.get(t, ()):
                    if index not in chosen:
                        chosen.append(index)
        for index in chosen:
            found: list[ValidationResult] = []
            try:
                for run in roots[index].runners:
                    maker = makers[run.index]
                    if run.focus_test is not None:
                        if run.focus_test(view, node):
                            found.append(maker.make(node, None))
                        continue
                    assert run.path is not None and run.value_test is not None
                    test = run.value_test
                    for value in run.path(view, node):
                        if test(view, value):
                            found.append(maker.make(node, value))
            except Missing:
                deferred.append((index, node))
                continue
            results.extend(found)
    return results, deferred


def type_pairs(subjects: dict[str, dict[str, list[str]]]) -> list[tuple[str, str]]:
    """(sub, super) ``rdfs:subClassOf`` pairs of plain IRIs stated in ``subjects``."""
    sub_class_of = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
    return [(s[1:-1], o[1:-1]) for s, d in subjects.items() if sub_class_of in d
            for o in d[sub_class_of] if s[0] == "<" and o[0] == "<"]


__all__ = ["RDF_TYPE", "Deferred", "evaluate", "roots_by_type", "subclass_closure",
           "type_pairs"]
