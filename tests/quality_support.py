"""Both ways of measuring quality on one published generation, for differential tests."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Store

from loader.generations import QUALITY_KIND, StoreLayout
from loader.quality.measure import Measurements, measure_in_store
from loader.quality.text_scan import scan_records
from loader.record_text import RecordText

Measured = tuple[Measurements, dict[str, int]]


def text_and_sparql(store_dir: Path) -> tuple[Measured, Measured]:
    """(from the records' text, with SPARQL) measurements of ``store_dir``'s generation."""
    layout = StoreLayout(store_dir)
    generation = layout.current()
    assert generation is not None
    text = RecordText.open(layout.text_dir(generation.id))
    assert text is not None
    graphs = [iri for iri, entry in layout.graphs(generation).items()
              if entry.kind != QUALITY_KIND]
    fast = scan_records((graph, text.nquads(graph) or b"") for graph in graphs)
    slow = measure_in_store(Store.read_only(str(generation.path)))
    return fast, slow
