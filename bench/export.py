"""Benchmark the exports: full dumps against ``oxigraph dump``, and catalogue page latency.

For each store (the full catalogue in ``bench/out/store`` and a small one, to show that
memory does not grow with the catalogue), in one run:

1. ``ldcat export --format nt`` and ``--format nq`` (gzip level 6, as published): wall time,
   peak PSS of the process tree, quads per second;
2. ``oxigraph dump --format nq`` of the same generation (the engine's own dump, uncompressed),
   and the same piped through ``gzip -6`` (the same artefact as ldcat's);
3. ``/catalog`` pages of 100 datasets over HTTP (``ldcat serve``): the first (which builds the
   generation's dataset index) apart, then p50/p95 over random pages.

Writes a section to BENCHMARKS.md. Usage::

    python bench/export.py [--store bench/out/store] [--small-store DIR] [--pages 60]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import PROJECT, PeakRss, append_to_benchmarks, timed_subprocess


def _ldcat() -> list[str]:
    return [sys.executable, "-m", "ldcat"]


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        raise SystemExit("oxigraph (PyPI package oxigraph) is not installed: pip install "
                         "-e '.[bench]'")
    return found


def _quads(store: Path) -> int:
    manifest = sorted((store / "generations").glob("g*.json"))
    for path in reversed(manifest):
        if path.name.count(".") == 1:
            return int(json.loads(path.read_text())["quads"])
    raise SystemExit(f"{store}: no generation manifest")


def _dump_rows(store: Path, scratch: Path) -> list[str]:
    quads = _quads(store)
    rows = []
    for name in ("nt", "nq"):
        out = scratch / f"ldcat-{name}"
        wall, pss, _ = timed_subprocess([*_ldcat(), "export", "--store", str(store), "--out",
                                         str(out), "--format", name, "--profile", "dcat-ap-3"])
        size = sum(p.stat().st_size for p in out.glob("*.gz"))
        rows.append(f"| ldcat export --format {name} (gzip -6) | {wall:.1f} s | "
                    f"{quads / wall:,.0f} | {pss / 2**20:,.0f} MiB | {size / 2**20:,.0f} MiB |")
    location = store / "current"
    target = scratch / "oxigraph.nq"
    wall, pss, _ = timed_subprocess([_oxigraph(), "dump", "--location", str(location),
                                     "--file", str(target), "--format", "nq"])
    rows.append(f"| oxigraph dump --format nq (uncompressed) | {wall:.1f} s | "
                f"{quads / wall:,.0f} | {pss / 2**20:,.0f} MiB | "
                f"{target.stat().st_size / 2**20:,.0f} MiB |")
    target.unlink()
    started = time.perf_counter()
    gzipped = scratch / "oxigraph.nq.gz"
    with gzipped.open("wb") as sink:
        dump = subprocess.Popen([_oxigraph(), "dump", "--location", str(location), "--format",
                                 "nq"], stdout=subprocess.PIPE)
        with PeakRss(dump.pid) as rss:
            subprocess.run(["gzip", "-6"], stdin=dump.stdout, stdout=sink, check=True)
            dump.wait()
    wall = time.perf_counter() - started
    rows.append(f"| oxigraph dump --format nq \\| gzip -6 | {wall:.1f} s | {quads / wall:,.0f} "
                f"| {rss.peak / 2**20:,.0f} MiB (oxigraph only) | "
                f"{gzipped.stat().st_size / 2**20:,.0f} MiB |")
    return rows


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _page_latency(store: Path, pages: int) -> str:
    port = _free_port()
    server = subprocess.Popen([*_ldcat(), "serve", "--store", str(store), "--port", str(port),
                               "--query-workers", "1"], cwd=PROJECT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/-/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)

        def get(page: int) -> float:
            started = time.perf_counter()
            request = urllib.request.Request(f"{base}/catalog?page={page}&page_size=100",
                                             headers={"accept": "application/n-triples"})
            urllib.request.urlopen(request, timeout=120).read()
            return time.perf_counter() - started

        first = get(1)
        datasets = _quads_hint(base)
        last_page = max(1, -(-datasets // 100))
        rng = random.Random(7)
        timings = sorted(get(rng.randint(1, last_page)) for _ in range(pages))
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50 = timings[len(timings) // 2] * 1000
    p95 = timings[int(len(timings) * 0.95) - 1] * 1000
    return (f"| /catalog page of 100 datasets | first (builds the index) {first * 1000:,.0f} ms "
            f"| p50 {p50:,.0f} ms | p95 {p95:,.0f} ms | {pages} random pages |")


def _quads_hint(base: str) -> int:
    request = urllib.request.Request(f"{base}/catalog?page=1&page_size=1",
                                     headers={"accept": "application/n-triples"})
    body = urllib.request.urlopen(request, timeout=120).read().decode()
    for line in body.splitlines():
        if "hydra/core#totalItems" in line:
            return int(line.split('"')[1])
    return 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=PROJECT / "bench" / "out" / "store")
    parser.add_argument("--small-store", type=Path,
                        help="a second, small store (default: the demo catalogue, loaded now)")
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--pages-only", action="store_true",
                        help="measure the catalogue pages only (no dumps)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=PROJECT / "bench" / "out") as scratch_name:
        scratch = Path(scratch_name)
        small = args.small_store
        if small is None:
            small = scratch / "demo-store"
            subprocess.run([*_ldcat(), "load", *map(str, sorted(
                (PROJECT / "loader" / "demo").glob("*.csv"))), "--store", str(small),
                "--quiet"], check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)
        sections = []
        for label, store in (("small", small), ("full", args.store)):
            dumps = "" if args.pages_only else (
                "| dump | wall | quads/s | peak PSS | output |\n|---|---|---|---|---|\n"
                + "\n".join(_dump_rows(store, scratch)) + "\n\n")
            sections.append(
                f"**{label}** store ({_quads(store):,} quads, `{store}`):\n\n" + dumps
                + "| pages | | | | |\n|---|---|---|---|---|\n"
                + _page_latency(store, args.pages) + "\n")
    command = "python bench/export.py " + " ".join(sys.argv[1:])
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    append_to_benchmarks(
        f"## Exports: full dumps and catalogue pages ({when})\n\n"
        f"Command: `{command.strip()}`. Machine: 2 cores, 24 GiB; other work may share the "
        "cores (see the session note). ldcat writes gzip (level 6) as published; Oxigraph's "
        "dump is shown raw and piped through `gzip -6`, the same artefact.\n\n"
        + "\n".join(sections))


if __name__ == "__main__":
    main()
