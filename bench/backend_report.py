"""What the backend benchmark (bench/backends.py) measured, and its BENCHMARKS.md section.

Backends are named ``embedded`` (``ldcat serve --store``), ``oxigraph`` and ``virtuoso``
(``ldcat serve --backend`` in front of that store); every ratio is remote / embedded.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from loadgen import LoadResult

EMBEDDED = "embedded"
MIB = 1 << 20


@dataclass
class Push:
    """One full publication into an empty remote store (``push_generation``)."""

    store: str
    seconds: float
    summary: str
    requests: int
    graphs: int
    client_cpu_s: float
    store_cpu_s: float


@dataclass
class Level:
    """The mix at one concurrency on one backend."""

    backend: str
    concurrency: int
    result: LoadResult
    ldcat_cores: float
    store_cores: float
    other_cores: float
    note: str = ""
    client_cores: float = 0.0
    mix: str = "full"


@dataclass
class Trips:
    """One request kind through an in-process app on a remote store: per request, the
    requests it sent to the store, their time (ms, round trip) and the bytes they brought."""

    kind: str
    total_ms: list[float] = field(default_factory=list)
    trips: list[int] = field(default_factory=list)
    store_ms: list[float] = field(default_factory=list)
    store_bytes: list[int] = field(default_factory=list)


def number(value: float | None) -> str:
    """A figure with 3 significant digits or so (``n/a`` for none).

    >>> number(1234.5), number(12.345), number(1.2345), number(None)
    ('1,234', '12.3', '1.23', 'n/a')
    """
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def ratio(mine: float | None, reference: float | None) -> str:
    """``mine / reference`` as ``0.42x`` (``-`` when either is missing or zero).

    >>> ratio(21.0, 50.0), ratio(1.0, 0.0)
    ('0.42x', '-')
    """
    if not mine or not reference:
        return "-"
    return f"{mine / reference:.2f}x"


def median(values: Sequence[float]) -> float | None:
    """The median, ``None`` for no values."""
    return statistics.median(values) if values else None


def _errors(result: LoadResult) -> str:
    if not result.errors:
        return "0"
    return f"{result.error_count} (" + ", ".join(f"{name}: {count}" for name, count
                                                 in sorted(result.errors.items())) + ")"


def push_table(pushes: Sequence[Push], quads: int) -> str:
    """Each publication: time, requests, throughput, CPU on each side."""
    lines = ["| store | seconds | update requests | record graphs | quads/s | ldcat CPU s "
             "(serializing, sending) | store CPU s |", "|---|---:|---:|---:|---:|---:|---:|"]
    for push in pushes:
        lines.append(f"| {push.store} | {number(push.seconds)} | {push.requests} | "
                     f"{push.graphs:,} | {number(quads / push.seconds)} | "
                     f"{number(push.client_cpu_s)} | {number(push.store_cpu_s)} |")
    return "\n".join(lines)


def level_table(levels: Sequence[Level]) -> str:
    """The mix per concurrency and backend, with ratios to the embedded store and CPU use."""
    lines = ["| conc. | backend | req/s | req/s vs embedded | p50 / p99 ms | errors | "
             "ldcat cores | store cores | CPU ms per request (ldcat + store) | other work, "
             "cores |", "|---:|---|---:|---:|---|---|---:|---:|---:|---:|"]
    reference = {level.concurrency: level.result.throughput for level in levels
                 if level.backend == EMBEDDED}
    for level in sorted(levels, key=lambda item: item.concurrency):
        result = level.result
        per_request = ""
        if result.ok:
            elapsed = result.duration / result.ok * 1000
            per_request = (f"{number(level.ldcat_cores * elapsed)} + "
                           f"{number(level.store_cores * elapsed)}")
        ratio_text = ("1" if level.backend == EMBEDDED
                      else ratio(result.throughput, reference.get(level.concurrency)))
        lines.append(f"| {level.concurrency} | {level.backend} | {number(result.throughput)} | "
                     f"{ratio_text} | {number(result.p50_ms)} / {number(result.p99_ms)} | "
                     f"{_errors(result)} | {level.ldcat_cores:.2f} | {level.store_cores:.2f} | "
                     f"{per_request} | {level.other_cores:.2f} |"
                     + (f" {level.note}" if level.note else ""))
    return "\n".join(lines)


def kind_table(levels: Sequence[Level], kinds: Sequence[str], backends: Sequence[str]) -> str:
    """p50 / p99 of every kind in the mix, per concurrency and backend, and the p50 ratios;
    ``(+N)``: N requests of the kind were still unanswered when the slices ended."""
    remote = [name for name in backends if name != EMBEDDED]
    lines = ["| kind | conc. | " + " | ".join(f"{name} p50 / p99 ms" for name in backends)
             + " | " + " | ".join(f"p50 {name} / embedded" for name in remote) + " |",
             "|---|---:|" + "---|" * (len(backends) + len(remote))]
    by_key = {(level.backend, level.concurrency): level.result for level in levels}
    concurrencies = sorted({level.concurrency for level in levels})
    for kind in kinds:
        for concurrency in concurrencies:
            cells, p50 = [], {}
            for name in backends:
                result = by_key.get((name, concurrency))
                part = result.by_kind.get(kind) if result is not None else None
                if part is None:
                    cells.append("-")
                    continue
                p50[name] = part.p50_ms
                cell = f"{number(part.p50_ms)} / {number(part.p99_ms)}"
                if part.error_count:
                    cell += f" ({part.error_count} errors)"
                if part.unfinished:
                    cell += f" (+{part.unfinished})"
                cells.append(cell)
            ratios = [ratio(p50.get(name), p50.get(EMBEDDED)) for name in remote]
            lines.append(f"| {kind} | {concurrency} | " + " | ".join(cells) + " | "
                         + " | ".join(ratios) + " |")
    return "\n".join(lines)


def kind_cpu_table(levels: Sequence[Level], kinds: Sequence[str],
                   backends: Sequence[str]) -> str:
    """Each kind run alone (levels of mix ``kind {name}``): req/s and CPU ms per answer in
    ldcat and in the store, per backend."""
    header = ["kind", *(f"{name}: req/s, CPU ms ldcat + store" for name in backends)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(backends)]
    by_key = {(level.mix, level.backend): level for level in levels}
    for kind in kinds:
        cells = [kind]
        for name in backends:
            level = by_key.get((f"kind {kind}", name))
            if level is None or not level.result.ok:
                cells.append("-")
                continue
            per = level.result.duration / level.result.ok * 1000
            cells.append(f"{number(level.result.throughput)}, {number(level.ldcat_cores * per)}"
                         f" + {number(level.store_cores * per)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def alone_table(alone: dict[str, dict[str, list[float]]], trips: dict[str, dict[str, Trips]],
                kinds: Sequence[str]) -> str:
    """One request at a time over HTTP (median ms) per backend, and for each remote store what
    one request of the kind asks of it (in-process app: median round trips, store ms, KiB)."""
    backends = list(alone)
    remote = [name for name in backends if name != EMBEDDED]
    header = ["kind", *(f"{name} ms" for name in backends)]
    for name in remote:
        header += [f"{name}: store requests", f"{name}: store ms", f"{name}: KiB from store"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for kind in kinds:
        row = [kind, *(number(median(alone[name].get(kind, []))) for name in backends)]
        for name in remote:
            found = trips.get(name, {}).get(kind)
            if found is None or not found.trips:
                row += ["-", "-", "-"]
                continue
            row += [number(median([float(value) for value in found.trips])),
                    number(median(found.store_ms)),
                    number((median([float(value) for value in found.store_bytes]) or 0) / 1024)]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def memory_table(peaks: dict[str, dict[str, tuple[int, int]]]) -> str:
    """Peak memory per process tree and phase: RSS summed over the tree, and PSS (shared
    pages split between the processes that share them)."""
    phases = list(peaks)
    names = list(dict.fromkeys(name for phase in phases for name in peaks[phase]))
    lines = ["| process tree | " + " | ".join(f"{phase}: RSS / PSS MiB" for phase in phases)
             + " |", "|---|" + "---:|" * len(phases)]
    for name in names:
        cells = []
        for phase in phases:
            rss, pss = peaks[phase].get(name, (0, 0))
            cells.append(f"{rss / MIB:,.0f} / {pss / MIB:,.0f}" if rss else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
