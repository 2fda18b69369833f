"""The record-partitioned validator: records' N-Quads -> Python indexes -> closures, on every core.

Almost every SHACL constraint looks at a focus node and its values, and ldcat keeps each
record (a dataset with its distributions, an organisation, ...) in a named graph whose text is
stored beside the generation (:mod:`loader.record_text`). So:

1. the *shared* part (background vocabularies and every record that is not a dataset: the
   catalogue, organisations, services, ...) is indexed here, before the workers fork;
2. the dataset records are split between ``workers`` processes; each indexes its part and
   reports its subjects' hashes;
3. a subject described in more than one part (the catalogue's ``dcat:dataset`` statements
   live in the dataset graphs) is *split*: its statements are gathered here and given back
   to every worker, whose view is then its part + the shared part + the split subjects;
4. each worker runs the closures on its focus nodes; this process runs them on the shared and
   split ones. A focus node whose evaluation needs a node described in another part is
   deferred and evaluated here with that node's statements fetched from the workers;
5. ldcat's store rules (SPARQL constraints over named graphs) are computed here from the
   facts (:mod:`shapes.graph_rules`) each process notes while it indexes its records;
6. checks the closures do not implement run on the SPARQL engine (``fallback``), here while
   the workers evaluate.

The union of the results is exactly the SPARQL engine's (tests/test_validator_differential.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any, Protocol

from loader.memory import release_free_memory
from shapes.closures import RDF_TYPE, Missing, View
from shapes.compile import Check
from shapes.evaluate import Deferred, evaluate, roots_by_type, subclass_closure, type_pairs
from shapes.graph_rules import CATALOG, INTERESTING, GraphFacts, run_rule, typing_graphs_needed
from shapes.graphindex import Description, GraphIndex
from shapes.model import ShapesGraph
from shapes.parse import ShapesError
from shapes.plan import Plan, make_plan
from shapes.report import ValidationReport, ValidationResult

_TRACE = bool(os.environ.get("LDCAT_VALIDATE_TRACE"))
_STARTED = [time.monotonic(), time.process_time()]


def _trace(what: str) -> None:
    """With LDCAT_VALIDATE_TRACE set, print the time since the last stage (stderr)."""
    if _TRACE:
        now, cpu = time.monotonic(), time.process_time()
        print(f"{now - _STARTED[0]:8.2f} s ({cpu - _STARTED[1]:.2f} s CPU) {what} "
              f"(pid {os.getpid()})", file=sys.stderr, flush=True)
        _STARTED[:] = [now, cpu]


BATCH_GRAPHS = 4_000
"""Record graphs read and parsed at a time."""
MIN_PARTITIONED = 20_000
"""Fewer partitionable records than this are validated in this process."""

Fallback = Callable[[list[Check]], Iterable[ValidationResult]]
"""Runs checks the closures do not implement (on the SPARQL engine)."""
Progress = Callable[[int, int], None]


class RecordSource(Protocol):
    """Records' N-Quads by graph IRI (:class:`loader.record_text.RecordText` is one)."""

    def graphs(self) -> Iterator[str]: ...

    def blocks_of(self, graphs: Iterable[str]) -> list[tuple[str, bytes]]: ...


class MemoryRecords:
    """Records given as N-Quads text per graph (tests, files)."""

    def __init__(self, texts: dict[str, bytes]) -> None:
        self.texts = texts

    def graphs(self) -> Iterator[str]:
        return iter(sorted(self.texts))

    def blocks_of(self, graphs: Iterable[str]) -> list[tuple[str, bytes]]:
        return [(g, self.texts[g]) for g in sorted(set(graphs)) if g in self.texts]


def is_partitioned(graph: str) -> bool:
    """Dataset records go to the workers; the others are shared (a choice of speed only)."""
    return "/datasets/" in graph


def validate_records(records: RecordSource, shapes: ShapesGraph, background: GraphIndex, *,
                     name: str = "shapes", workers: int = 2,
                     reopen: Callable[[], RecordSource] | None = None,
                     fallback: Fallback | None = None,
                     progress: Progress | None = None,
                     min_records: int = MIN_PARTITIONED,
                     tally: frozenset[str] = frozenset()) -> ValidationReport:
    """Validate the union of ``records`` and ``background`` (the default graph) against
    ``shapes``.

    ``reopen`` gives each worker its own reader (a :class:`RecordText` holds a SQLite
    connection that must not cross a fork); without it, or with few records, everything runs
    in this process. Raises :class:`ShapesError` when a check needs ``fallback`` and none is
    given. The workers' results of the ``tally`` severities are counted, not listed
    (:attr:`ValidationReport.tallied`): the load's gate only counts its Warnings, and
    sending and merging them (1.7M on the full catalogue) cost seconds and gigabytes.
    """
    collecting = gc.isenabled()
    gc.disable()  # millions of containers, no cycles: the collector would only rescan them
    try:
        return _validate(records, shapes, background, name, workers, reopen, fallback,
                         progress, min_records, tally)
    finally:
        if collecting:
            gc.enable()


def _validate(records: RecordSource, shapes: ShapesGraph, background: GraphIndex, name: str,
              workers: int, reopen: Callable[[], RecordSource] | None,
              fallback: Fallback | None, progress: Progress | None,
              min_records: int, tally: frozenset[str]) -> ValidationReport:
    started = _STARTED[0] = time.monotonic()
    _STARTED[1] = time.process_time()
    plan = make_plan(shapes)
    if plan.fallback and fallback is None:
        names = sorted({f"{c.shape.name} {c.constraint.component}" for c in plan.fallback})
        raise ShapesError("the partitioned validator needs the SPARQL engine for: "
                          + "; ".join(names[:5]))
    graphs = list(records.graphs())
    partitioned = [g for g in graphs if is_partitioned(g)]
    if len(partitioned) < min_records or reopen is None or workers < 2:
        partitioned = []
    shared_graphs = [g for g in graphs if not is_partitioned(g)] if partitioned else graphs
    shared = GraphIndex()
    shared.subjects.update(background.subjects)  # background descriptions are not modified
    background_subjects = set(background.subjects)
    record_subjects: set[str] = set()
    facts = GraphFacts(interesting=None) if plan.native else None
    for start in range(0, len(shared_graphs), BATCH_GRAPHS):
        part = GraphIndex(plan.predicates)
        blocks = records.blocks_of(shared_graphs[start:start + BATCH_GRAPHS])
        part.add_records(blocks)
        if facts is not None:
            facts.add_blocks(blocks)
        record_subjects.update(part.subjects)
        _merge(shared, part.subjects)
    shared.finish()
    _trace(f"shared part indexed: {len(shared_graphs)} records")
    steps = len(plan.checks)
    in_parts: set[int] = set()
    tallied = _Tally()
    on_the_sparql_engine = (None if not plan.fallback or fallback is None else
                            lambda: sorted(fallback(plan.fallback), key=ValidationResult.order))
    if not partitioned or reopen is None:
        single, closure = _single(plan, shared)
        found = [sorted(single, key=ValidationResult.order)]
    else:
        found, in_parts, closure, tallied = _parallel(plan, shared, partitioned, workers,
                                                      reopen, facts, background, tally,
                                                      on_the_sparql_engine)
        on_the_sparql_engine = None  # run while the workers evaluated
    if progress is not None:
        progress(steps - len(plan.fallback), steps)
    _trace(f"closures done: {sum(map(len, found))} results")
    if facts is not None and not partitioned:
        found.append(sorted(_native(plan, facts, background, closure),
                            key=ValidationResult.order))
        _trace(f"{len(plan.native)} graph rules")
    if on_the_sparql_engine is not None:
        found.append(on_the_sparql_engine())
        _trace(f"{len(plan.fallback)} checks on the SPARQL engine")
    ordered = [r for r in _in_order(found) if not tallied.counted(r)]
    _mark(ordered, background_subjects,
          lambda focus: focus in record_subjects or hash(focus) in in_parts)
    if progress is not None:
        progress(steps, steps)
    _trace("results merged and marked")
    return ValidationReport(shapes=name, results=ordered, checks=steps,
                            seconds=time.monotonic() - started, notices=list(shapes.notices),
                            slowest=[f"{len(plan.fallback)} checks on the SPARQL engine"],
                            tallied=tallied.counts)


def _fingerprint(result: ValidationResult) -> int:
    """A result's identity in one number, the same in the workers as here (they are forked:
    same string hashes)."""
    return hash((result.order(), result.message))


@dataclass
class _Tally:
    """The results the workers counted and did not send: per (severity, component), and
    their fingerprints, so that the same result found here too (a focus node reached from
    another part, or deferred and evaluated again) is not counted twice."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    fingerprints: set[int] = field(default_factory=set)

    def counted(self, result: ValidationResult) -> bool:
        """Whether ``result`` is among those counted (so it is not listed too)."""
        return bool(self.fingerprints) and _fingerprint(result) in self.fingerprints


def _in_order(runs: list[list[ValidationResult]]) -> list[ValidationResult]:
    """The results of sorted runs in report order, each once (a set, as in the SPARQL
    engine: two shapes may state the same result). Sorting the concatenation merges the
    runs (Timsort finds them)."""
    ordered = [r for run in runs for r in run]
    ordered.sort(key=ValidationResult.order)
    unique: list[ValidationResult] = []
    same_order: list[ValidationResult] = []
    for r in ordered:
        if unique and r.focus == unique[-1].focus and r.order() == unique[-1].order():
            if r in same_order:
                continue
            same_order.append(r)
        else:
            same_order = [r]
        unique.append(r)
    return unique


def _merge(index: GraphIndex, subjects: dict[str, Description]) -> None:
    for subject, description in subjects.items():
        mine = index.subjects.get(subject)
        if mine is None:
            index.subjects[subject] = description
        else:
            # copy first: the description may belong to another index (the background's)
            mine = index.subjects[subject] = {p: list(v) for p, v in mine.items()}
            for predicate, values in description.items():
                mine.setdefault(predicate, []).extend(values)


def _mark(results: list[ValidationResult], background_subjects: set[str],
          is_record_subject: Callable[[str], bool]) -> None:
    """Flag (in place) the results whose focus node is described only by the background."""
    for position, r in enumerate(results):
        if r.focus in background_subjects and r.focus[0] == "<" and \
                not is_record_subject(r.focus):
            results[position] = replace(r, background=True)


def _closure(plan: Plan, pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    return subclass_closure(pairs, plan.classes)


def _single(plan: Plan, shared: GraphIndex
            ) -> tuple[list[ValidationResult], dict[str, frozenset[str]]]:
    closure = _closure(plan, type_pairs(shared.subjects))
    view = View({}, shared.subjects, frozenset(), closure, None, shared.inverse(plan.inverse))
    results, deferred = evaluate(plan, view, list(shared.subjects), roots_by_type(plan, closure))
    assert not deferred  # nothing is held elsewhere
    return results, closure


def _catalog_classes(closure: dict[str, frozenset[str]]) -> frozenset[str]:
    """``dcat:Catalog`` and its subclasses, as ``<iri>``."""
    return frozenset(f"<{cls}>" for cls in closure.get(CATALOG[1:-1], {CATALOG[1:-1]}))


TypingGraphs = Callable[[set[str]], dict[str, set[str]]]
"""Nodes -> the graphs each is typed in, for facts noted without them (by the workers)."""


def _native(plan: Plan, facts: GraphFacts, background: GraphIndex,
            closure: dict[str, frozenset[str]],
            typing_graphs: TypingGraphs | None = None) -> list[ValidationResult]:
    """The results of the graph rules (:mod:`shapes.graph_rules`) from the ``facts`` of every
    record; their focus nodes are the instances of ``dcat:Catalog``."""
    catalog_classes = _catalog_classes(closure)
    facts.add_background(background)
    catalogs = [node for node, classes in facts.typed.items() if classes & catalog_classes]
    if typing_graphs is not None:
        for node, graphs in typing_graphs(typing_graphs_needed(facts, catalogs)).items():
            facts.typed_in.setdefault(node, set()).update(graphs)
    results: set[ValidationResult] = set()
    for native in plan.native:
        maker = plan.makers[native.index]
        for focus, value, path in run_rule(native.rule, facts, catalogs):
            result = maker.make(focus, value)
            results.add(replace(result, path=path) if path is not None else result)
    return list(results)


# --- workers -----------------------------------------------------------------------------


class _Worker:
    """A forked process holding one part of the records (see the module docstring)."""

    def __init__(self, context: Any, plan: Plan, shared: GraphIndex, graphs: list[str],
                 reopen: Callable[[], RecordSource], interesting: frozenset[str]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, daemon=True,
                                       args=(child, plan, shared, graphs, reopen, interesting))
        self.process.start()
        child.close()

    def ask(self, command: str, payload: Any = None) -> None:
        self.connection.send((command, payload))

    def answer(self) -> Any:
        kind, value = self.connection.recv()
        if kind == "error":
            raise RuntimeError(f"validation worker failed:\n{value}")
        return value

    def stop(self) -> None:
        """End the process: it holds nothing to save, and freeing its indexes one object at
        a time would take seconds."""
        self.process.kill()
        self.process.join(timeout=30)


def _serve(connection: Connection, plan: Plan, shared: GraphIndex, graphs: list[str],
           reopen: Callable[[], RecordSource], interesting: frozenset[str]) -> None:
    import traceback

    gc.freeze()  # the inherited objects are never collected: their pages stay shared
    gc.disable()  # millions of containers, no cycles: the collector would only rescan them
    local = GraphIndex(plan.predicates)
    split: set[str] = set()
    try:
        while True:
            command, payload = connection.recv()
            if command == "load":
                records = reopen()
                facts = GraphFacts(interesting=interesting) if plan.native else None
                for start in range(0, len(graphs), BATCH_GRAPHS):
                    blocks = records.blocks_of(graphs[start:start + BATCH_GRAPHS])
                    local.add_records(blocks)
                    if facts is not None:
                        facts.add_blocks(blocks)
                local.finish()
                release_free_memory()
                _trace(f"worker indexed {len(graphs)} records")
                typed_in = facts.typed_in if facts is not None else {}
                sent = replace(facts, typed_in={}) if facts is not None else None  # on demand
                connection.send(("ok", ([hash(s) for s in local.subjects],
                                        type_pairs(local.subjects),
                                        local.inverse(plan.inverse), sent)))
            elif command == "split":
                hashes: set[int] = payload
                split = {s for s in local.subjects if hash(s) in hashes}
                connection.send(("ok", {s: local.subjects[s] for s in split}))
            elif command == "evaluate":
                merged, remote, closure, inverse, tally = payload
                nodes = [s for s in local.subjects if s not in split]  # split: evaluated here
                local.subjects.update(merged)  # the complete statements of split subjects
                view = View(local.subjects, shared.subjects, remote, closure, None, inverse)
                results, deferred = evaluate(plan, view, nodes, roots_by_type(plan, closure))
                results.sort(key=ValidationResult.order)
                _trace(f"worker evaluated: {len(results)} results, {len(deferred)} deferred")
                counted: Counter[tuple[str, str]] = Counter()
                fingerprints: set[int] = set()
                if tally:
                    listed = []
                    for result in _in_order([results]):  # each once, as in the report
                        if result.severity in tally:
                            counted[result.severity, result.component] += 1
                            fingerprints.add(_fingerprint(result))
                        else:
                            listed.append(result)
                    results = listed
                connection.send(("ok", (results, deferred, counted, fingerprints)))
                del results, deferred
                release_free_memory()
            elif command == "typing graphs":
                connection.send(("ok", {node: typed_in[node] for node in payload
                                        if node in typed_in}))
            elif command == "fetch":
                wanted, wanted_types = payload
                subjects = local.subjects
                connection.send(("ok", (
                    {s: subjects[s] for s in wanted if s in subjects},
                    {s: subjects[s].get(RDF_TYPE, []) for s in wanted_types
                     if s in subjects})))
    except Exception:
        connection.send(("error", traceback.format_exc()))


def worker_parts(graphs: list[str], count: int) -> list[list[str]]:
    """``graphs`` in ``count`` parts, each in the given order; a graph's part is picked by its
    IRI's CRC-32, so the parts are even whatever the order. (Every ``count``-th graph in IRI
    order put each dataset in one part and, a published generation's text listing every
    dataset's quality graph right after it, all quality graphs in the other.)

    >>> worker_parts(["a", "a/quality", "b", "b/quality"], 1)
    [['a', 'a/quality', 'b', 'b/quality']]
    """
    parts: list[list[str]] = [[] for _ in range(count)]
    for graph in graphs:
        parts[zlib.crc32(graph.encode("utf-8")) % count].append(graph)
    return parts


def _parallel(plan: Plan, shared: GraphIndex, partitioned: list[str], count: int,
              reopen: Callable[[], RecordSource], facts: GraphFacts | None,
              background: GraphIndex, tally: frozenset[str],
              meanwhile: Callable[[], list[ValidationResult]] | None = None
              ) -> tuple[list[list[ValidationResult]], set[int], dict[str, frozenset[str]],
                         _Tally]:
    """Results of the closures and graph rules (lists each in report order), the hashes of
    the subjects the workers hold, the subclass closure of the plan's classes, and the
    workers' results of the ``tally`` severities, counted.
    ``meanwhile`` (the checks on the SPARQL engine) runs here while the workers evaluate.

    ``facts`` holds the graph facts of the shared records; each worker notes those of its
    part (the classes the rules read only, which needs the subclasses of ``dcat:Catalog``
    known before the fork: when the records declare more, the facts are noted again here)
    and sends them without the typing graphs, which are fetched for the few nodes that
    need them."""
    context = multiprocessing.get_context("fork")
    parts = worker_parts(partitioned, count)
    early = _catalog_classes(_closure(plan, type_pairs(shared.subjects)))
    pool = [_Worker(context, plan, shared, part, reopen, INTERESTING | early) for part in parts]
    try:
        for worker in pool:
            worker.ask("load")
        loaded = [worker.answer() for worker in pool]
        _trace("parts indexed")
        if facts is not None:
            for *_, part_facts in loaded:
                facts.update(part_facts)
            _trace("graph facts merged")
        seen: dict[int, int] = {hash(s): 1 for s in shared.subjects}
        for hashes, *_ in loaded:
            for h in hashes:
                seen[h] = seen.get(h, 0) + 1
        split = {h for h, n in seen.items() if n > 1}
        for worker in pool:
            worker.ask("split", split)
        merged = GraphIndex()
        for worker in pool:
            _merge(merged, worker.answer())
        for subject in list(merged.subjects):
            if subject in shared.subjects:
                _merge(merged, {subject: shared.subjects[subject]})
        merged.finish()
        _trace(f"{len(merged.subjects)} split subjects merged")
        closure = _closure(plan, [*type_pairs(shared.subjects),
                                  *(pair for _, pairs, *_ in loaded for pair in pairs)])
        inverse = shared.inverse(plan.inverse)
        for _, _, part, _ in loaded:
            for predicate, by_object in part.items():
                for obj, subjects in by_object.items():
                    known = inverse[predicate].setdefault(obj, [])
                    known.extend(s for s in subjects if s not in known)
        worker_hashes = [set(hashes) for hashes, *_ in loaded]
        everywhere = set().union(*worker_hashes) - split
        types = _types_of_references(pool, everywhere, merged, shared)
        _trace(f"types of {len(types)} nodes the shared part references")
        for number, worker in enumerate(pool):
            others = set().union(*(h for i, h in enumerate(worker_hashes) if i != number))
            worker.ask("evaluate", (merged.subjects, others - split, closure, inverse, tally))
        # meanwhile: the shared and split focus nodes, here
        view = View(merged.subjects, shared.subjects, everywhere, closure, types, inverse)
        by_type = roots_by_type(plan, closure)
        nodes = [*merged.subjects, *(s for s in shared.subjects if s not in merged.subjects)]
        results, deferred = evaluate(plan, view, nodes, by_type)
        _trace(f"shared part evaluated: {len(results)} results, {len(deferred)} deferred")
        found = [results]
        if meanwhile is not None:
            found.append(meanwhile())
            _trace("checks on the SPARQL engine, while the workers evaluate")
        tallied = _Tally()
        for worker in pool:
            worker_results, worker_deferred, counted, fingerprints = worker.answer()
            found.append(worker_results)
            deferred.extend(worker_deferred)
            tallied.counts.update(counted)
            tallied.fingerprints |= fingerprints
        _trace("worker results received")
        results.extend(_resolve(plan, pool, view, deferred, by_type))
        results.sort(key=ValidationResult.order)
        _trace(f"{len(deferred)} deferred focus nodes resolved")
        if facts is not None:
            found.append(sorted(_parallel_native(plan, facts, background, closure, early,
                                                 pool, reopen), key=ValidationResult.order))
            _trace(f"{len(plan.native)} graph rules")
        return found, set().union(*worker_hashes), closure, tallied
    finally:
        for worker in pool:
            worker.stop()


def _parallel_native(plan: Plan, facts: GraphFacts, background: GraphIndex,
                     closure: dict[str, frozenset[str]], early: frozenset[str],
                     pool: Sequence[_Worker], reopen: Callable[[], RecordSource]
                     ) -> list[ValidationResult]:
    """The graph rules on the workers' facts merged into ``facts`` (see :func:`_parallel`)."""
    if _catalog_classes(closure) != early:  # the workers left out classes the rules read
        facts = GraphFacts(interesting=None)
        records = reopen()
        everything = list(records.graphs())
        for start in range(0, len(everything), BATCH_GRAPHS):
            facts.add_blocks(records.blocks_of(everything[start:start + BATCH_GRAPHS]))
        return _native(plan, facts, background, closure)

    def typing_graphs(nodes: set[str]) -> dict[str, set[str]]:
        for worker in pool:
            worker.ask("typing graphs", nodes)
        found: dict[str, set[str]] = {}
        for worker in pool:
            for node, graphs in worker.answer().items():
                found.setdefault(node, set()).update(graphs)
        return found

    return _native(plan, facts, background, closure, typing_graphs)


def _types_of_references(pool: Sequence[_Worker], elsewhere: set[int], merged: GraphIndex,
                         shared: GraphIndex) -> dict[str, list[str]]:
    """The types of the nodes that the shared and split subjects reference and a worker
    describes (the datasets of the catalogue): fetched once, not deferred one by one."""
    wanted = sorted({value for index in (merged, shared)
                     for description in index.subjects.values()
                     for values in description.values() for value in values
                     if value[0] != '"' and hash(value) in elsewhere})
    for worker in pool:
        worker.ask("fetch", ([], wanted))
    types: dict[str, list[str]] = {}
    for worker in pool:
        for node, classes in worker.answer()[1].items():
            known = types.setdefault(node, [])
            known.extend(c for c in classes if c not in known)
    return types


def _resolve(plan: Plan, pool: Sequence[_Worker], view: View, deferred: list[Deferred],
             by_type: dict[str, list[int]]) -> list[ValidationResult]:
    """Evaluate deferred focus nodes here, fetching what they need from the workers: each
    round probes every pending node (collecting every missing node at once: its statements,
    or only its types when a class test is all that needs it), fetches them, and evaluates
    the nodes once nothing is missing."""
    local = dict(view.local)
    types = dict(view.remote_types)
    pending = _grouped(deferred)
    if not pending:
        return []
    wanted, wanted_types = set(pending), set[str]()
    while True:
        batch = sorted(wanted - local.keys())
        batch_types = sorted(wanted_types - local.keys() - types.keys())
        for worker in pool:
            worker.ask("fetch", (batch, batch_types))
        for worker in pool:
            descriptions, found_types = worker.answer()
            _merge_into(local, descriptions)
            for node, classes in found_types.items():
                known = types.setdefault(node, [])
                known.extend(c for c in classes if c not in known)
        for node in batch:
            local.setdefault(node, {})
        for node in batch_types:
            types.setdefault(node, [])
        probe = _Probe(local, view.shared, view.remote, view.closure, types, view.inverse)
        evaluate(plan, probe, list(pending), by_type, only=pending)
        if not probe.missing and not probe.missing_types:
            break
        if probe.missing <= local.keys() and probe.missing_types <= local.keys() | types.keys():
            raise RuntimeError("validation: deferred focus nodes cannot be resolved")
        wanted, wanted_types = probe.missing, probe.missing_types
    resolver = View(local, view.shared, view.remote, view.closure, types, view.inverse)
    results, again = evaluate(plan, resolver, list(pending), by_type, only=pending)
    assert not again
    return results


def _grouped(pending: list[Deferred]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for index, focus in pending:
        indexes = grouped.setdefault(focus, [])
        if index not in indexes:
            indexes.append(index)
    return grouped


def _merge_into(local: dict[str, Description], found: dict[str, Description]) -> None:
    for subject, description in found.items():
        mine = local[subject] = {p: list(v) for p, v in local.get(subject, {}).items()}
        for predicate, values in description.items():
            known = mine.setdefault(predicate, [])
            known.extend(v for v in values if v not in known)


class _Probe(View):
    """A view that notes every node it lacks instead of raising (its verdicts are void)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.missing: set[str] = set()
        self.missing_types: set[str] = set()

    def describe(self, node: str) -> Description | None:
        try:
            return super().describe(node)
        except Missing:
            self.missing.add(node)
            return None

    def types(self, node: str) -> list[str]:
        try:
            return super().types(node)
        except Missing:
            self.missing_types.add(node)
            return []


__all__ = ["RDF_TYPE", "MemoryRecords", "RecordSource", "validate_records"]
