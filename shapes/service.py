"""Validate a store generation or an RDF file against a named shape set (``ldcat validate``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, Store

from shapes.compile import Check
from shapes.dataset import (
    add_background,
    generation_checkpoint,
    hvd_subset,
    load_file,
)
from shapes.model import ShapesGraph
from shapes.parse import ShapesError, load_shapes
from shapes.partitioned import RecordSource, validate_records
from shapes.records import background_index, validate_loaded, validate_text
from shapes.report import ValidationReport, ValidationResult
from shapes.sets import ShapeSet, resolve, vocabulary_files
from shapes.validate import Progress, run_checks, validate_store


@dataclass(frozen=True)
class ValidationRequest:
    """What to validate against what."""

    shapes: str = "ldcat"
    dcat_ap: Path | None = None
    """Folder with the official shapes and ``vocabularies/`` (default: ../shared/dcat-ap)."""
    workers: int | None = None
    """Processes validating an on-disk store (default: one per core)."""
    progress: Progress | None = None
    engine: str = "auto"
    """``sparql``, ``partitioned``, or ``auto``: partitioned when the generation has its
    records' text and the shape set is not HVD-only (files: SPARQL unless asked)."""
    tally: frozenset[str] = frozenset()
    """Severities whose results are only counted (:attr:`ValidationReport.tallied`) where
    the partitioned engine's workers find them; listed elsewhere."""


def validate_generation(generation: Path, scratch_parent: Path,
                        request: ValidationRequest) -> ValidationReport:
    """Validate a published generation (a checkpoint of it, never the generation itself)."""
    shape_set = resolve(request.shapes, request.dcat_ap)
    shapes = load_shapes(*shape_set.files)  # fail on bad shapes before any copy
    files, notices = vocabulary_files(request.dcat_ap)
    text_dir = generation.parent / f"{generation.name}.text"
    if request.engine == "partitioned" or (
            request.engine == "auto" and not shape_set.hvd_only and text_dir.is_dir()):
        if shape_set.hvd_only:
            raise ShapesError(f"shape set {shape_set.name}: the partitioned engine does not "
                              "apply HVD-only sets (use --engine sparql)")
        report = validate_text(generation, text_dir, scratch_parent, shapes, files,
                               shape_set.name, request.workers, request.progress)
        report.notices.extend([*shape_set.notices, *notices])
        return report
    with generation_checkpoint(generation, scratch_parent) as path:
        writable = Store(str(path))
        add_background(writable, files)
        writable.flush()
        del writable  # closed: a writer may compact away files that readers still need
        store = Store.read_only(str(path))
        return _validate(store, shape_set, shapes, request, notices,
                         None if shape_set.hvd_only else path)


def validate_file(path: Path, request: ValidationRequest) -> ValidationReport:
    """Validate an RDF file (any syntax by extension, ``.gz`` accepted)."""
    shape_set = resolve(request.shapes, request.dcat_ap)
    shapes = load_shapes(*shape_set.files)
    store = Store()
    load_file(path, store)
    if request.engine == "partitioned":
        if shape_set.hvd_only:
            raise ShapesError(f"shape set {shape_set.name}: the partitioned engine does not "
                              "apply HVD-only sets (use --engine sparql)")
        files, notices = vocabulary_files(request.dcat_ap)
        report = validate_loaded(store, shapes, files, shape_set.name, request.workers)
        report.notices.extend([*shape_set.notices, *notices])
        return report
    return _run(store, shape_set, shapes, request)


def validate_loaded_store(store: Store, request: ValidationRequest) -> ValidationReport:
    """Validate a writable store whose default graph is empty, in this process: the
    background vocabularies are added there, then removed."""
    shape_set = resolve(request.shapes, request.dcat_ap)
    shapes = load_shapes(*shape_set.files)
    try:
        return _run(store, shape_set, shapes, request)
    finally:
        store.clear_graph(DefaultGraph())


def validate_staged(store: Store, records: RecordSource,
                    request: ValidationRequest) -> ValidationReport:
    """Validate a writable store being loaded from its records' text (``records``, what was
    loaded into ``store``) with the partitioned engine; the checks the closures do not
    implement run on ``store`` in this process, the vocabularies added to its (empty)
    default graph for them and removed after. HVD-only sets: :func:`validate_loaded_store`."""
    shape_set = resolve(request.shapes, request.dcat_ap)
    shapes = load_shapes(*shape_set.files)
    if shape_set.hvd_only:
        return validate_loaded_store(store, request)
    files, notices = vocabulary_files(request.dcat_ap)

    def fallback(checks: list[Check]) -> set[ValidationResult]:
        add_background(store, files)
        try:
            return run_checks(store, checks)
        finally:
            store.clear_graph(DefaultGraph())

    report = validate_records(records, shapes, background_index(files), name=shape_set.name,
                              workers=request.workers or os.cpu_count() or 1,
                              reopen=lambda: records, fallback=fallback,
                              progress=request.progress, tally=request.tally)
    report.notices.extend([*shape_set.notices, *notices])
    return report


def _run(store: Store, shape_set: ShapeSet, shapes: ShapesGraph,
         request: ValidationRequest) -> ValidationReport:
    files, notices = vocabulary_files(request.dcat_ap)
    add_background(store, files)
    return _validate(store, shape_set, shapes, request, notices, None)


def _validate(store: Store, shape_set: ShapeSet, shapes: ShapesGraph,
              request: ValidationRequest, notices: list[str],
              path: Path | None) -> ValidationReport:
    """``path``: where ``store`` is, opened read-only and by nobody for writing, so that
    worker processes can open it too."""
    data = hvd_subset(store) if shape_set.hvd_only else store
    report = validate_store(data, shapes, name=shape_set.name, background=True, path=path,
                            workers=request.workers, progress=request.progress)
    report.notices.extend([*shape_set.notices, *notices])
    if shape_set.hvd_only:
        report.notices.append("HVD shapes applied to the high-value datasets and data "
                              "services only (with their publishers and catalogues)")
    return report
