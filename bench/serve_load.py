"""Load test of ``ldcat serve`` while a new generation is published (issue 8, RELIABILITY.md).

Starts a real ``ldcat serve --workers N`` on 127.0.0.1 over a store, runs ``clients``
concurrent closed-loop clients for ``duration`` seconds mixing SPARQL, record pages (HTML and
RDF), /catalog pages and dump downloads, and ``publish_at`` seconds in runs ``ldcat load`` of a
revised sample (every third title changed, the last 5% of datasets left out) then
``ldcat export``. Every answer is checked:

- errors: any status but 200 (and 304), or a connection error;
- mixing: an answer whose body belongs to another generation than its ``ldcat-generation``
  header says (dataset count of a SPARQL COUNT or a catalogue page's ``hydra:totalItems``;
  a revised title; the generation in a catalogue page's links or in the dump manifest; a dump
  whose SHA-256 is not that generation's), or two ETags for one URL in one generation.

Server RSS (the web processes and their query workers) is sampled every half second.

    python bench/serve_load.py --store STORE --datasets datasets.csv --resources resources.csv \\
        [--clients 32] [--duration 60] [--publish-at 20] [--workers 2] [--out result.json]

The store must already hold a generation loaded from ``--datasets`` and ``--resources``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx2
import psutil
from loadgen import percentile

from loader.generations import StoreLayout

PROJECT = Path(__file__).resolve().parent.parent

REVISED = " (révision g2)"
COUNT_QUERY = ("SELECT (COUNT(?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
csv.field_size_limit(sys.maxsize)


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def ldcat_server(store: Path, port: int, workers: int = 1, query_workers: int = 1,
                 log_path: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """``ldcat serve`` as a process of its own (its own session), ready when yielded; its
    output goes to ``log_path`` (kept) or a temporary file."""
    command = [sys.executable, "-m", "ldcat", "serve", "--store", str(store), "--port",
               str(port), "--workers", str(workers), "--query-workers", str(query_workers),
               "--per-client", "64"]
    # a file, not a pipe: a full pipe would block the server
    with (log_path.open("w+b") if log_path else tempfile.TemporaryFile()) as log:
        process = subprocess.Popen(command, cwd=PROJECT, stdout=log, stderr=log,
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"ldcat serve exited: {log.read()[-2000:]!r}")
                try:
                    if httpx2.get(f"http://127.0.0.1:{port}/-/ready", timeout=2).status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("ldcat serve did not become ready in 60 s")
                time.sleep(0.1)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=20)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


# --- the revised generation -------------------------------------------------------------------

def revise(datasets: Path, out: Path) -> tuple[set[str], set[str]]:
    """Write the revised sample: every third title changed, the last 5% of rows left out.
    Returns the ids whose title changed and the ids left out."""
    with datasets.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        rows = list(reader)
    id_column, title_column = header.index("id"), header.index("title")
    kept = rows[: len(rows) - max(1, len(rows) // 20)]
    changed = set()
    for number, row in enumerate(kept):
        if number % 3 == 0:
            row[title_column] += REVISED
            changed.add(row[id_column])
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n",
                            quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(header)
        writer.writerows(kept)
    return changed, {row[id_column] for row in rows[len(kept):]}


def publish(store: Path, sources: list[Path]) -> dict[str, float]:
    """``ldcat load`` then ``ldcat export``; seconds each took."""
    timings = {}
    for name, command in (("load", ["load", *map(str, sources), "--store", str(store),
                                    "--quiet", "--workers", "1"]),
                          ("export", ["export", "--store", str(store)])):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "ldcat", *command], cwd=PROJECT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"ldcat {name} failed: {done.stderr}")
        timings[name] = time.monotonic() - started
    return timings


# --- what each generation says ---------------------------------------------------------------

@dataclass
class Expectations:
    """What an answer of each generation must hold."""

    datasets: dict[str, int] = field(default_factory=dict)
    """Generation id -> published datasets."""
    dump_sha256: dict[str, dict[str, str]] = field(default_factory=dict)
    """Generation id -> dump file -> SHA-256 (filled from the manifests as they appear)."""
    revised_generation: str = ""
    revised_ids: set[str] = field(default_factory=set)

    def learn(self, store: Path) -> None:
        layout = StoreLayout(store)
        for generation in layout.generations():
            self.datasets[generation.id] = int(generation.manifest["published"]["datasets"])
            manifest = store / "exports" / generation.id / "manifest.json"
            if manifest.exists() and generation.id not in self.dump_sha256:
                files = json.loads(manifest.read_text("utf-8"))["files"]
                self.dump_sha256[generation.id] = {entry["file"]: entry["sha256"]
                                                   for entry in files}


# --- the client mix --------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """One kind of request: its route name, URL and Accept."""

    route: str
    url: str
    accept: str
    dataset: str = ""
    """The dataset id the answer is about, if any."""


@dataclass
class Results:
    """Everything measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    mixed: list[str] = field(default_factory=list)
    generations: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    etags: dict[tuple[str, str], str] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)
    published_at: float | None = None
    until: float = 0.0
    """When clients stop: ``duration`` after the start, or 10 s after the publication ends
    if that is later (every run sees the switch and the new dumps)."""
    publication_done: threading.Event = field(default_factory=threading.Event)

    def running(self) -> bool:
        """Whether clients go on."""
        return time.monotonic() < self.until or not self.publication_done.is_set()
    first_new_answer: dict[str, float] = field(default_factory=dict)
    publish_seconds: dict[str, float] = field(default_factory=dict)


def probes(store: Path, rng: random.Random, left_out: set[str]) -> list[Probe]:
    """The request mix, from the published generation's records (none of those the revised
    generation leaves out: they would rightly answer 410 once it is published)."""
    layout = StoreLayout(store)
    generation = layout.current()
    if generation is None:
        raise SystemExit(f"{store}: nothing published")
    graphs = layout.graphs(generation)
    base = generation.base_iri
    datasets = sorted(iri for iri, entry in graphs.items() if entry.kind == "datasets"
                      and iri.rsplit("/", 1)[1] not in left_out)
    themes = sorted(iri for iri, entry in graphs.items() if entry.kind == "themes")
    chosen = rng.sample(datasets, min(60, len(datasets)))
    mix = [Probe("sparql count", "/sparql?" + str(httpx2.QueryParams({"query": COUNT_QUERY})),
                 "application/sparql-results+json")]
    for iri in chosen[:20]:
        query = (f"SELECT ?t WHERE {{ <{iri}> <http://purl.org/dc/terms/title> ?t }}")
        mix.append(Probe("sparql title", "/sparql?" + str(httpx2.QueryParams({"query": query})),
                         "application/sparql-results+json", iri.rsplit("/", 1)[1]))
    for iri in chosen:
        identifier = iri.rsplit("/", 1)[1]
        mix.append(Probe("record nt", iri.removeprefix(base) + ".nt", "application/n-triples",
                         identifier))
        mix.append(Probe("record html", iri.removeprefix(base), "text/html", identifier))
    for iri in themes:
        mix.append(Probe("record html", iri.removeprefix(base), "text/html"))
    pages = max(1, min(5, (len(datasets) - 1) // 100 + 1))
    for page in range(1, pages + 1):
        mix.append(Probe("catalog page", f"/catalog?page={page}&page_size=100",
                         "application/n-triples"))
    for page in range(1, pages + 1):  # a walk pinned to the first generation stays on it
        mix.append(Probe("catalog pinned", f"/catalog?page={page}&page_size=100"
                         f"&generation={generation.id}", "application/n-triples"))
    mix.append(Probe("exports manifest", "/exports/", "application/json"))
    mix.append(Probe("dump", "/exports/catalog-hvd.nt.gz", "*/*"))
    mix.append(Probe("dump", "/exports/catalog.nt.gz", "*/*"))
    return mix


def weights(mix: list[Probe]) -> list[float]:
    """SPARQL 30%, record pages 40%, catalogue pages 20%, dumps 10%."""
    share = {"sparql": 0.3, "record": 0.4, "catalog": 0.2, "exports": 0.05, "dump": 0.05}
    counts: dict[str, int] = defaultdict(int)
    for probe in mix:
        counts[probe.route.split()[0]] += 1
    return [share[probe.route.split()[0]] / counts[probe.route.split()[0]] for probe in mix]


def check(probe: Probe, status: int, headers: httpx2.Headers, body: bytes,
          expect: Expectations, results: Results) -> str | None:
    """Why this answer mixes generations, or ``None``."""
    generation = headers.get("ldcat-generation")
    if generation is None:
        return "no ldcat-generation header"
    datasets = expect.datasets.get(generation)
    revised = generation == expect.revised_generation
    if probe.route == "sparql count":
        count = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        if datasets is not None and count != datasets:
            return f"{count} datasets, {generation} has {datasets}"
    elif probe.dataset in expect.revised_ids and expect.revised_generation \
            and (REVISED in body.decode("utf-8")) != revised:
        return f"title of {probe.dataset} is not {generation}'s"
    elif probe.route.startswith("catalog"):
        total = re.search(rb"hydra#totalItems> \"(\d+)\"", body)
        pinned = set(re.findall(rb"generation=(g\d+)", body))
        if pinned != {generation.encode()}:
            return f"page links pin {pinned}, header says {generation}"
        asked = re.search(r"generation=(g\d+)", probe.url)
        if asked and asked.group(1) != generation:
            return f"a walk pinned to {asked.group(1)} got {generation}"
        if total and datasets is not None and int(total.group(1)) != datasets:
            return f"totalItems {total.group(1)!r}, {generation} has {datasets}"
    elif probe.route == "exports manifest":
        if json.loads(body)["generation"] != generation:
            return f"manifest of {json.loads(body)['generation']}, header says {generation}"
    elif probe.route == "dump":
        name = probe.url.rsplit("/", 1)[1]
        expected = expect.dump_sha256.get(generation, {}).get(name)
        if expected is not None and hashlib.sha256(body).hexdigest() != expected:
            return f"{name} is not {generation}'s dump"
    etag = headers.get("etag")
    if etag and probe.route.startswith("record"):
        known = results.etags.setdefault((probe.url, generation), etag)
        if known != etag:
            return f"two ETags for {probe.url} in {generation}"
    return None


async def client(http: httpx2.AsyncClient, mix: list[Probe], mix_weights: list[float],
                 seed: int, expect: Expectations, results: Results, started: float) -> None:
    """One closed-loop client."""
    rng = random.Random(seed)
    while results.running():
        probe = rng.choices(mix, mix_weights)[0]
        sent = time.monotonic()
        try:
            response = await http.get(probe.url, headers={"accept": probe.accept})
            body = response.content
        except httpx2.HTTPError as error:
            results.errors[probe.route].append(
                f"{time.monotonic() - started:.1f} s {probe.url}: {type(error).__name__} "
                f"{error!r}")
            continue
        elapsed = time.monotonic() - sent
        if response.status_code != 200:
            results.errors[probe.route].append(f"{response.status_code} {probe.url} "
                                               f"{body[:200]!r}")
            continue
        results.latencies[probe.route].append(elapsed)
        generation = response.headers.get("ldcat-generation", "?")
        results.generations[probe.route][generation] += 1
        if generation == expect.revised_generation and probe.route not in \
                results.first_new_answer:
            results.first_new_answer[probe.route] = time.monotonic() - started
        problem = check(probe, response.status_code, response.headers, body, expect, results)
        if problem is not None:
            results.mixed.append(f"{probe.route} {probe.url}: {problem}")


def sample_rss(pid: int, results: Results, stop: threading.Event, started: float) -> None:
    """Every half second, the server tree's RSS."""
    while not stop.wait(0.5):
        results.rss.append((time.monotonic() - started, tree_rss(pid)))


async def run_clients(url: str, mix: list[Probe], clients: int, duration: float,
                      expect: Expectations, results: Results, started: float) -> None:
    # idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: a
    # request sent on a connection the server is closing fails through no fault of ldcat's
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients,
                           keepalive_expiry=3.0)
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        results.until = max(results.until, started + duration)
        mix_weights = weights(mix)
        await asyncio.gather(*(client(http, mix, mix_weights, seed, expect, results, started)
                               for seed in range(clients)))


@dataclass
class Summary:
    """The figures RELIABILITY.md reports."""

    clients: int
    duration: float
    web_workers: int
    ran_s: float
    requests: int
    errors: int
    mixed: int
    routes: dict[str, dict[str, object]]
    rss_mb_start: float
    rss_mb_max: float
    rss_mb_end: float
    publish_seconds: dict[str, float]
    new_generation_current_at_s: float | None
    error_samples: list[str]
    mixed_samples: list[str]


def run(store: Path, datasets: Path, resources: Path, clients: int, duration: float,
        publish_at: float, workers: int, query_workers: int, work: Path) -> Summary:
    """The whole load test; returns its figures."""
    expect = Expectations()
    layout = StoreLayout(store)
    current = layout.current()
    if current is None:
        raise SystemExit(f"{store}: nothing published")
    if not (store / "exports" / current.id / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "ldcat", "export", "--store", str(store)],
                       cwd=PROJECT, check=True, capture_output=True)
    expect.learn(store)
    revised = work / "datasets-revised.csv"
    expect.revised_ids, left_out = revise(datasets, revised)
    expect.revised_generation = f"g{int(current.id[1:]) + 1:06d}"
    mix = probes(store, random.Random(8), left_out)
    results = Results()
    port = free_port()
    with ldcat_server(store, port, workers, query_workers, work / "server.log") as server:
        started = time.monotonic()
        stop = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(server.pid, results, stop, started),
                                   daemon=True)
        sampler.start()

        results.until = started + duration

        def publisher() -> None:
            time.sleep(publish_at)
            try:
                results.publish_seconds = publish(store, [revised, resources])
                expect.learn(store)
                results.until = max(results.until, time.monotonic() + 10)
            finally:
                results.publication_done.set()

        def watch_current() -> None:
            while not results.publication_done.is_set():
                if os.readlink(store / "current").endswith(expect.revised_generation):
                    results.published_at = time.monotonic() - started
                    expect.learn(store)
                    return
                time.sleep(0.01)

        threads = [threading.Thread(target=publisher, daemon=True),
                   threading.Thread(target=watch_current, daemon=True)]
        for thread in threads:
            thread.start()
        asyncio.run(run_clients(f"http://127.0.0.1:{port}", mix, clients, duration, expect,
                                results, started))
        ran = time.monotonic() - started
        stop.set()
        sampler.join()
        for thread in threads:
            thread.join(timeout=600)
        expect.learn(store)
    routes: dict[str, dict[str, object]] = {}
    for route in sorted(set(results.latencies) | set(results.errors)):
        latencies = results.latencies.get(route, [])
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        routes[route] = {
            "ok": len(latencies), "errors": len(results.errors.get(route, [])),
            "p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
            "p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
            "generations": dict(results.generations.get(route, {})),
            "first_new_generation_at_s": round(results.first_new_answer[route], 2)
            if route in results.first_new_answer else None}
    rss = [value for _, value in results.rss] or [0]
    errors = [message for messages in results.errors.values() for message in messages]
    return Summary(
        clients=clients, duration=duration, web_workers=workers, ran_s=round(ran, 1),
        requests=sum(len(v) for v in results.latencies.values()) + len(errors),
        errors=len(errors), mixed=len(results.mixed), routes=routes,
        rss_mb_start=round(rss[0] / 2**20, 1), rss_mb_max=round(max(rss) / 2**20, 1),
        rss_mb_end=round(rss[-1] / 2**20, 1), publish_seconds=results.publish_seconds,
        new_generation_current_at_s=round(results.published_at, 2)
        if results.published_at is not None else None,
        error_samples=errors[:10], mixed_samples=results.mixed[:10])


def markdown(summary: Summary) -> str:
    """The per-route table RELIABILITY.md shows."""
    lines = ["| route | answers | errors | p50 ms | p99 ms | generations seen |",
             "|---|---:|---:|---:|---:|---|"]
    for route, figures in summary.routes.items():
        seen = ", ".join(f"{gen} {count}" for gen, count in
                         sorted(dict(figures["generations"]).items()))  # type: ignore[call-overload]
        lines.append(f"| {route} | {figures['ok']} | {figures['errors']} | {figures['p50_ms']} "
                     f"| {figures['p99_ms']} | {seen} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--datasets", type=Path, required=True)
    parser.add_argument("--resources", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--publish-at", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--query-workers", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    store, datasets, resources = (path.resolve() for path in (args.store, args.datasets,
                                                              args.resources))
    work = store.parent / "serve-load"
    work.mkdir(exist_ok=True)
    summary = run(store, datasets, resources, args.clients, args.duration,
                  args.publish_at, args.workers, args.query_workers, work)
    text = json.dumps(asdict(summary), indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(markdown(summary))


if __name__ == "__main__":
    main()
