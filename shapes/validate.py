"""Run compiled shapes against a pyoxigraph store: the whole graph, natively, on every core.

The data graph is the union of the store's named graphs (``use_default_graph_as_union``).
Background vocabularies, when given, sit in their own named graph of the same store; results
whose focus node is described only there are marked ``background`` and not counted against
the data.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import cache

from pyoxigraph import BlankNode, NamedNode, QuerySolution, QuerySolutions, Store

from ontology.datatypes import DECLARED_DATATYPES
from shapes.compile import Check, Compiler
from shapes.model import Shape, ShapesGraph
from shapes.parse import ShapesError
from shapes.report import ValidationReport, ValidationResult

CANDIDATE_LIMIT = 10_000
"""Above this many failing candidates, a check looks its focus nodes up from the targets."""

Progress = Callable[[int, int], None]
"""Called with (checks done, checks total)."""


def validate_store(store: Store, shapes: ShapesGraph, *, name: str = "shapes",
                   background_graph: str | None = None, threads: int | None = None,
                   progress: Progress | None = None) -> ValidationReport:
    """Validate the union of ``store``'s graphs against ``shapes``.

    Raises :class:`~shapes.parse.ShapesError` when a shape cannot be compiled (nothing is
    validated then). Queries run on ``threads`` threads (default: one per core).
    """
    started = time.monotonic()
    runner = _Runner(store)
    compiler = Compiler(runner.subclasses, dict(DECLARED_DATATYPES))
    checks: list[Check] = []
    for root in shapes.roots:
        try:
            checks.extend(compiler.checks(root))
        except ShapesError as error:
            raise ShapesError(f"{error} (while compiling shape {root.name})") from error
    done = 0
    lock = threading.Lock()

    def run(check: Check) -> list[ValidationResult]:
        nonlocal done
        found = runner.results(check)
        with lock:
            done += 1
            if progress is not None:
                progress(done, len(checks))
        return found

    workers = threads or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = list(pool.map(run, _costly_first(checks)))
    results = sorted({result for batch in batches for result in batch})
    if background_graph is not None:
        results = runner.mark_background(results, background_graph)
    return ValidationReport(shapes=name, results=results, checks=len(checks),
                            seconds=time.monotonic() - started, notices=list(shapes.notices))


def _costly_first(checks: list[Check]) -> list[Check]:
    """Queries that start from the targets first, so both cores stay busy to the end."""
    return sorted(checks, key=lambda check: check.candidates is not None)


class _Runner:
    """Executes checks; caches the candidate queries shared by several shapes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.candidates: dict[str, threading.Event | list[str] | None] = {}
        self.candidate_cache: dict[str, list[str] | None] = {}

    def query(self, text: str, check: Check | None = None) -> QuerySolutions:
        try:
            solutions = self.store.query(text, use_default_graph_as_union=True)
        except SyntaxError as error:  # a compiler bug or a bad sh:select: name the shape
            where = f"shape {check.shape.name}, {check.constraint.component}: " if check else ""
            raise ShapesError(f"{where}query rejected by Oxigraph ({error}):\n{text}") from error
        assert isinstance(solutions, QuerySolutions)
        return solutions

    @cache  # noqa: B019 (one runner per validation)
    def subclasses(self, cls: str) -> tuple[str, ...]:
        query = ("SELECT DISTINCT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#"
                 f"subClassOf>* <{cls}> }}")
        found = {solution["c"].value for solution in self.query(query)
                 if isinstance(solution["c"], NamedNode)}
        found.add(cls)
        return tuple(sorted(found))

    def candidate_terms(self, check: Check) -> list[str] | None:
        """The failing candidates (N-Triples text), or None when too many or unnameable."""
        text = check.candidates
        assert text is not None
        with self.lock:
            waiting = self.candidates.get(text)
            if waiting is None:
                self.candidates[text] = threading.Event()
                owner = True
            else:
                owner = False
        if not owner:
            if isinstance(waiting, threading.Event):
                waiting.wait()
            return self.candidate_cache[text]
        terms: set[str] | None = set()
        var = check.candidate_var if check.candidate_var == "value" else "this"
        for solution in self.query(text, check):
            term = solution[var]
            assert terms is not None
            if isinstance(term, BlankNode) or len(terms) >= CANDIDATE_LIMIT:
                terms = None
                break
            terms.add(str(term))
        result = sorted(terms) if terms is not None else None
        with self.lock:
            self.candidate_cache[text] = result
            event = self.candidates[text]
            assert isinstance(event, threading.Event)
            event.set()
        return result

    def results(self, check: Check) -> list[ValidationResult]:
        query = check.query
        if check.candidates is not None:
            terms = self.candidate_terms(check)
            if terms == []:
                return []
            if terms is not None:
                query = check.confirm(terms)
        solutions = self.query(query, check)
        names = {variable.value for variable in solutions.variables}
        return [self.result(check, solution, names) for solution in solutions]

    def result(self, check: Check, solution: QuerySolution, names: set[str]) -> ValidationResult:
        focus = solution["this"]
        value = solution["value"] if "value" in names else None
        path = solution["path"] if "path" in names else None
        shape: Shape = check.shape
        if value is None and check.shape.path is None and check.candidates is None and \
                check.constraint.component not in _NO_VALUE:
            value = focus
        path_text = str(path) if path is not None else \
            (shape.path.sparql if shape.path is not None else None)
        message = getattr(check.constraint, "message", None) or shape.message or \
            _default_message(check, value)
        return ValidationResult(
            focus=str(focus), path=path_text, component=check.constraint.component,
            severity=shape.severity, value=str(value) if value is not None else None,
            shape=shape.name, message=message)

    def mark_background(self, results: list[ValidationResult],
                        graph: str) -> list[ValidationResult]:
        own: dict[str, bool] = {}
        for focus in {r.focus for r in results}:
            if focus.startswith("_:"):
                own[focus] = True
                continue
            own[focus] = bool(self.store.query(
                f"ASK {{ GRAPH ?g {{ {focus} ?p ?o }} FILTER(?g != <{graph}>) }}"))
        return [r if own[r.focus] else _replace_background(r) for r in results]


_NO_VALUE = {"MinCountConstraintComponent", "MaxCountConstraintComponent",
             "HasValueConstraintComponent", "UniqueLangConstraintComponent",
             "QualifiedMinCountConstraintComponent", "QualifiedMaxCountConstraintComponent"}


def _replace_background(result: ValidationResult) -> ValidationResult:
    return replace(result, background=True)


def _default_message(check: Check, value: object) -> str:
    c = check.constraint
    detail = {key: val for key, val in vars(c).items() if not isinstance(val, Shape | tuple)}
    described = ", ".join(f"{k}={v}" for k, v in detail.items())
    return f"{c.component}{' (' + described + ')' if described else ''} not satisfied"
