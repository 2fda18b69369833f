"""Reading whole records back: the records' text against the on-disk store, same run.

Every per-record reader (record routes, /catalog pages, feed pages, dumps in the formats
Oxigraph cannot write natively) takes whole record graphs out of a published generation.
This measures, on one generation, interleaved so machine noise hits both alike:

1. one dataset record graph: the store path (``quads_for_pattern`` on the graph, datatypes
   restored) against the text path (index lookup, ``pread``, native parse);
2. a 100-dataset ``/catalog`` page built in-process (``exports.catalog_pages.build_page``,
   the dataset list already computed) with each path, then serialized as Turtle.

Usage::

    python bench/record_reads.py --store bench/out/store-text [--records 300] [--pages 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import RdfFormat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import append_to_benchmarks

from exports.catalog_pages import CatalogIndex, PageRequest, StorePages, build_page
from loader.generations import StoreLayout
from loader.repo import Snapshot


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{statistics.median(ordered) * 1e3:.2f} ms (p95 {p95 * 1e3:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("bench/out/store-text"))
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    layout = StoreLayout(args.store)
    generation = layout.current()
    if generation is None:
        raise SystemExit(f"{args.store}: nothing published")
    with_text = Snapshot.open(layout, generation)
    if with_text.text is None:
        raise SystemExit(f"{args.store}: generation {generation.id} has no records' text "
                         "(loaded before it existed): reload it")
    store_only = Snapshot(with_text.store, generation, None)
    graphs = layout.graphs(generation)
    datasets = sorted(iri for iri, entry in graphs.items() if entry.kind == "datasets")
    rng = random.Random(args.seed)

    sample = rng.sample(datasets, min(args.records, len(datasets)))
    times: dict[str, list[float]] = {"store": [], "text": []}
    quads = 0
    for iri in sample:
        for name, snapshot in (("store", store_only), ("text", with_text)):
            started = time.perf_counter()
            found = snapshot.record_quads(iri)
            times[name].append(time.perf_counter() - started)
        quads += len(found)

    index = CatalogIndex()
    started = time.perf_counter()
    total = len(index.datasets(StorePages(with_text), generation.id, generation.base_iri,
                               PageRequest().filters))
    listing = time.perf_counter() - started
    last = max(1, -(-total // 100))
    pages = rng.sample(range(1, last + 1), min(args.pages, last))
    page_times: dict[str, list[float]] = {"store": [], "text": []}
    for number in pages:
        for name, snapshot in (("store", store_only), ("text", with_text)):
            started = time.perf_counter()
            page = build_page(StorePages(snapshot), PageRequest(number, 100), index)
            page.write(RdfFormat.TURTLE)
            page_times[name].append(time.perf_counter() - started)

    speedup = statistics.median(times["store"]) / statistics.median(times["text"])
    page_speedup = (statistics.median(page_times["store"])
                    / statistics.median(page_times["text"]))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = (f"python bench/record_reads.py --store {args.store} --records {args.records} "
               f"--pages {args.pages}")
    lines = [
        f"## Whole-record reads: records' text vs on-disk store ({stamp})",
        "",
        f"Command: `{command}`  ",
        f"Generation {generation.id}: {generation.manifest.get('quads', 0):,} quads, "
        f"{len(datasets):,} datasets; {len(sample)} random dataset records "
        f"({quads / len(sample):.0f} quads on average), {len(pages)} random pages of 100 "
        "datasets, each read both ways in turn.",
        "",
        "| read | on-disk store (quad patterns + datatype restore) "
        "| records' text (index + pread + parse) | ratio |",
        "|---|---|---|---|",
        f"| one dataset record | {_ms(times['store'])} | {_ms(times['text'])} "
        f"| {speedup:.1f}x |",
        f"| one /catalog page of 100 datasets, built + Turtle | {_ms(page_times['store'])} "
        f"| {_ms(page_times['text'])} | {page_speedup:.1f}x |",
        "",
        f"The page's dataset list (all {total:,} datasets in IRI order, once per generation "
        f"and filter set) took {listing:.1f} s before the first page.",
        "",
    ]
    append_to_benchmarks("\n".join(lines))

if __name__ == "__main__":
    main()
