"""Benchmark: metadata quality measurement on a published generation.

Measures the phases ``ldcat load`` adds when it measures quality (the indicator queries, the
totals, writing the DQV N-Quads, bulk-loading them) on a generation opened read-only; the
bulk load goes into a scratch store, so the generation is not touched. Appends a section to
BENCHMARKS.md.

    python bench/quality.py --store bench/out/store [--sparql]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loader.generations import QUALITY_KIND, StoreLayout
from loader.quality import QualityOptions, assess, publish_into, write_graphs
from loader.record_text import RecordText

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--sparql", action="store_true",
                        help="also time the SPARQL reference and compare the points")
    args = parser.parse_args()
    generation = StoreLayout(args.store).current()
    if generation is None:
        print(f"{args.store}: no published generation", file=sys.stderr)
        return 2
    store = Store.read_only(str(generation.path))
    quads = len(store)
    layout = StoreLayout(args.store)
    records = RecordText.open(layout.text_dir(generation.id))
    if records is None:
        print(f"{args.store}: generation {generation.id} keeps no records' text", file=sys.stderr)
        return 2
    graphs = [iri for iri, entry in layout.graphs(generation).items()
              if entry.kind != QUALITY_KIND]

    def blocks() -> Iterator[tuple[str, bytes]]:
        for start in range(0, len(graphs), 1000):  # read as runs of adjacent records
            yield from records.blocks_of(graphs[start:start + 1000])

    started = time.perf_counter()
    assessment = assess(store, generation.base_iri, f"{generation.base_iri}/catalog", [],
                        QualityOptions(), text=blocks())
    measured = time.perf_counter() - started
    sparql: float | None = None
    same = False
    if args.sparql:
        started = time.perf_counter()
        reference = assess(store, generation.base_iri, f"{generation.base_iri}/catalog", [],
                           QualityOptions())
        sparql = time.perf_counter() - started
        same = reference.measurements.datasets == assessment.measurements.datasets
    scratch = Path(tempfile.mkdtemp(prefix="ldcat-quality-bench-"))
    try:
        started = time.perf_counter()  # as ldcat load does: one file, one bulk load
        part = scratch / "quality.nq"
        write_graphs(assessment, part)
        written = time.perf_counter() - started
        size = part.stat().st_size
        started = time.perf_counter()
        target = Store(str(scratch / "store"))
        publish_into(target, part)
        target.flush()
        added = len(target)
        loaded = time.perf_counter() - started
        del target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    catalogue = assessment.summary["catalogue"]
    flag = " --sparql" if args.sparql else ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Metadata quality ({stamp})", "",
        f"Command: `python bench/quality.py --store {args.store}{flag}`. Machine: 2 cores, "
        "24 GiB; other work may share the cores (see the session note).", "",
        f"Generation {generation.id}: {quads:,} quads, {catalogue['datasets']:,} datasets, "
        f"{len(assessment.summary['organizations']):,} publishers.", "",
        "| phase | seconds |", "|---|---|",
        f"| measure from the records' text (as `ldcat load` does) + totals | {measured:.1f} |",
        *([f"| the same with the SPARQL reference (one query per indicator, two at a time) "
           f"| {sparql:.1f} ({sparql / measured:.1f}x; same points: {'yes' if same else 'NO'}) |"]
          if sparql is not None else []),
        f"| write the DQV N-Quads to one file | {written:.1f} |",
        f"| bulk-load the {added:,} DQV quads ({size / 2**20:,.0f} MiB) into a fresh "
        f"store | {loaded:.1f} |",
        f"| peak memory of the process | {peak:,.0f} MiB |", "",
        f"Catalogue mean score {catalogue['score']} of {assessment.summary['max_score']} "
        f"({catalogue['rating']}); fixes worth most: "
        + "; ".join(f"`{fix['text']}`" for fix in catalogue["fixes"][:3]) + ".", "",
    ]
    text = "\n".join(lines)
    print(text)
    with args.out.open("a", encoding="utf-8") as out:
        out.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
