"""SPARQL endpoint benchmark: ldcat against Oxigraph's server and Virtuoso on one generation.

In one run, each server in turn serves the same published generation (the union of the
record graphs as default graph everywhere):

1. ldcat (``ldcat serve``; ``--workers N`` when the installed CLI has it);
2. ``oxigraph serve-read-only --union-default-graph`` (PyPI package ``oxigraph``, bench extra);
3. Virtuoso (Debian ``virtuoso-opensource``) on its own database under ``bench/out/virtuoso``,
   loaded once from an N-Quads dump of the generation (kept for later runs).

Before timing, a few texts of every query kind are asked of each server and the answers
compared (row counts, aggregate values, booleans, triple counts); disagreements are reported.
Then each query kind (see :mod:`sparql_queries`) and the mix run at each concurrency for a fixed
duration with a closed-loop load generator (wrk if installed, else an asyncio client; see
:mod:`loadgen`). Last, the timeout case: a cartesian product with ORDER BY against ldcat
(``--query-timeout``) and Oxigraph (``--timeout-s``): status, time to answer, whether the body
is complete, whether another client is answered meanwhile, and the server's CPU use after.

    bench/install.sh                  # once, as root: virtuoso-opensource and wrk (apt-get)
    python bench/sparql.py [--store bench/out/store] [--duration 10] [--concurrency 1,8,32]
        [--servers ldcat,oxigraph,virtuoso] [--kinds ask,lookup,...,mix] [--quick]

Servers that cannot be started are reported as skipped with the reason. The store is only
opened read-only. Results are appended to BENCHMARKS.md (not with ``--quick``, a smoke run)
and saved as JSON under ``bench/out/sparql``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psutil
from loadgen import LoadResult, Request, percentile, run_asyncio, run_wrk, wrk_path
from measure import PROJECT, append_to_benchmarks
from sparql_queries import (
    CARTESIAN,
    KIND_DESCRIPTIONS,
    KINDS,
    MIX_KINDS,
    SELECT_ACCEPT,
    Query,
    answer_digest,
    build_queries,
    sample_store,
)
from sparql_servers import (
    Server,
    Unavailable,
    VirtuosoSetup,
    ldcat_server,
    oxigraph_server,
    prepare_virtuoso,
    virtuoso_server,
)

SERVERS = ("ldcat", "oxigraph", "virtuoso")
ALL_KINDS = (*KINDS, "mix")
GIB = 1 << 30
SETTLE_S = 10
FEW = 5


@dataclass
class Answer:
    """One request's outcome, body included."""

    status: int | None
    seconds: float
    body: bytes = b""
    content_type: str = ""
    error: str | None = None


def fetch(url: str, query: str, accept: str, timeout: float) -> Answer:
    """GET ``url?query=...``; never raises for HTTP or network failures."""
    request = urllib.request.Request(f"{url}?query={quote(query, safe='')}",
                                     headers={"Accept": accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            try:
                body = response.read()
                error = None
            except http.client.IncompleteRead as incomplete:
                body, error = incomplete.partial, "connection closed mid-body"
            return Answer(response.status, time.perf_counter() - started, body,
                          response.headers.get("Content-Type", ""), error)
    except urllib.error.HTTPError as failure:
        return Answer(failure.code, time.perf_counter() - started, failure.read(),
                      failure.headers.get("Content-Type", ""))
    except (OSError, http.client.HTTPException) as failure:
        return Answer(None, time.perf_counter() - started, error=f"{type(failure).__name__}: "
                      f"{failure}")


# --- answer agreement ------------------------------------------------------------------------

#: kind -> index of the text -> (answer digest, seconds to answer alone)
Checked = dict[str, dict[int, tuple[str, float]]]


def digests(server: Server, queries: dict[str, list[Query]], kinds: list[str], per_kind: int,
            timeout: float) -> Checked:
    """The first ``per_kind`` texts of each kind asked once of ``server``: digest (or the
    failure) and time of each."""
    found: Checked = {}
    for kind in kinds:
        found[kind] = {}
        for index, query in enumerate(queries[kind][:per_kind]):
            answer = fetch(server.url, query.text, query.accept, timeout)
            if answer.status != 200 or answer.error:
                snippet = answer.body[:120].decode("utf-8", "replace").replace("\n", " ")
                digest = f"HTTP {answer.status} {answer.error or snippet}"
            else:
                try:
                    digest = answer_digest(kind, answer.body)
                except (ValueError, KeyError, UnicodeDecodeError) as failure:
                    digest = f"unreadable answer: {failure}"
            found[kind][index] = (digest, answer.seconds)
    return found


def disagreements(by_server: dict[str, Checked]) -> list[dict[str, object]]:
    """Texts on which the servers' digests differ."""
    differing: list[dict[str, object]] = []
    servers = list(by_server)
    if not servers:
        return differing
    for kind, answers in by_server[servers[0]].items():
        for index in answers:
            values = {name: by_server[name].get(kind, {}).get(index, ("?", 0.0))[0]
                      for name in servers}
            if len(set(values.values())) > 1:
                differing.append({"kind": kind, "index": index, "answers": values})
    return differing


def single_request_table(by_server: dict[str, Checked]) -> str:
    """Median time of the checked texts of each kind, asked one at a time."""
    servers = list(by_server)
    lines = ["| kind | " + " | ".join(f"{name} median (max) ms" for name in servers) + " |",
             "|---|" + "---|" * len(servers)]
    for kind in by_server[servers[0]]:
        cells = []
        for name in servers:
            times = [seconds * 1000 for _, seconds in by_server[name].get(kind, {}).values()]
            median = percentile(times, 50)
            cells.append("-" if median is None else f"{_ms(median)} ({_ms(max(times))})")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- load ------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One load level of one kind on one server."""

    server: str
    kind: str
    concurrency: int
    result: LoadResult
    server_cores: float
    other_cores: float
    note: str = ""


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def load_level(server: Server, queries: list[Query], concurrency: int, duration: float,
               client: str) -> tuple[LoadResult, float, float]:
    """Run one level; the result, the server's CPU use (cores) during it, and what the rest
    of the machine used (cores: other work sharing it, not the server or the client)."""
    requests = [Request(server.path, query.text, query.accept) for query in queries]
    timeout = duration + 5
    before, busy_before = server.cpu_seconds(), _busy_seconds()
    started = time.perf_counter()
    if client == "wrk":
        result = run_wrk(requests, "127.0.0.1", server.port, concurrency, round(duration),
                         timeout)
    else:
        result = run_asyncio(requests, "127.0.0.1", server.port, concurrency, duration,
                             timeout)
    elapsed = time.perf_counter() - started
    server_cores = (server.cpu_seconds() - before) / elapsed
    other = (_busy_seconds() - busy_before - result.client_cpu_s) / elapsed - server_cores
    return result, server_cores, max(other, 0.0)


def measure_server(server: Server, queries: dict[str, list[Query]], kinds: list[str],
                   levels: list[int], duration: float, warmup: float, client: str,
                   progress: bool = True) -> list[Cell]:
    """Every kind at every concurrency on a running server (restarted when a level leaves
    queries running)."""
    cells = []
    for kind in kinds:
        if warmup > 0:
            load_level(server, queries[kind], 2, warmup, client)
        for concurrency in levels:
            note = ""
            if not server.settle(timeout=SETTLE_S):
                server.restart()
                note = f"restarted: still busy {SETTLE_S} s after the previous run"
            result, cores, other = load_level(server, queries[kind], concurrency, duration,
                                              client)
            cells.append(Cell(server.name, kind, concurrency, result, cores, other, note))
            if progress:
                print(f"  {server.name:9} {kind:10} c={concurrency:<3} "
                      f"{result.throughput:9.1f} req/s  p50 {_ms(result.p50_ms):>8}  "
                      f"p99 {_ms(result.p99_ms):>8}  errors {result.error_count}  "
                      f"server {cores:.2f} cores  client {result.client_cpu_s:.1f} s CPU  "
                      f"others {other:.2f} cores",
                      flush=True)
    return cells


# --- the timeout case ------------------------------------------------------------------------

@dataclass
class TimeoutOutcome:
    """What a server did with the runaway query."""

    server: str
    setup: str
    status: int | None = None
    seconds: float | None = None
    body: str = ""
    other_client: str = ""
    cpu_after: list[float] = field(default_factory=list)
    note: str = ""


def _describe_body(answer: Answer) -> str:
    if answer.status is None:
        if answer.error and "timed out" in answer.error:
            return f"no answer: the client gave up after {answer.seconds:.0f} s"
        return answer.error or "no answer"
    size = f"{len(answer.body):,} bytes"
    if answer.status == 200:
        try:
            rows = len(json.loads(answer.body)["results"]["bindings"])
        except (ValueError, KeyError, TypeError):
            ending = answer.body[-40:].decode("utf-8", "replace").replace("|", "/")
            return (f"invalid (truncated?) SPARQL JSON, {size}, ending `{ending.strip()}`"
                    + (f", {answer.error}" if answer.error else ""))
        return f"complete SPARQL JSON, {rows} row(s)"
    text = answer.body[:100].decode("utf-8", "replace").replace("\n", " ").replace("|", "/")
    return f"{answer.content_type.split(';')[0] or 'no type'}: {text}"


def timeout_case(server: Server, limit: float, watch: float, memory_cap: int) -> TimeoutOutcome:
    """Send the cartesian ORDER BY query, ask a trivial query meanwhile, watch the memory
    (stop the server past ``memory_cap``) and the CPU for ``watch`` s after the answer."""
    outcome = TimeoutOutcome(server.name, server.description)
    server.start()
    try:
        answers: dict[str, Answer] = {}

        def ask(name: str, query: str, timeout: float, delay: float = 0) -> None:
            time.sleep(delay)
            answers[name] = fetch(server.url, query, SELECT_ACCEPT, timeout)

        runaway = threading.Thread(target=ask, args=("runaway", CARTESIAN, limit + 25))
        other = threading.Thread(target=ask, args=("other", "ASK {}", limit + 5, limit / 2))
        runaway.start()
        other.start()
        peak = 0
        while runaway.is_alive():
            peak = max(peak, server.rss())
            if peak > memory_cap:
                outcome.note = (f"stopped by the benchmark's memory guard at "
                                f"{peak / GIB:.1f} GiB")
                server.stop()
                break
            runaway.join(0.2)
        runaway.join()
        other.join()
        answer = answers["runaway"]
        outcome.status, outcome.seconds = answer.status, round(answer.seconds, 2)
        outcome.body = _describe_body(answer)
        if server.process is None:  # stopped by the guard
            outcome.seconds = None
            outcome.body = (f"no answer in {answer.seconds:.0f} s, until the server was "
                            "stopped")
        second = answers["other"]
        outcome.other_client = (f"HTTP {second.status} in {second.seconds:.2f} s"
                                if second.status else "-" if server.process is None
                                else f"no answer ({second.error})")
        for _ in range(round(watch) if server.process is not None else 0):
            before = server.cpu_seconds()
            time.sleep(1)
            outcome.cpu_after.append(round(server.cpu_seconds() - before, 2))
        if not outcome.note:
            outcome.note = f"peak memory {max(peak, server.rss()) / GIB:.1f} GiB"
    finally:
        server.stop()
    return outcome


# --- report ----------------------------------------------------------------------------------

def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _ratio(cells: dict[tuple[str, str, int], Cell], kind: str, concurrency: int,
           other: str) -> float | None:
    mine, theirs = cells.get(("ldcat", kind, concurrency)), cells.get((other, kind,
                                                                       concurrency))
    if mine is None or theirs is None or not theirs.result.throughput:
        return None
    return mine.result.throughput / theirs.result.throughput


def results_table(all_cells: list[Cell], servers: list[str], kinds: list[str],
                  levels: list[int]) -> str:
    """One row per kind and concurrency, a column group per server, then the ratios."""
    cells = {(cell.server, cell.kind, cell.concurrency): cell for cell in all_cells}
    header = ["kind", "conc."]
    for name in servers:
        header += [f"{name} req/s", f"{name} p50 / p99 ms"]
    header.append("errors (" + " / ".join(servers) + ")")
    others = [name for name in ("oxigraph", "virtuoso") if name in servers]
    if "ldcat" in servers:
        header += [f"ldcat / {name}" for name in others]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for kind in kinds:
        for concurrency in levels:
            row = [kind, str(concurrency)]
            errors = []
            for name in servers:
                cell = cells.get((name, kind, concurrency))
                if cell is None:
                    row += ["-", "-"]
                    errors.append("-")
                    continue
                flag = (" †" if cell.note else "") + (" ‡" if cell.result.ok < FEW else "")
                row += [_rate(cell.result.throughput) + flag,
                        f"{_ms(cell.result.p50_ms)} / {_ms(cell.result.p99_ms)}"]
                errors.append(str(cell.result.error_count))
            row.append(" / ".join(errors))
            if "ldcat" in servers:
                for name in others:
                    ratio = _ratio(cells, kind, concurrency, name)
                    row.append("-" if ratio is None else f"{ratio:.2f}x")
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def targets(all_cells: list[Cell], levels: list[int]) -> list[str]:
    """Issue 5's targets, level by level."""
    cells = {(cell.server, cell.kind, cell.concurrency): cell for cell in all_cells}

    def verdict(kind: str, other: str, floor: float) -> str | None:
        ratios = {c: _ratio(cells, kind, c, other) for c in levels}
        if all(ratio is None for ratio in ratios.values()):
            return None
        def rough(concurrency: int) -> str:
            pair = (cells.get(("ldcat", kind, concurrency)), cells.get((other, kind,
                                                                         concurrency)))
            return " ‡" if any(cell and cell.result.ok < FEW for cell in pair) else ""

        def alone(concurrency: int) -> bool:
            """ldcat answered and the other server answered nothing within the level."""
            pair = (cells.get(("ldcat", kind, concurrency)), cells.get((other, kind,
                                                                         concurrency)))
            return bool(pair[0] and pair[1] and pair[0].result.throughput > 0
                        and not pair[1].result.throughput)

        def ratio_text(concurrency: int, ratio: float | None) -> str:
            if alone(concurrency):
                return f"{other} none"
            return "-" if ratio is None else f"{ratio:.2f}x"

        shown = ", ".join(f"c={c}: {ratio_text(c, r)}{rough(c)}" for c, r in ratios.items())
        met = all((r is not None and r >= floor) or alone(c) for c, r in ratios.items())
        return f"{'met' if met else 'NOT met'} ({shown})"

    lines = []
    for label, kind, other, floor in (("mix >= 0.8x Oxigraph", "mix", "oxigraph", 0.8),
                                      ("trivial ASK >= 0.5x Oxigraph", "ask", "oxigraph", 0.5),
                                      ("repeated aggregate ahead of Oxigraph", "aggregate",
                                       "oxigraph", 1.0),
                                      ("repeated aggregate ahead of Virtuoso", "aggregate",
                                       "virtuoso", 1.0)):
        found = verdict(kind, other, floor)
        if found:
            lines.append(f"- {label}: {found}")
    return lines


def timeout_table(outcomes: list[TimeoutOutcome]) -> str:
    """The timeout case, one row per server."""
    lines = ["| server | set-up | status | answered after | body | trivial ASK meanwhile | "
             "server CPU each second after (s/s) | note |", "|---|---|---|---|---|---|---|---|"]
    for item in outcomes:
        seconds = "-" if item.seconds is None else f"{item.seconds:.1f} s"
        cpu = ", ".join(f"{value:.2f}" for value in item.cpu_after) or "-"
        lines.append(f"| {item.server} | {item.setup} | {item.status or 'none'} | {seconds} | "
                     f"{item.body} | {item.other_client} | {cpu} | {item.note} |")
    return "\n".join(lines)


def render(context: dict[str, object], all_cells: list[Cell], servers: list[str],
           kinds: list[str], levels: list[int], by_server: dict[str, Checked],
           outcomes: list[TimeoutOutcome], examples: dict[str, str]) -> str:
    """The BENCHMARKS.md section."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"## SPARQL endpoint ({stamp})", "",
             f"Command: `{context['command']}`  ",
             f"Machine: {context['machine']}  ",
             f"Data: {context['data']}  ",
             f"Load generator: {context['client']}  ",
             f"Method: {context['method']}", "", "Servers:"]
    for line in context["servers"]:  # type: ignore[attr-defined]
        name = line.split(":", 1)[0]
        others = [cell.other_cores for cell in all_cells if cell.server == name]
        busy = (f" (other processes used {sum(others) / len(others):.2f} cores on average "
                "during its levels)" if others else "")
        parts.append(f"- {line}{busy}")
    parts += ["", results_table(all_cells, servers, kinds, levels), ""]
    if any(cell.note for cell in all_cells):
        parts += [f"† the server was restarted before this level: the previous one (or the "
                  f"warm-up) left queries running for over {SETTLE_S} s.", ""]
    if any(cell.result.ok < FEW for cell in all_cells):
        parts += [f"‡ fewer than {FEW} answers within the level (queries of several seconds): "
                  "the rate and percentiles are rough; requests still running at the end are "
                  "not counted.", ""]
    verdicts = targets(all_cells, levels) or ["- not computable: ldcat or the other server "
                                              "was not measured"]
    parts += ["Targets (issue 5; throughput ratios ldcat / other):", *verdicts, ""]
    disagreeing = disagreements(by_server)
    checked = sum(len(answers) for answers in next(iter(by_server.values()), {}).values())
    if checked:
        parts += ["One request at a time (the texts checked below, before the load levels):",
                  "", single_request_table(by_server), ""]
        if disagreeing:
            parts += [f"Answer agreement: {len(disagreeing)} of {checked} query texts differ "
                      "between servers (row counts, aggregate values, booleans or triples):", ""]
            parts += [f"- {item['kind']} #{item['index']}: " + "; ".join(
                f"{name}: {value}" for name, value in item["answers"].items())  # type: ignore
                for item in disagreeing]
        else:
            parts.append(f"Answer agreement: the {checked} query texts checked give the same "
                         "row counts, aggregate values, booleans and triple counts on "
                         + ("every server." if len(by_server) > 1 else "the one server run."))
        parts.append("")
    if outcomes:
        parts += [f"Timeout case: `{CARTESIAN}`, limit {context['limit']} s:", "",
                  timeout_table(outcomes), ""]
    if context["skipped"]:
        parts += ["Skipped: " + "; ".join(context["skipped"]), ""]  # type: ignore[arg-type]
    parts += ["Query kinds (first text of each; IRIs, keywords, words and offsets vary):", ""]
    parts += [f"- {kind}: {KIND_DESCRIPTIONS[kind]}" for kind in kinds]
    parts += ["", "```sparql"]
    for kind, text in examples.items():
        parts += [f"# {kind}", text.replace("PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
                                            "PREFIX dct: <http://purl.org/dc/terms/>\n", "")]
    parts += ["```", ""]
    return "\n".join(parts)


# --- main ------------------------------------------------------------------------------------

def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", type=Path, default=PROJECT / "bench" / "out" / "store")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out",
                        help="where the Virtuoso database, dump, logs and JSON go")
    parser.add_argument("--duration", type=float, help="seconds per load level (10)")
    parser.add_argument("--warmup", type=float, help="seconds per kind, discarded (2)")
    parser.add_argument("--concurrency", type=lambda v: [int(x) for x in _csv(v)],
                        help="connections per level (1,8,32)")
    parser.add_argument("--servers", type=_csv, default=list(SERVERS))
    parser.add_argument("--kinds", type=_csv, default=list(ALL_KINDS))
    parser.add_argument("--client", choices=("wrk", "asyncio"),
                        default="wrk" if wrk_path() else "asyncio")
    parser.add_argument("--ldcat-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--ldcat-flags", default="",
                        help="more ldcat serve flags for the load levels, e.g. "
                             "'--query-workers 8'")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--check", type=int, help="texts per kind compared (5)")
    parser.add_argument("--query-timeout", type=float, default=5,
                        help="time limit of the timeout case (s)")
    parser.add_argument("--timeout-case", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--memory-guard-gib", type=float, default=4,
                        help="stop a server of the timeout case past this RSS")
    parser.add_argument("--virtuoso-memory-gib", type=float, default=4)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run (defaults 2 s levels, concurrency 1,8, 2 texts "
                             "checked), not written to BENCHMARKS.md")
    args = parser.parse_args(argv)
    defaults = ((2, 0.5, [1, 8], 2) if args.quick else (10, 2, [1, 8, 32], 5))
    for name, default in zip(("duration", "warmup", "concurrency", "check"), defaults,
                             strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    unknown = set(args.servers) - set(SERVERS) | set(args.kinds) - set(ALL_KINDS)
    if unknown:
        parser.error(f"unknown server or kind: {', '.join(sorted(unknown))}")
    return args


def _start(name: str, args: argparse.Namespace, generation: Path, generation_id: str,
           out: Path) -> tuple[Server, str]:
    """A started server and what its set-up was; ``Unavailable`` if it cannot run."""
    if name == "ldcat":
        server = ldcat_server(args.store, out, args.ldcat_workers,
                              extra=args.ldcat_flags.split())
        extra = ""
    elif name == "oxigraph":
        server = oxigraph_server(generation, out)
        extra = ""
    else:
        setup = VirtuosoSetup(args.out / "virtuoso", args.out / "virtuoso-dump",
                              args.virtuoso_memory_gib)
        marker = prepare_virtuoso(setup, generation, generation_id, out / "logs" /
                                  "virtuoso-load.log")
        server = virtuoso_server(setup, out / "logs" / "virtuoso.log")
        errors = marker.get("loader_errors") or []
        extra = (f"; database loaded from the N-Quads dump ({marker['quads']:,} quads) in "
                 f"{marker['load_s']} s by 2 rdf_loader_run"
                 + (f"; loader errors: {errors}" if errors else ""))
    server.start(ready_timeout=300)
    return server, server.description + extra


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    args = parse_args(argv)
    current = args.store / "current"
    if not current.exists():
        raise SystemExit(f"{current}: no published generation (run bench/load.py first)")
    generation = current.resolve()
    manifest_file = generation.parent / f"{generation.name}.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    out = args.out / "sparql"
    out.mkdir(parents=True, exist_ok=True)
    load_average = os.getloadavg()[0]

    print(f"sampling parameters from {generation} ...", flush=True)
    sample = sample_store(generation, seed=args.seed)
    queries = build_queries(sample)
    kinds = [kind for kind in ALL_KINDS if kind in args.kinds]
    levels = args.concurrency
    checked_kinds = [kind for kind in KINDS if kind in kinds
                     or ("mix" in kinds and kind in MIX_KINDS)]

    servers: list[str] = []
    skipped: list[str] = []
    descriptions: list[str] = []
    all_cells: list[Cell] = []
    by_server: dict[str, Checked] = {}
    for name in args.servers:
        print(f"{name}: starting", flush=True)
        try:
            server, description = _start(name, args, generation, generation.name, out)
        except Unavailable as reason:
            skipped.append(f"{name} ({reason})")
            print(f"{name}: skipped: {reason}", flush=True)
            continue
        try:
            servers.append(name)
            descriptions.append(f"{name}: {description}")
            by_server[name] = digests(server, queries, checked_kinds, args.check,
                                      timeout=120)
            all_cells += measure_server(server, queries, kinds, levels, args.duration,
                                        args.warmup, args.client)
        finally:
            server.stop()

    outcomes = []
    if args.timeout_case:
        for name in ("ldcat", "oxigraph"):
            if name not in servers:
                continue
            try:
                server = (ldcat_server(args.store, out, args.ldcat_workers, args.query_timeout)
                          if name == "ldcat" else
                          oxigraph_server(generation, out, args.query_timeout))
            except Unavailable as reason:
                skipped.append(f"{name} timeout case ({reason})")
                continue
            print(f"{name}: timeout case", flush=True)
            outcomes.append(timeout_case(server, args.query_timeout, 5,
                                         int(args.memory_guard_gib * GIB)))

    client = (f"{_wrk_version()} (C, epoll; a Lua script rotates pre-built GET requests per "
              "connection), chosen because it costs a few % of a core where a Python client "
              "would take most of one" if args.client == "wrk" else
              "asyncio client with raw HTTP/1.1 keep-alive sockets (wrk not installed: this "
              "client takes a large share of a core at high rates, so high throughputs are "
              "underestimated)")
    others = [cell.other_cores for cell in all_cells]
    client_cpu = sum(cell.result.client_cpu_s for cell in all_cells)
    measured = sum(cell.result.duration for cell in all_cells)
    if measured:
        client += f"; it used {client_cpu / measured:.2f} core on average while measuring"
    context: dict[str, object] = {
        "command": "python bench/sparql.py " + " ".join(sys.argv[1:] if argv is None
                                                         else argv),
        "machine": (f"{os.cpu_count()} cores shared by the server, the load generator (same "
                    f"machine) and other work (load average {load_average:.2f} at the start"
                    + (f"; other processes used {sum(others) / len(others):.2f} cores on "
                       f"average during the levels, {max(others):.2f} at most" if others
                       else "") + "), "
                    f"{psutil.virtual_memory().total / GIB:.0f} GiB, Python "
                    f"{platform.python_version()}"),
        "data": (f"generation {generation.name} of {args.store}"
                 + (f", {manifest['quads']:,} quads" if "quads" in manifest else "")
                 + f"; parameters sampled with seed {args.seed}"),
        "client": client,
        "method": (f"each server in turn; per kind a {args.warmup:g} s warm-up at "
                   f"concurrency 2, then {args.duration:g} s at each concurrency "
                   f"({', '.join(map(str, levels))}), closed loop (each connection sends "
                   "its next request when the previous answer is complete); req/s counts "
                   "2xx/3xx answers; errors are non-2xx/3xx answers, socket errors and "
                   "timeouts; in-flight requests at the end are not counted"),
        "servers": descriptions, "skipped": skipped, "limit": f"{args.query_timeout:g}",
    }
    examples = {kind: queries[kind][0].text for kind in kinds if kind != "mix" and
                queries.get(kind)}
    section = render(context, all_cells, servers, kinds, levels, by_server, outcomes, examples)
    raw = {"context": context, "cells": [asdict(cell) for cell in all_cells],
           "digests": by_server, "disagreements": disagreements(by_server),
           "timeout_case": [asdict(item) for item in outcomes]}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"results-{stamp}.json").write_text(json.dumps(raw, indent=1, default=str))
    if args.quick:
        print(section)
    else:
        append_to_benchmarks(section)
    return 0


def _wrk_version() -> str:
    executable = shutil.which("wrk")
    if executable is None:
        return "wrk"
    completed = subprocess.run([executable, "-v"], capture_output=True, text=True, check=False)
    first = (completed.stdout + completed.stderr).split("\n", 1)[0]
    return "wrk " + first.split()[1].split("/")[-1] if len(first.split()) > 1 else "wrk"


if __name__ == "__main__":
    sys.exit(main())
