"""Full-scale load benchmark: the real data.gouv.fr export + generated resources.

Measures, in one run on this machine (ratios, since these machines are noisy):

1. ``ldcat load`` of the datasets export and the generated resources export into a published
   generation (wall time, peak RSS of the whole process tree), by default (SHACL gate and
   metadata quality included) and again with ``--no-quality``;
2. pyoxigraph's own on-disk ``bulk_load`` of the same triples given as a ready N-Triples file
   (the engine's limit: ldcat's target is at most 1.5x this);
3. rdflib building the same graph in memory (what udata and ckanext-dcat do), on a prefix of
   the triples and extrapolated linearly (the whole graph does not fit in this machine's
   memory with rdflib).

    python bench/load.py [--rdflib-triples 1000000] [--out bench/out]

Results are appended to BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psutil
from measure import append_to_benchmarks, peaks_by_stage, timed_subprocess

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
EXPORT = SHARED / "data" / "export-dataset-20260116-055249.csv.gz"


BULK_LOAD = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=getattr(ox.RdfFormat, sys.argv[3]))
store.flush()
print(len(store))
"""

MAP_TO_FILES = """
import sys
from pathlib import Path
from loader.coordinator import Coordinator
from loader.mapping.context import MappingContext
from loader.report import LoadReport
from loader.sources import detect_source

class FileTarget:
    def __init__(self, handle):
        self.handle = handle
    def write(self, graph, data):
        self.handle.write(data)
    def part_loader(self):
        return None

base = "http://127.0.0.1:8000"
with open(sys.argv[1], "wb", buffering=1 << 20) as handle:
    coordinator = Coordinator(MappingContext.create(base), LoadReport(), FileTarget(handle),
                              workers=1, progress=False)
    coordinator.run([detect_source(Path(p)) for p in sys.argv[3:]])
with open(sys.argv[1], "rb") as source, open(sys.argv[2], "wb", buffering=1 << 20) as out:
    for line in source:
        out.write(line.rsplit(b" ", 2)[0] + b" .\\n")
"""

RDFLIB = """
import sys, time, itertools, rdflib
lines = []
with open(sys.argv[1], encoding="utf-8") as handle:
    lines = list(itertools.islice(handle, int(sys.argv[2])))
started = time.perf_counter()
graph = rdflib.Graph()
graph.parse(data="".join(lines), format="nt")
print(len(graph), time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out")
    parser.add_argument("--rdflib-triples", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--load-threads", type=int, default=1)
    args = parser.parse_args()
    if not EXPORT.exists():
        raise SystemExit(f"{EXPORT} is absent: this benchmark needs ../shared")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    resources = out / "resources.csv.gz"
    if not resources.exists():
        subprocess.run([sys.executable, str(PROJECT / "bench" / "generate_resources.py"),
                        str(EXPORT), str(resources)], check=True)

    store = out / "store"
    shutil.rmtree(store, ignore_errors=True)
    ldcat = [sys.executable, "-m", "ldcat.cli", "load", str(EXPORT), str(resources),
             "--store", str(store), "--quiet", "--workers", str(args.workers),
             "--load-threads", str(args.load_threads)]
    samples: list[tuple[float, int]] = []
    load_seconds, load_rss, load_output = timed_subprocess(ldcat, samples=samples)
    print(f"ldcat load: {load_seconds:.1f} s, {load_rss / (1 << 30):.2f} GiB", flush=True)
    stage_peaks = _stage_peaks(store, samples)
    plain_store = out / "store-no-quality"
    shutil.rmtree(plain_store, ignore_errors=True)
    plain_seconds, plain_rss, _ = timed_subprocess(
        [*ldcat[:ldcat.index("--store") + 1], str(plain_store),
         *ldcat[ldcat.index("--store") + 2:], "--no-quality"])
    shutil.rmtree(plain_store, ignore_errors=True)
    print(f"ldcat load --no-quality: {plain_seconds:.1f} s, {plain_rss / (1 << 30):.2f} GiB",
          flush=True)
    manifest_path = sorted((store / "generations").glob("g[0-9]*[0-9].json"))[-1]
    manifest = json.loads(manifest_path.read_text())

    quads_file = out / "same-quads.nq"
    triples_file = out / "same-triples.nt"
    subprocess.run([sys.executable, "-c", MAP_TO_FILES, str(quads_file), str(triples_file),
                    str(EXPORT), str(resources)], check=True, cwd=PROJECT)
    reference_store = out / "reference-store"
    shutil.rmtree(reference_store, ignore_errors=True)
    bulk_seconds, bulk_rss, bulk_output = timed_subprocess(
        [sys.executable, "-c", BULK_LOAD, str(reference_store), str(triples_file), "N_TRIPLES"])
    triples = int(bulk_output.strip())
    print(f"bulk_load N-Triples: {bulk_seconds:.1f} s, {bulk_rss / (1 << 30):.2f} GiB",
          flush=True)
    shutil.rmtree(reference_store, ignore_errors=True)
    quads_seconds, quads_rss, _ = timed_subprocess(
        [sys.executable, "-c", BULK_LOAD, str(reference_store), str(quads_file), "N_QUADS"])
    print(f"bulk_load N-Quads: {quads_seconds:.1f} s, {quads_rss / (1 << 30):.2f} GiB",
          flush=True)
    shutil.rmtree(reference_store, ignore_errors=True)

    _, _, rdflib_output = timed_subprocess(
        [sys.executable, "-c", RDFLIB, str(triples_file), str(args.rdflib_triples)])
    rdflib_count, rdflib_seconds = rdflib_output.split()
    rdflib_total = float(rdflib_seconds) * triples / int(rdflib_count)

    gib = 1 << 30
    rows = [
        ("ldcat load (datasets + resources -> published generation)",
         f"{load_seconds:.1f} s", f"{load_rss / gib:.2f} GiB", "1.00"),
        ("the same without metadata quality (`--no-quality`)",
         f"{plain_seconds:.1f} s", f"{plain_rss / gib:.2f} GiB",
         f"{plain_seconds / bulk_seconds:.2f}x (vs N-Triples bulk_load)"),
        ("pyoxigraph bulk_load, same triples as ready N-Triples",
         f"{bulk_seconds:.1f} s", f"{bulk_rss / gib:.2f} GiB",
         f"{load_seconds / bulk_seconds:.2f}x (ldcat / bulk_load)"),
        ("pyoxigraph bulk_load, same quads as ready N-Quads (named graphs)",
         f"{quads_seconds:.1f} s", f"{quads_rss / gib:.2f} GiB",
         f"{load_seconds / quads_seconds:.2f}x (ldcat / bulk_load)"),
        (f"rdflib in-memory graph ({int(rdflib_count):,} triples, extrapolated)",
         f"{rdflib_total:.0f} s", "n/a", f"{rdflib_total / load_seconds:.1f}x slower than ldcat"),
    ]
    command = "python bench/load.py " + " ".join(sys.argv[1:])
    lines = [
        f"## Full load ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / gib:.0f} GiB, "
        f"Python {platform.python_version()}  ",
        f"Input: {EXPORT.name} (121,074 datasets) + generated resources "
        f"({manifest['published'].get('resources', 0):,}); "
        f"{manifest['quads']:,} quads in the generation, {triples:,} distinct triples.",
        "",
        "| step | wall | peak memory (PSS, process tree) | ratio |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        f"Peak memory of `ldcat load` by stage (PSS, process tree; the background "
        f"companions count in the stages they run beside): {stage_peaks}.",
        "",
        "```",
        load_output.strip(),
        "```",
        "",
    ]
    append_to_benchmarks("\n".join(lines))
    triples_file.unlink()
    quads_file.unlink()


def _stage_peaks(store: Path, samples: list[tuple[float, int]]) -> str:
    """The peak memory within each stage of the load in ``store`` (its report's stages in
    this process, one after the other; the companions' run beside them)."""
    report = sorted((store / "generations").glob("g*.report.json"))[-1]
    seconds: dict[str, float] = json.loads(report.read_text())["seconds"]
    stages = [(name, took) for name, took in seconds.items() if "(background)" not in name]
    return ", ".join(f"{name} {pss / (1 << 30):.2f} GiB"
                     for name, pss in peaks_by_stage(samples, stages))


if __name__ == "__main__":
    main()
