"""Benchmark: metadata quality measurement on a published generation.

Measures the phases ``ldcat load`` adds when it measures quality (the indicator queries, the
totals, writing the DQV N-Quads, bulk-loading them) on a generation opened read-only; the
bulk load goes into a scratch store, so the generation is not touched. Appends a section to
BENCHMARKS.md.

    python bench/quality.py --store bench/out/store
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import RdfFormat, Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loader.generations import StoreLayout
from loader.quality import QualityOptions, assess

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    generation = StoreLayout(args.store).current()
    if generation is None:
        print(f"{args.store}: no published generation", file=sys.stderr)
        return 2
    store = Store.read_only(str(generation.path))
    quads = len(store)
    started = time.perf_counter()
    assessment = assess(store, generation.base_iri, f"{generation.base_iri}/catalog", [],
                        QualityOptions())
    measured = time.perf_counter() - started
    data = b"".join(assessment.graphs.values())
    scratch = Path(tempfile.mkdtemp(prefix="ldcat-quality-bench-"))
    try:
        started = time.perf_counter()
        target = Store(str(scratch))
        target.bulk_load(data, format=RdfFormat.N_QUADS)
        target.flush()
        added = len(target)
        loaded = time.perf_counter() - started
        del target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    catalogue = assessment.summary["catalogue"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Metadata quality ({stamp})", "",
        f"Command: `python bench/quality.py --store {args.store}`. Machine: 2 cores, 24 GiB; "
        "other work may share the cores (see the session note).", "",
        f"Generation {generation.id}: {quads:,} quads, {catalogue['datasets']:,} datasets, "
        f"{len(assessment.summary['organizations']):,} publishers.", "",
        "| phase | seconds |", "|---|---|",
        f"| measure (indicator queries, two at a time) + totals + DQV N-Quads | {measured:.1f} |",
        f"| bulk-load the {added:,} DQV quads ({len(data) / 2**20:,.0f} MiB) into a fresh "
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
