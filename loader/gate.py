"""The SHACL gate: validate a staged generation before it is published.

Each record graph holding a focus node with a Violation gets a verdict in the load report.
``reject`` leaves those records out (their graphs are removed before publication, and the gate
runs again, since removing a record can break another that pointed to it); ``keep``
publishes them with their violations recorded. Warnings are counted, not listed. The root
catalogue graph is never left out: without it nothing else can be published.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, QuerySolutions, Store

from loader.generations import GraphEntry
from loader.record_text import RecordTextWriter
from loader.report import Issue, LoadReport, Severity
from shapes.parse import load_shapes
from shapes.report import ValidationResult
from shapes.service import ValidationRequest, validate_loaded_store, validate_staged
from shapes.sets import resolve

MAX_ROUNDS = 3
ISSUES_PER_RECORD = 5


@dataclass(frozen=True)
class GateOptions:
    """Which shapes the gate applies and what happens to invalid records."""

    shapes: str = "ldcat"
    on_invalid: str = "reject"
    """``reject`` (leave invalid records out) or ``keep`` (publish, violations recorded)."""
    dcat_ap: Path | None = None
    engine: str = "auto"
    """``auto`` (the partitioned engine on the records' text when there is one) or
    ``sparql`` (SHACL compiled to SPARQL on the staging store)."""


def check_gate(options: GateOptions) -> None:
    """Fail before any work when the policy is unknown or the shapes do not compile."""
    if options.on_invalid not in {"reject", "keep"}:
        raise ValueError(f"--on-invalid must be reject or keep, not {options.on_invalid!r}")
    if options.engine not in {"auto", "sparql"}:
        raise ValueError(f"--gate-engine must be auto or sparql, not {options.engine!r}")
    files = resolve(options.shapes, options.dcat_ap).files
    if files:
        load_shapes(*files)


def run_gate(store: Store, graphs: dict[str, GraphEntry], report: LoadReport,
             options: GateOptions, catalog_graph: str,
             text: RecordTextWriter | None = None) -> dict[str, GraphEntry]:
    """Validate ``store``; returns ``graphs`` without the graphs it removed (reject policy).

    With the records' ``text`` (what was loaded into ``store``), the partitioned engine
    validates it on every core, and only the checks it does not implement run on ``store``;
    without, the SPARQL engine runs on ``store``. Either way the store is used in this
    process only: worker processes would open the staging store read-only while this one
    holds it for writing, and RocksDB may compact away files they still read.
    """
    if not resolve(options.shapes, options.dcat_ap).files:
        report.validation = {"shapes": options.shapes, "skipped": "the shape set is empty"}
        return graphs
    request = ValidationRequest(shapes=options.shapes, dcat_ap=options.dcat_ap,
                                tally=frozenset({"Warning"}))  # counted, not listed
    graphs = dict(graphs)
    staged = (text.staged(lambda: graphs) if text is not None and options.engine == "auto"
              else None)
    seconds = 0.0
    left_out = 0
    for round_number in range(MAX_ROUNDS + 1):
        validation = (validate_staged(store, staged, request) if staged is not None
                      else validate_loaded_store(store, request))
        seconds += validation.seconds
        invalid = _invalid_records(store, validation.own)
        removable = {graph: results for graph, results in invalid.items()
                     if graph != catalog_graph}
        if options.on_invalid == "keep" or not removable or round_number == MAX_ROUNDS:
            break
        for graph, results in removable.items():
            store.remove_graph(NamedNode(graph))
            entry = graphs.pop(graph, None)
            if entry is not None:
                report.published[entry.kind] -= 1
            report.extend(_issues(graph, results, options.shapes, Severity.REJECTED))
            left_out += 1
    for graph, results in invalid.items():  # kept: by policy, the catalogue, or too deep
        report.extend(_issues(graph, results, options.shapes, Severity.INVALID))
    warnings = Counter(r.component for r in validation.own if r.severity == "Warning")
    warnings.update({component: count for (severity, component), count
                     in validation.tallied.items() if severity == "Warning"})
    report.validation = {
        "shapes": validation.shapes, "on_invalid": options.on_invalid,
        "engine": "partitioned" if staged is not None else "sparql",
        "conforms": validation.conforms, "counts": validation.counts(),
        "warnings_by_component": dict(warnings.most_common()),
        "records_left_out": left_out, "records_published_invalid": len(invalid),
        "invalid_records": sorted(invalid),
        "seconds": round(seconds, 2), "notices": validation.notices,
    }
    return graphs


def _invalid_records(store: Store,
                     results: list[ValidationResult]) -> dict[str, list[ValidationResult]]:
    """Record graph IRI -> the Violations on nodes described in it."""
    by_focus: dict[str, list[ValidationResult]] = {}
    for result in results:
        if result.severity == "Violation":
            by_focus.setdefault(result.focus, []).append(result)
    invalid: dict[str, list[ValidationResult]] = {}
    for focus, found in by_focus.items():
        if not focus.startswith("<"):
            continue
        graph = _record_graph(store, focus)
        if graph is not None:
            invalid.setdefault(graph, []).extend(found)
    return invalid


def _record_graph(store: Store, focus: str) -> str | None:
    """The record graph describing ``focus``: where it is typed, else where it is a subject."""
    for pattern in (f"{focus} a ?type", f"{focus} ?p ?o"):
        solutions = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }} LIMIT 1")
        assert isinstance(solutions, QuerySolutions)
        for solution in solutions:
            graph = solution["g"]
            if isinstance(graph, NamedNode):
                return graph.value
    return None


def _issues(graph: str, results: list[ValidationResult], shapes: str,
            severity: Severity) -> list[Issue]:
    record_id = graph.rstrip("/").rsplit("/", 1)[-1]
    issues = [Issue(file=f"shacl:{shapes}", line=0, column=result.path or "",
                    reason=f"{result.focus} [{result.component}]: {result.message}",
                    severity=severity, record_id=record_id)
              for result in sorted(results)[:ISSUES_PER_RECORD]]
    if len(results) > ISSUES_PER_RECORD:
        issues.append(Issue(file=f"shacl:{shapes}", line=0, column="",
                            reason=f"... and {len(results) - ISSUES_PER_RECORD} more violations",
                            severity=severity, record_id=record_id))
    return issues
