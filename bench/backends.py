"""Backend benchmark (issue 8, 6b): ldcat on its embedded store, in front of ``oxigraph
serve`` and in front of Virtuoso, side by side on one catalogue and one request mix.

In one run:

1. the catalogue (default: the first 2,000 datasets of the real export with generated
   resources, the tests' sample, built once under ``bench/out/backends/sample``) is pushed
   with ``push_generation`` (full replacement) into a private ``oxigraph serve --timeout-s T``
   and a private Virtuoso (``MaxQueryExecutionTime`` T), both on 127.0.0.1 in a temporary
   directory, each push timed;
2. three ``ldcat serve`` run with the same options: ``--store`` (embedded), ``--backend``
   Oxigraph, ``--backend`` Virtuoso;
3. the first requests of every kind (:mod:`backend_mix`) are asked of each, one at a time,
   the answers compared and timed; an in-process app on each remote store counts what each
   kind asks of the store (requests, their time, bytes);
4. the mix runs at each concurrency for a fixed duration on each backend in turn (in slices,
   the order rotating), with the asyncio client of :mod:`loadgen`, which times each request
   by kind; then again without the catalogue pages (unless ``--full-mix-only``), which
   dominate the mix on a remote store. CPU of the ldcat processes, of the store and of
   other work is sampled, and the peak memory of every process tree.

    python bench/backends.py [--store DIR] [--duration 10] [--concurrency 1,8,32]
        [--workers 2] [--query-workers 2] [--quick]

The section is appended to BENCHMARKS.md (not with ``--quick``), the figures saved as JSON
under ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shlex
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from backend_mix import KIND_DESCRIPTIONS, KINDS, build_mix, digest, interleave, pick
from backend_report import (
    EMBEDDED,
    Level,
    Push,
    Trips,
    alone_table,
    kind_cpu_table,
    kind_table,
    level_table,
    memory_table,
    push_table,
)
from loadgen import LoadResult, Request, merge, run_asyncio
from measure import PROJECT, append_to_benchmarks
from sparql_queries import KIND_DESCRIPTIONS as SPARQL_DESCRIPTIONS
from sparql_queries import sample_store
from sparql_servers import Server, free_port, oxigraph_version, virtuoso_version

from loader.generations import Generation, StoreLayout
from loader.remote.client import RemoteStore
from loader.remote.publish import push_generation
from loader.remote.repo import MARKER_GRAPH
from tests.remote_stores import TEMPLATE_CACHE, oxigraph_store, virtuoso_store, virtuoso_template
from tests.remote_stores import RemoteStore as StoreProcess

BACKENDS = (EMBEDDED, "oxigraph", "virtuoso")
SAMPLE_DATASETS = 2000
KIND_CONCURRENCY = 8


# --- processes -------------------------------------------------------------------------------

def _tree(pid: int | None) -> list[psutil.Process]:
    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process tree so far."""
    total = 0.0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def memory(pid: int | None) -> tuple[int, int]:
    """RSS and PSS of a process tree, summed (bytes)."""
    rss = pss = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = process.memory_full_info()
            rss += info.rss
            pss += info.pss
    return rss, pss


def busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


class MemoryPeaks:
    """Samples the memory of named process trees every ``interval`` s; peaks per phase."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.pids: dict[str, int | None] = {}
        self.peaks: dict[str, dict[str, tuple[int, int]]] = {}
        self.phase = "start"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in list(self.pids.items()):
                rss, pss = memory(pid)
                peaks = self.peaks.setdefault(self.phase, {})
                old = peaks.get(name, (0, 0))
                peaks[name] = (max(old[0], rss), max(old[1], pss))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryPeaks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def ldcat_server(name: str, source: list[str], args: argparse.Namespace, out: Path) -> Server:
    """``ldcat serve`` with the benchmark's options on ``source`` (``--store``/``--backend``)."""
    port = free_port()
    options = ["--workers", str(args.workers), "--query-workers", str(args.query_workers),
               "--query-timeout", f"{args.query_timeout:g}", "--per-client", "1000",
               "--cache-mb", "0"]
    command = [sys.executable, "-m", "ldcat", "serve", *source, "--host", "127.0.0.1",
               "--port", str(port), *options]
    return Server(name, command, port, out / "logs" / f"ldcat-{name}.log",
                  "ldcat serve " + " ".join(options), cwd=PROJECT)


def settle(pids: Sequence[int | None], idle_cores: float = 0.15, timeout: float = 30) -> bool:
    """Wait until the process trees use under ``idle_cores`` together over half a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(0.5)
        if (sum(cpu_seconds(pid) for pid in pids) - before) / 0.5 < idle_cores:
            return True
    return False


# --- the catalogue and the pushes ------------------------------------------------------------

def sample_store_dir(folder: Path) -> Path:
    """The tests' real sample (2,000 datasets, generated resources), loaded once."""
    store = folder / "store"
    if StoreLayout(store).current() is None:
        from tests.conftest import REAL_EXPORT
        from tests.samples import every_row, load_sample

        folder.mkdir(parents=True, exist_ok=True)
        print(f"loading the {SAMPLE_DATASETS:,}-dataset sample into {store} ...", flush=True)
        load_sample(folder, REAL_EXPORT, every_row, SAMPLE_DATASETS)
    return store


def push(layout: StoreLayout, generation: Generation, target: StoreProcess) -> Push:
    """Publish ``generation`` into the (empty) store ``target``, timed."""
    client = RemoteStore(target.query_url, target.update_url, timeout=600)
    try:
        store_before, cpu_before = cpu_seconds(target.pid), time.process_time()
        started = time.perf_counter()
        report = push_generation(layout, generation, client)
        seconds = time.perf_counter() - started
        return Push(target.kind, seconds, report.summary(), report.requests, report.replaced,
                    time.process_time() - cpu_before, cpu_seconds(target.pid) - store_before)
    finally:
        client.close()


# --- answers, one request at a time ----------------------------------------------------------

def fetch(port: int, request: Request, timeout: float) -> tuple[int | None, float, bytes]:
    """Status, seconds and body of one GET (status ``None`` on a network failure)."""
    http = urllib.request.Request(f"http://127.0.0.1:{port}{request.target()}",
                                  headers={"Accept": request.accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            return response.status, time.perf_counter() - started, response.read()
    except urllib.error.HTTPError as failure:
        return failure.code, time.perf_counter() - started, failure.read()
    except OSError as failure:
        return None, time.perf_counter() - started, str(failure).encode()


def check_answers(servers: dict[str, Server], requests: Sequence[Request], timeout: float
                  ) -> tuple[dict[str, dict[str, list[float]]], list[dict[str, object]]]:
    """Ask every request of every server (servers in a rotating order, request by request):
    the times per backend and kind, and the requests whose answers differ."""
    names = list(servers)
    times: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    differing: list[dict[str, object]] = []
    for number, request in enumerate(requests):
        answers: dict[str, str] = {}
        for name in names[number % len(names):] + names[:number % len(names)]:
            status, seconds, body = fetch(servers[name].port, request, timeout)
            times[name].setdefault(request.kind, []).append(seconds * 1000)
            if status != 200:
                answers[name] = f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
                continue
            try:
                answers[name] = digest(request.kind, body)
            except (ValueError, SyntaxError, KeyError) as failure:
                answers[name] = f"unreadable: {failure}"
        if len(set(answers.values())) > 1:
            differing.append({"kind": request.kind, "target": request.target()[:200],
                              "answers": answers})
    return times, differing


def store_requests(query_url: str, requests: Sequence[Request], args: argparse.Namespace
                   ) -> dict[str, Trips]:
    """Each request through an in-process app on the remote store at ``query_url``: what it
    asks of the store (the marker's re-reads left out)."""
    from starlette.testclient import TestClient

    from endpoint.app import create_app_for_backend
    from endpoint.settings import EndpointSettings

    settings = EndpointSettings(query_timeout=args.query_timeout, cache_bytes=0,
                                query_workers=args.query_workers, per_client=1000)
    app = create_app_for_backend(query_url, None, settings)
    calls: list[tuple[float, int]] = []
    marker = quote(MARKER_GRAPH, safe="").encode()

    def on_response(response: object) -> None:
        import httpx

        assert isinstance(response, httpx.Response)
        response.read()
        if marker not in response.request.content:
            calls.append((response.elapsed.total_seconds() * 1000, len(response.content)))

    store = app.state.repo.store
    store.client.event_hooks = {"response": [on_response]}
    found: dict[str, Trips] = {}
    with TestClient(app) as client:
        for request in pick({kind: [r for r in requests if r.kind == kind] for kind in KINDS},
                            1):  # warm: the catalogue's list, connections
            client.get(request.target(), headers={"accept": request.accept})
        for request in requests:
            calls.clear()
            started = time.perf_counter()
            client.get(request.target(), headers={"accept": request.accept})
            trips = found.setdefault(request.kind, Trips(request.kind))
            trips.total_ms.append((time.perf_counter() - started) * 1000)
            trips.trips.append(len(calls))
            trips.store_ms.append(sum(ms for ms, _ in calls))
            trips.store_bytes.append(sum(size for _, size in calls))
    return found


# --- load levels -----------------------------------------------------------------------------

@dataclass
class Slice:
    """One slice of a level on one backend: the client's result and CPU seconds spent."""

    result: LoadResult
    elapsed: float
    ldcat_cpu: float
    store_cpu: float
    other_cpu: float
    settled: bool


def run_slice(server: Server, store_pid: int | None, mix: list[Request], concurrency: int,
              duration: float, ramp: float) -> Slice:
    """The mix at ``concurrency`` on one backend, once it is idle: ``ramp`` s, then
    ``duration`` s counted."""
    ldcat_pid = server.process.pid if server.process else None
    settled = settle([ldcat_pid, store_pid])
    ldcat_before, store_before = cpu_seconds(ldcat_pid), cpu_seconds(store_pid)
    busy_before = busy_seconds()
    started = time.perf_counter()
    result = run_asyncio(mix, "127.0.0.1", server.port, concurrency, duration,
                         ramp + duration + 5, ramp)
    elapsed = time.perf_counter() - started
    ldcat_cpu = cpu_seconds(ldcat_pid) - ldcat_before
    store_cpu = cpu_seconds(store_pid) - store_before
    other = busy_seconds() - busy_before - result.client_cpu_s - ldcat_cpu - store_cpu
    print(f"  c={concurrency:<3} {server.name:9} {result.throughput:8.1f} req/s  "
          f"p50 {result.p50_ms or 0:8.2f}  p99 {result.p99_ms or 0:8.2f} ms  "
          f"errors {result.error_count}  ldcat {ldcat_cpu / elapsed:.2f}  "
          f"store {store_cpu / elapsed:.2f}  client {result.client_cpu_s / elapsed:.2f}  "
          f"others {max(other, 0) / elapsed:.2f} cores", flush=True)
    return Slice(result, elapsed, ldcat_cpu, store_cpu, max(other, 0.0), settled)


def combine(mix: str, name: str, concurrency: int, slices: Sequence[Slice]) -> Level:
    """The slices of one level of one mix on one backend as one :class:`Level`."""
    elapsed = sum(part.elapsed for part in slices)
    unsettled = sum(not part.settled for part in slices)
    result = merge([part.result for part in slices])
    return Level(name, concurrency, result, sum(part.ldcat_cpu for part in slices) / elapsed,
                 sum(part.store_cpu for part in slices) / elapsed,
                 sum(part.other_cpu for part in slices) / elapsed,
                 f"({unsettled} slices began before the backend was idle)" if unsettled else "",
                 result.client_cpu_s / elapsed, mix)


def rotated(names: Sequence[str], turn: int) -> list[str]:
    """``names`` starting at position ``turn`` (modulo), wrapping around.

    >>> rotated(["a", "b", "c"], 4)
    ['b', 'c', 'a']
    """
    shift = turn % len(names)
    return [*names[shift:], *names[:shift]]


# --- the run ---------------------------------------------------------------------------------

@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """``server`` started for the block (ready within 5 minutes), stopped after."""
    try:
        server.start(ready_timeout=300)
        yield server
    finally:
        server.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", type=Path,
                        help="store to publish (default: the 2,000-dataset real sample, "
                             "loaded once under OUT/sample)")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out" / "backends")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--ramp", type=float, default=5,
                        help="seconds each slice runs before answers are counted")
    parser.add_argument("--slices", type=int, default=2,
                        help="each level is cut in this many slices, the backends taking "
                             "turns slice by slice")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--concurrency", type=lambda v: [int(x) for x in v.split(",")],
                        default=[1, 8, 32])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--query-workers", type=int, default=2)
    parser.add_argument("--query-timeout", type=int, default=30)
    parser.add_argument("--virtuoso-memory-gib", type=float, default=1.0)
    parser.add_argument("--kind-duration", type=float, default=6,
                        help="seconds each kind runs alone on each backend, to split its CPU "
                             "between ldcat and the store (0: skip)")
    parser.add_argument("--sample", type=int, default=200, help="datasets drawn for the mix")
    parser.add_argument("--full-mix-only", action="store_true",
                        help="skip the second mix, the full one without catalogue pages")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--check", type=int, default=5,
                        help="requests per kind compared across backends and timed alone")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 s levels at 1 and 8, nothing written to "
                             "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.concurrency, args.check = 2, 1, [1, 8], 1
        args.slices, args.ramp, args.kind_duration = 1, 1, 1
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    store_dir = (args.store or sample_store_dir(args.out / "sample")).resolve()
    layout = StoreLayout(store_dir)
    generation = layout.current()
    if generation is None:
        raise SystemExit(f"{store_dir}: nothing published")
    started_at = datetime.now(UTC)
    load_average = os.getloadavg()[0]
    sample = sample_store(generation.path, seed=args.seed, size=args.sample)
    datasets = int(generation.manifest["published"]["datasets"])
    by_kind = build_mix(sample, generation.base_iri, min(50, math.ceil(datasets / 100)))
    mix = interleave(by_kind)
    mixes = {"full": mix}
    if not args.full_mix_only:
        mixes["no catalogue pages"] = interleave({kind: requests for kind, requests
                                                  in by_kind.items() if kind != "catalog"})
    quads = int(generation.manifest.get("quads") or 0)
    print(f"{store_dir} {generation.id}: {datasets:,} datasets; mix of {len(mix)} requests",
          flush=True)
    with contextlib.ExitStack() as stack, MemoryPeaks() as peaks:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ldcat-backends-")))
        (tmp / "oxigraph").mkdir()
        (tmp / "virtuoso").mkdir()
        stores = {
            "oxigraph": stack.enter_context(oxigraph_store(tmp / "oxigraph",
                                                           timeout_s=args.query_timeout)),
            "virtuoso": stack.enter_context(virtuoso_store(
                tmp / "virtuoso", virtuoso_template(TEMPLATE_CACHE),
                max_query_s=args.query_timeout, memory_gib=args.virtuoso_memory_gib,
                connections=128, http_threads=40)),
        }
        peaks.phase = "pushing"
        peaks.pids.update({f"{name} store": store.pid for name, store in stores.items()})
        pushes = []
        for name, store in stores.items():
            pushes.append(push(layout, generation, store))
            print(f"  push {name}: {pushes[-1].seconds:.1f} s, {pushes[-1].summary}", flush=True)
        peaks.phase = "serving"
        servers = {EMBEDDED: ldcat_server(EMBEDDED, ["--store", str(store_dir)], args, args.out)}
        for name, store in stores.items():
            servers[name] = ldcat_server(name, ["--backend", store.query_url], args, args.out)
        for server in servers.values():
            stack.enter_context(running(server))
            peaks.pids[f"ldcat ({server.name})"] = server.process.pid if server.process else None
        for server in servers.values():  # query workers, catalogue lists, connections
            run_asyncio(mix, "127.0.0.1", server.port, 2, args.warmup, args.warmup + 5)
        checked = pick(by_kind, args.check)
        alone, differing = check_answers(servers, checked, args.query_timeout + 5)
        print(f"  answers: {len(checked)} requests, {len(differing)} differ", flush=True)
        for difference in differing:
            print(f"    {difference}", flush=True)
        trips = {name: store_requests(store.query_url, checked, args)
                 for name, store in stores.items()}
        store_pids = {EMBEDDED: None, **{name: store.pid for name, store in stores.items()}}
        slices: dict[tuple[str, str, int], list[Slice]] = {}
        for mix_name, requests in mixes.items():
            print(f" mix: {mix_name}", flush=True)
            for index, concurrency in enumerate(args.concurrency):
                for number in range(args.slices):
                    for name in rotated(list(servers), index * args.slices + number):
                        slices.setdefault((mix_name, name, concurrency), []).append(run_slice(
                            servers[name], store_pids[name], requests, concurrency,
                            args.duration / args.slices, args.ramp))
        if args.kind_duration > 0:
            print(f" each kind alone at concurrency {KIND_CONCURRENCY}", flush=True)
            for index, kind in enumerate(KINDS):
                for name in rotated(list(servers), index):
                    slices[(f"kind {kind}", name, KIND_CONCURRENCY)] = [run_slice(
                        servers[name], store_pids[name], by_kind[kind], KIND_CONCURRENCY,
                        args.kind_duration, min(args.ramp, 2))]
        levels = [combine(mix_name, name, concurrency, parts)
                  for (mix_name, name, concurrency), parts in slices.items()]
    write_results(args, store_dir, generation, started_at, load_average, quads, pushes,
                  len(checked), differing, alone, trips, levels, peaks.peaks, servers, mixes)


def level_figures(level: Level) -> dict[str, object]:
    """A level for the JSON file (latency samples left out)."""
    def figures(result: LoadResult) -> dict[str, object]:
        return {"ok": result.ok, "duration": result.duration, "errors": result.errors,
                "p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "mean_ms": result.mean_ms,
                "client_cpu_s": result.client_cpu_s, "unfinished": result.unfinished}

    return {**{key: value for key, value in asdict(level).items() if key != "result"},
            "result": figures(level.result),
            "by_kind": {kind: figures(part) for kind, part in level.result.by_kind.items()}}


def write_results(args: argparse.Namespace, store_dir: Path, generation: Generation,
                  started_at: datetime, load_average: float, quads: int, pushes: list[Push],
                  checked: int, differing: list[dict[str, object]],
                  alone: dict[str, dict[str, list[float]]], trips: dict[str, dict[str, Trips]],
                  levels: list[Level], peaks: dict[str, dict[str, tuple[int, int]]],
                  servers: dict[str, Server], mixes: dict[str, list[Request]]) -> None:
    """The JSON figures under ``--out`` and the BENCHMARKS.md section."""
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    (args.out / f"results-{stamp}.json").write_text(json.dumps({
        "pushes": [asdict(item) for item in pushes], "differing": differing, "alone": alone,
        "trips": {name: {kind: asdict(item) for kind, item in found.items()}
                  for name, found in trips.items()},
        "levels": [level_figures(level) for level in levels], "peaks": peaks}, indent=1))
    argv = " ".join(shlex.quote(part) for part in sys.argv[1:])
    client_cores = [level.client_cores for level in levels]
    descriptions = {**SPARQL_DESCRIPTIONS, **KIND_DESCRIPTIONS}
    section = "\n".join([
        f"## Backends side by side: embedded store, oxigraph serve, Virtuoso "
        f"({started_at:%Y-%m-%d %H:%M} UTC)", "",
        f"Command: `python bench/backends.py{' ' + argv if argv else ''}`  ",
        f"Machine: {os.cpu_count()} cores shared with other work (load average "
        f"{load_average:.2f} at the start), {psutil.virtual_memory().total / (1 << 30):.0f} "
        f"GiB, Python {platform.python_version()}  ",
        f"Data: generation {generation.id} of `{store_dir}`, "
        f"{int(generation.manifest['published']['datasets']):,} datasets"
        + (f", {quads:,} quads" if quads else "") + "  ",
        f"ldcat: `{servers[EMBEDDED].description}` for all three (`--store DIR` or "
        "`--backend URL`); the answer cache is off so that every request reaches the "
        "backend  ",
        f"Stores: {oxigraph_version()} `serve --timeout-s {args.query_timeout}`; "
        f"{virtuoso_version()}, {args.virtuoso_memory_gib:g} GiB page cache, 40 HTTP "
        f"threads, ResultSetMaxRows 100000, MaxQueryExecutionTime {args.query_timeout}; "
        "both private, on 127.0.0.1, in a temporary directory  ",
        f"Mix: {len(mixes['full'])} requests, the {len(KINDS)} kinds below taken in turn, "
        f"parameters drawn with seed {args.seed}; each backend got {args.warmup:g} s of "
        f"warm-up at concurrency 2, then {args.duration:g} s counted per level, closed "
        f"loop, cut in {args.slices} slices: the backends take turns slice by slice, in a "
        "rotating order, each slice starting when the backend's processes are idle and "
        f"counting answers only after a {args.ramp:g} s ramp (requests in flight at the end "
        "are not counted)  ",
        "Client: the asyncio client of bench/loadgen.py (it times each request by kind, "
        f"which wrk cannot), {min(client_cores):.2f}-{max(client_cores):.2f} cores while "
        "measuring", "",
        "### Publication into an empty store (`push_generation`, full replacement)", "",
        push_table(pushes, quads), "",
        "### Answer agreement", "",
        f"{checked} requests ({args.check} per kind) asked of each backend: "
        + (f"{len(differing)} differ:" if differing else
           "every answer is the same graph, solution set or JSON-LD document (blank node "
           "labels aside; `keyword`: same row count, its LIMIT has no ORDER BY)."),
        *(f"- {item['kind']} `{item['target']}`: {item['answers']}" for item in differing),
        "", "### The mix under load", "",
        *(part for mix_name in mixes for part in (
            f"Mix: {mix_name} ({len(mixes[mix_name])} requests)", "",
            level_table([level for level in levels if level.mix == mix_name]), "")),
        *(["### Each kind alone: where its CPU goes", "",
           f"Each kind on its own at concurrency {KIND_CONCURRENCY} for "
           f"{args.kind_duration:g} s per backend (after a {min(args.ramp, 2):g} s ramp): "
           "throughput and CPU per answer, in the ldcat processes (for the embedded store: "
           "its query workers included) and in the store.", "",
           kind_cpu_table(levels, KINDS, list(servers)), ""] if args.kind_duration > 0 else []),
        "### Latency per kind within the mix", "",
        "(+N): N requests of that kind were still waiting for their answer when the slices "
        "ended (a closed loop leaves them out of the figures; many means the kind outlasts "
        "the slices).", "",
        *(part for mix_name in mixes for part in (
            f"Mix: {mix_name}", "",
            kind_table([level for level in levels if level.mix == mix_name],
                       [kind for kind in KINDS if kind != "catalog" or mix_name == "full"],
                       list(servers)), "")),
        "### One request at a time, and what one request asks of the store", "",
        "Over HTTP, the checked requests asked alone (median ms); then each through an "
        "in-process app on each remote store: the requests it sent to the store, their "
        "round-trip time and the bytes they brought back (medians).", "",
        alone_table(alone, trips, KINDS), "",
        "### Peak memory", "",
        memory_table(peaks), "",
        "Kinds:", "",
        *(f"- {kind}: {descriptions[kind]}" for kind in KINDS), ""])
    if args.quick:
        print(section)
    else:
        append_to_benchmarks(section)


if __name__ == "__main__":
    main()
