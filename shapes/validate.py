"""Run compiled shapes against a pyoxigraph store: the whole graph, natively, on every core.

The data graph is the union of the store's graphs (``use_default_graph_as_union``). Background
vocabularies, when given, sit in the store's default graph (record graphs are named); results
whose focus node is described only there are marked ``background`` and not counted against
the data.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, QuerySolutions, Store

from ontology.datatypes import DECLARED_DATATYPES
from shapes.compile import Check, Compiler
from shapes.execute import QuerySpec, Row, default_workers, run_local, run_pool
from shapes.model import Shape, ShapesGraph
from shapes.parse import ShapesError
from shapes.report import ValidationReport, ValidationResult

Progress = Callable[[int, int], None]
"""Called with (checks done, checks total)."""

POOL_MIN_BYTES = 64 << 20
"""Smaller stores are validated in this process: starting workers would cost more."""

_NO_VALUE = {"MinCountConstraintComponent", "MaxCountConstraintComponent",
             "HasValueConstraintComponent", "UniqueLangConstraintComponent",
             "QualifiedMinCountConstraintComponent", "QualifiedMaxCountConstraintComponent"}


def validate_store(store: Store, shapes: ShapesGraph, *, name: str = "shapes",
                   background: bool = False, path: Path | None = None,
                   workers: int | None = None,
                   progress: Progress | None = None) -> ValidationReport:
    """Validate the union of ``store``'s graphs against ``shapes``.

    With ``path`` (the store's directory, flushed, not written meanwhile) the checks run on
    ``workers`` processes (default: one per core) that open it read-only; otherwise here.
    Raises :class:`~shapes.parse.ShapesError` when a shape cannot be compiled or run.
    """
    started = time.monotonic()
    compiler = Compiler(_subclass_closure(store), dict(DECLARED_DATATYPES), _counter(store))
    checks: list[Check] = []
    for root in shapes.roots:
        try:
            checks.extend(compiler.checks(root))
        except ShapesError as error:
            raise ShapesError(f"{error} (while compiling shape {root.name})") from error
    results, timings = _run_checks(store, checks, path, workers, progress)
    ordered = sorted(results, key=ValidationResult.order)
    if background:
        ordered = mark_background(store, ordered)
    slowest = [f"{seconds:.2f} s {what}" for seconds, what in sorted(timings, reverse=True)]
    return ValidationReport(shapes=name, results=ordered, checks=len(checks),
                            seconds=time.monotonic() - started, notices=list(shapes.notices),
                            slowest=slowest[:20])


def run_checks(store: Store, checks: list[Check], *, path: Path | None = None,
               workers: int | None = None) -> set[ValidationResult]:
    """Run some checks (recompiled against ``store``'s subclasses) on the SPARQL engine:
    the partitioned validator's fallback."""
    compiler = Compiler(_subclass_closure(store), dict(DECLARED_DATATYPES), _counter(store))
    compiled = [compiler.check(c.shape, c.root, c.constraint) for c in checks]
    return _run_checks(store, compiled, path, workers, None)[0]


def _run_checks(store: Store, checks: list[Check], path: Path | None, workers: int | None,
                progress: Progress | None) -> tuple[set[ValidationResult], list[tuple[float, str]]]:
    groups = _group(checks)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(checks))

    specs = [[_spec(check) for check in group] for group in groups]
    count = workers or default_workers()
    pooled = path is not None and count > 1 and _bytes_on_disk(path) > POOL_MIN_BYTES
    runs: Iterator[tuple[int, list[list[Row]]]] = (
        run_pool(path, specs, count, advance) if pooled and path is not None
        else run_local(store, specs, advance))
    trace = bool(os.environ.get("LDCAT_VALIDATE_TRACE"))
    results: set[ValidationResult] = set()
    timings: list[tuple[float, str]] = []
    last = time.monotonic()
    for index, rows_per_check in runs:
        now = time.monotonic()
        for check, rows in zip(groups[index], rows_per_check, strict=True):
            results.update(_result(check, row) for row in rows)
        label = groups[index][0]
        timings.append((now - last, f"{label.shape.name} {label.constraint.component} "
                                    f"(+{len(groups[index]) - 1} sharing its candidates)"))
        if trace:
            print(f"{now - last:8.2f} s {timings[-1][1]}\n{label.candidates or label.query}",
                  file=sys.stderr, flush=True)
        last = now
    return results, timings


def _bytes_on_disk(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())


def _group(checks: list[Check]) -> list[list[Check]]:
    """Checks sharing a candidate query together; those starting from targets first."""
    shared: dict[str, list[Check]] = {}
    alone: list[list[Check]] = []
    for check in checks:
        if check.candidates is None:
            alone.append([check])
        else:
            shared.setdefault(check.candidates, []).append(check)
    return alone + list(shared.values())


def _spec(check: Check) -> QuerySpec:
    return QuerySpec(label=f"shape {check.shape.name}, {check.constraint.component}",
                     query=check.query, candidates=check.candidates,
                     candidate_var=check.candidate_var, confirm_template=check.confirm_template,
                     confirm_bulk=check.confirm_bulk,
                     per_focus=check.per_focus)


def _subclass_closure(store: Store) -> Callable[[str], tuple[str, ...]]:
    @cache
    def subclasses(cls: str) -> tuple[str, ...]:
        query = ("SELECT DISTINCT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#"
                 f"subClassOf>* <{cls}> }}")
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, QuerySolutions)
        found = {s["c"].value for s in solutions if isinstance(s["c"], NamedNode)}
        found.add(cls)
        return tuple(sorted(found))

    return subclasses


def _counter(store: Store) -> Callable[[str], int]:
    @cache
    def count(pattern: str) -> int:
        solutions = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}",
                                use_default_graph_as_union=True)
        assert isinstance(solutions, QuerySolutions)
        for solution in solutions:
            value = solution["n"]
            return int(value.value) if value is not None else 0
        return 0

    return count


def _result(check: Check, row: Row) -> ValidationResult:
    focus, value, path = row
    shape: Shape = check.shape
    if value is None and shape.path is None and check.constraint.component not in _NO_VALUE:
        value = focus
    path_text = path if path is not None else (shape.path.sparql if shape.path else None)
    message = getattr(check.constraint, "message", None) or shape.message or \
        _default_message(check)
    return ValidationResult(focus=focus, path=path_text, component=check.constraint.component,
                            severity=shape.severity, value=value, shape=shape.name,
                            message=message)


def mark_background(store: Store, results: list[ValidationResult]) -> list[ValidationResult]:
    """Flag results whose focus node is described only in the default (background) graph."""
    in_background = {str(quad.subject) for quad in
                     store.quads_for_pattern(None, None, None, DefaultGraph())}
    background_only: set[str] = set()
    for focus in {r.focus for r in results
                  if r.focus in in_background and r.focus.startswith("<")}:
        node = NamedNode(focus[1:-1])
        if not any(not isinstance(quad.graph_name, DefaultGraph)
                   for quad in store.quads_for_pattern(node, None, None, None)):
            background_only.add(focus)
    return [replace(r, background=True) if r.focus in background_only else r for r in results]


@cache
def _described(component: str, detail: str) -> str:
    return f"{component}{' (' + detail + ')' if detail else ''} not satisfied"


def _default_message(check: Check) -> str:
    c = check.constraint
    detail = ", ".join(f"{k}={v}" for k, v in vars(c).items()
                       if not isinstance(v, Shape | tuple))
    return _described(c.component, detail)
