"""Run compiled checks, in this process or on a pool of processes.

pyoxigraph evaluates a query lazily while its results are iterated, holding the GIL, so threads
do not add cores. A store on disk is therefore validated by worker processes that each open it
read-only (the caller flushes it first and does not write while they run); an in-memory store
is validated here. Checks that share a candidate query are run together, so the candidates are
computed once.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Store, Triple, Variable

from shapes.parse import ShapesError

Term = NamedNode | BlankNode | Literal | Triple

CONFIRM_CHUNK = 2_000
"""Candidate terms per confirming query (VALUES block)."""
FEW_CANDIDATES = 500
"""Up to this many candidates are looked up one by one; more are hash-joined."""

Row = tuple[str, str | None, str | None]
"""(focus, value, path) in N-Triples / SPARQL syntax."""


@dataclass(frozen=True)
class QuerySpec:
    """The queries of one check (see :class:`shapes.compile.Check`), picklable."""

    label: str
    query: str
    candidates: str | None = None
    candidate_var: str = ""
    confirm_template: str = ""
    confirm_bulk: str = ""
    per_focus: str | None = None


def run_group(store: Store, specs: list[QuerySpec]) -> list[list[Row]]:
    """Rows of each spec; specs of one group share the same candidate query (or have none)."""
    terms = _candidates(store, specs[0]) if specs[0].candidates else None
    found: list[list[Row]] = []
    for spec in specs:
        if spec.per_focus is not None:
            found.append(_per_focus_rows(store, spec))
        elif spec.candidates is None or terms is None:
            found.append(_rows(store, spec.query, spec.label))
        elif not terms:
            found.append([])
        else:
            rows: list[Row] = []
            if len(terms) > FEW_CANDIDATES and spec.confirm_bulk:
                rows.extend(_rows(store, spec.confirm_bulk, spec.label))
            else:
                for start in range(0, len(terms), CONFIRM_CHUNK):
                    chunk = " ".join(terms[start:start + CONFIRM_CHUNK])
                    rows.extend(_rows(store, spec.confirm_template.replace("#VALUES#", chunk),
                                      spec.label))
            found.append(rows)
    return found


def _per_focus_rows(store: Store, spec: QuerySpec) -> list[Row]:
    assert spec.per_focus is not None
    this = Variable("this")
    rows: list[Row] = []
    for target in _query(store, spec.query, spec.label):
        focus = target["this"]
        assert focus is not None
        rows.extend(_rows(store, spec.per_focus, spec.label, {this: focus}))
    return rows


def _query(store: Store, text: str, label: str,
           bindings: dict[Variable, Term] | None = None) -> QuerySolutions:
    try:
        solutions = store.query(text, use_default_graph_as_union=True, substitutions=bindings)
    except SyntaxError as error:  # a compiler bug or a bad sh:select: name the shape
        raise ShapesError(f"{label}: query rejected by Oxigraph ({error}):\n{text}") from error
    assert isinstance(solutions, QuerySolutions)
    return solutions


def _candidates(store: Store, spec: QuerySpec) -> list[str] | None:
    """Failing candidate terms, or None when one is a blank node (VALUES cannot name it)."""
    assert spec.candidates is not None
    var = "value" if spec.candidate_var == "value" else "this"
    terms: set[str] = set()
    for solution in _query(store, spec.candidates, spec.label):
        term = solution[var]
        if isinstance(term, BlankNode):
            return None
        terms.add(str(term))
    return sorted(terms)


def _rows(store: Store, text: str, label: str,
          bindings: dict[Variable, Term] | None = None) -> list[Row]:
    solutions = _query(store, text, label, bindings)
    names = {variable.value for variable in solutions.variables}
    rows: list[Row] = []
    for solution in solutions:
        value = solution["value"] if "value" in names else None
        path = solution["path"] if "path" in names else None
        focus = solution["this"] if "this" in names else None
        if focus is None and bindings:
            focus = next(iter(bindings.values()))
        rows.append((str(focus), None if value is None else str(value),
                     None if path is None else str(path)))
    return rows


def run_local(store: Store, groups: list[list[QuerySpec]],
              done: Callable[[int], None]) -> Iterator[tuple[int, list[list[Row]]]]:
    """Each group's rows, in this process."""
    trace = bool(os.environ.get("LDCAT_VALIDATE_TRACE"))
    for index, group in enumerate(groups):
        if trace:
            print(f"start {group[0].label}: {group[0].candidates or group[0].query}",
                  file=sys.stderr, flush=True)
        rows = run_group(store, group)
        done(len(group))
        yield index, rows


class _Worker:
    """Per-process state of a pool worker: the store it opened read-only."""

    store: Store | None = None


def _open(path: str) -> None:
    _Worker.store = Store.read_only(path)


def _run_in_worker(group: list[QuerySpec]) -> list[list[Row]]:
    assert _Worker.store is not None
    return run_group(_Worker.store, group)


def run_pool(path: Path, groups: list[list[QuerySpec]], workers: int,
             done: Callable[[int], None]) -> Iterator[tuple[int, list[list[Row]]]]:
    """Each group's rows, from ``workers`` processes opening ``path`` read-only."""
    context = multiprocessing.get_context("spawn")  # no inherited RocksDB handles
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_open,
                             initargs=(str(path),)) as pool:
        futures = {pool.submit(_run_in_worker, group): index
                   for index, group in enumerate(groups)}
        for future in as_completed(futures):
            index = futures[future]
            done(len(groups[index]))
            yield index, future.result()


def default_workers() -> int:
    return os.cpu_count() or 1
