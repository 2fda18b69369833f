"""Validate a published generation from its records' text (the partitioned engine).

The records' N-Quads (``gNNNNNN.text/``) and the background vocabularies are read and indexed
in Python (:mod:`shapes.partitioned`); the store is opened only when some check needs the
SPARQL engine, and then, as :func:`shapes.service.validate_generation` always does, on a
checkpoint with the vocabularies added.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from loader.record_text import RecordText
from shapes.compile import Check
from shapes.dataset import add_background, generation_checkpoint, rdf_format
from shapes.graphindex import GraphIndex
from shapes.model import ShapesGraph
from shapes.parse import ShapesError
from shapes.partitioned import MIN_PARTITIONED, MemoryRecords, validate_records
from shapes.report import ValidationReport, ValidationResult
from shapes.validate import Progress, run_checks


def background_index(files: Iterable[Path]) -> GraphIndex:
    """The vocabulary files as one index (the default graph)."""
    index = GraphIndex()
    for path in files:
        index.add_file(path, rdf_format(path))
    index.finish()
    return index


def validate_loaded(store: Store, shapes: ShapesGraph, vocabularies: list[Path], name: str,
                    workers: int | None) -> ValidationReport:
    """Validate an in-memory store (a file's quads, its default graph empty) with the
    partitioned engine; the vocabularies are added to its default graph only if some check
    needs the SPARQL engine."""
    texts: dict[str, list[Quad]] = {}
    for quad in store:
        if isinstance(quad.graph_name, NamedNode):
            texts.setdefault(quad.graph_name.value, []).append(quad)
    records = MemoryRecords({graph: serialize(quads, format=RdfFormat.N_QUADS) or b""
                             for graph, quads in texts.items()})

    def fallback(checks: list[Check]) -> set[ValidationResult]:
        add_background(store, vocabularies)
        return run_checks(store, checks)

    return validate_records(records, shapes, background_index(vocabularies), name=name,
                            workers=workers or os.cpu_count() or 1, reopen=lambda: records,
                            fallback=fallback)


def validate_text(generation: Path, text_dir: Path, scratch_parent: Path, shapes: ShapesGraph,
                  vocabularies: list[Path], name: str, workers: int | None,
                  progress: Progress | None, min_records: int = MIN_PARTITIONED
                  ) -> ValidationReport:
    """Validate ``generation`` from its records' text in ``text_dir`` (with worker
    processes from ``min_records`` dataset records on)."""
    text = RecordText.open(text_dir)
    if text is None:
        raise ShapesError(f"{generation}: no records' text to validate from (use the "
                          "SPARQL engine)")

    def reopen() -> RecordText:
        opened = RecordText.open(text_dir)
        assert opened is not None
        return opened

    def fallback(checks: list[Check]) -> set[ValidationResult]:
        with generation_checkpoint(generation, scratch_parent) as path:
            writable = Store(str(path))
            add_background(writable, vocabularies)
            writable.flush()
            del writable
            store = Store.read_only(str(path))
            return run_checks(store, checks, path=path, workers=workers)

    try:
        return validate_records(text, shapes, background_index(vocabularies), name=name,
                                workers=workers or os.cpu_count() or 1, reopen=reopen,
                                fallback=fallback, progress=progress,
                                min_records=min_records)
    finally:
        text.close()
