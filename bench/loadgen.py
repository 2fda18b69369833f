"""Closed-loop HTTP load generation for the SPARQL benchmark: wrk, or a small asyncio client.

Both keep ``concurrency`` HTTP/1.1 keep-alive connections busy for a fixed duration, each
connection sending its next request as soon as the previous answer is complete, and rotate
through a list of pre-built requests (so not every request has the same text).

- :func:`run_wrk` drives Debian's ``wrk`` (C, epoll) with a generated Lua script; the script's
  ``done`` hook prints one JSON line that :func:`parse_wrk_output` reads. wrk costs a few
  percent of a core at thousands of requests a second, so on a 2-core machine it is not the
  bottleneck.
- :func:`run_asyncio` is the fallback when wrk is absent (and what the tests use): raw sockets,
  no HTTP library, one coroutine per connection. It costs far more CPU per request than wrk,
  but it times each request, so a mix gets latencies per request kind.

Latency is measured per request from send to the end of the body; requests still in flight
at the end of the duration are not counted (as wrk does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

WRK_MARKER = "WRK_JSON "


@dataclass(frozen=True, slots=True)
class Request:
    """One GET request on a SPARQL endpoint; ``kind`` groups latencies (asyncio client)."""

    path: str
    query: str
    accept: str
    kind: str = ""

    def target(self) -> str:
        """The request target: path and URL-encoded ``query`` parameter."""
        return f"{self.path}?query={quote(self.query, safe='')}"

    def raw(self, host: str) -> bytes:
        """The request as bytes on the wire (HTTP/1.1, keep-alive)."""
        return (f"GET {self.target()} HTTP/1.1\r\nHost: {host}\r\nAccept: {self.accept}\r\n"
                "User-Agent: ldcat-bench\r\n\r\n").encode("ascii")


@dataclass(frozen=True, slots=True)
class PathRequest(Request):
    """A GET of a path with its own query string, if any (a record or catalogue page): no
    ``query`` parameter is added."""

    def target(self) -> str:
        return self.path


@dataclass(slots=True)
class LoadResult:
    """What one load level measured."""

    client: str
    concurrency: int
    duration: float
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float | None = None
    p99_ms: float | None = None
    mean_ms: float | None = None
    client_cpu_s: float = 0.0
    by_kind: dict[str, LoadResult] = field(default_factory=dict)
    """The same figures per request kind (asyncio client, requests with a ``kind``)."""
    samples_ms: list[float] = field(default_factory=list, repr=False)
    """Every latency (asyncio client), so that runs can be merged (:func:`merge`)."""
    unfinished: int = 0
    """Requests still waiting for their answer at the end (asyncio client): not counted in
    the figures above, which a closed loop otherwise hides when answers take longer than
    the run."""

    @property
    def throughput(self) -> float:
        """Successful answers a second."""
        return self.ok / self.duration if self.duration else 0.0

    @property
    def error_count(self) -> int:
        """Non-2xx/3xx answers, socket errors and timeouts."""
        return sum(self.errors.values())


def merge(parts: Sequence[LoadResult]) -> LoadResult:
    """Several runs of the asyncio client (slices of one level) as one: counts, durations
    and CPU added, percentiles over all their latencies, kinds merged alike."""
    if not parts:
        raise ValueError("nothing to merge")
    merged = LoadResult(parts[0].client, parts[0].concurrency,
                        sum(part.duration for part in parts), ok=sum(part.ok for part in parts),
                        client_cpu_s=sum(part.client_cpu_s for part in parts),
                        unfinished=sum(part.unfinished for part in parts))
    for part in parts:
        for name, count in part.errors.items():
            merged.errors[name] = merged.errors.get(name, 0) + count
        merged.samples_ms.extend(part.samples_ms)
    if merged.samples_ms:
        merged.p50_ms = percentile(merged.samples_ms, 50)
        merged.p99_ms = percentile(merged.samples_ms, 99)
        merged.mean_ms = sum(merged.samples_ms) / len(merged.samples_ms)
    kinds = sorted({kind for part in parts for kind in part.by_kind})
    merged.by_kind = {kind: merge([part.by_kind.get(kind) or LoadResult(
        part.client, part.concurrency, part.duration) for part in parts]) for kind in kinds}
    return merged


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 < q <= 100) by nearest rank; ``None`` for no values.

    >>> percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50)
    3.0
    >>> percentile([5.0, 1.0, 3.0, 2.0, 4.0], 99)
    5.0
    """
    if not values:
        return None
    if not 0 < q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


# --- wrk -------------------------------------------------------------------------------------

def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


def wrk_script(requests: Sequence[Request], host: str) -> str:
    """A wrk Lua script: each thread rotates through ``requests`` from its own offset, and
    ``done`` prints the summary as one JSON line (microseconds)."""
    items = ",\n".join(_lua_string(request.raw(host).decode("ascii")) for request in requests)
    return f"""local requests = {{
{items}
}}
local counter = 0
local started = 0
function setup(thread)
  thread:set("offset", started * 7919)
  started = started + 1
end
function init(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{WRK_MARKER}{{"duration_us": %d, "requests": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, '
    .. '"mean_us": %f}}\\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def parse_wrk_output(output: str, concurrency: int) -> LoadResult:
    """Read the JSON line :func:`wrk_script` prints; ``ValueError`` if it is missing.

    wrk counts an answer with status >= 400 in ``requests`` and in ``errors.status``; timed-out
    requests only in ``errors.timeout``.
    """
    for line in output.splitlines():
        if line.startswith(WRK_MARKER):
            data = json.loads(line[len(WRK_MARKER):])
            break
    else:
        raise ValueError(f"no wrk summary in output: {output[-500:]!r}")
    errors = {name: int(data[name]) for name in ("connect", "read", "write", "status", "timeout")
              if data[name]}
    answered = int(data["requests"])
    result = LoadResult("wrk", concurrency, data["duration_us"] / 1e6,
                        ok=answered - int(data["status"]), errors=errors)
    if answered:
        result.p50_ms = data["p50_us"] / 1000
        result.p99_ms = data["p99_us"] / 1000
        result.mean_ms = data["mean_us"] / 1000
    return result


def wrk_path() -> str | None:
    """The ``wrk`` executable, if installed (``bench/install.sh``)."""
    return shutil.which("wrk")


def run_wrk(requests: Sequence[Request], host: str, port: int, concurrency: int,
            duration: int, request_timeout: float) -> LoadResult:
    """Run wrk for ``duration`` whole seconds at ``concurrency`` connections."""
    executable = wrk_path()
    if executable is None:
        raise FileNotFoundError("wrk is not installed (bench/install.sh)")
    with tempfile.TemporaryDirectory(prefix="ldcat-wrk-") as folder:
        script = Path(folder) / "requests.lua"
        script.write_text(wrk_script(requests, f"{host}:{port}"))
        command = [executable, f"-t{min(concurrency, 2)}", f"-c{concurrency}",
                   f"-d{max(1, duration)}s", f"--timeout={math.ceil(request_timeout)}s",
                   "-s", str(script), f"http://{host}:{port}/"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    result = parse_wrk_output(completed.stdout, concurrency)
    result.client_cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


# --- asyncio client --------------------------------------------------------------------------

async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response: status, body (de-chunked), whether the connection stays
    open. ``ValueError`` on a malformed response, ``IncompleteReadError`` on a short one."""
    status_line = await reader.readline()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ValueError(f"bad status line: {status_line[:80]!r}")
    status = int(parts[1])
    keep_alive = parts[0] == b"HTTP/1.1"
    length: int | None = None
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            keep_alive = value == b"keep-alive" or (keep_alive and value != b"close")
    if chunked:
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append((await reader.readexactly(size + 2))[:-2])
        return status, b"".join(chunks), keep_alive
    if length is not None:
        return status, await reader.readexactly(length), keep_alive
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", keep_alive
    return status, await reader.read(), False


@dataclass(slots=True)
class _Tally:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, _Tally] = field(default_factory=dict)
    pending: int = 0

    def _with(self, kind: str) -> tuple[_Tally, ...]:
        return (self, self.kinds.setdefault(kind, _Tally())) if kind else (self,)

    def waiting(self, kind: str, change: int) -> None:
        for tally in self._with(kind):
            tally.pending += change

    def error(self, name: str, kind: str = "") -> None:
        for tally in self._with(kind):
            tally.errors[name] = tally.errors.get(name, 0) + 1

    def answer(self, seconds: float, status: int, kind: str = "") -> None:
        for tally in self._with(kind):
            tally.latencies.append(seconds)
            if status >= 400:
                name = f"HTTP {status}"
                tally.errors[name] = tally.errors.get(name, 0) + 1
            else:
                tally.ok += 1

    def result(self, concurrency: int, elapsed: float) -> LoadResult:
        """What was counted so far (per kind too), as a :class:`LoadResult`."""
        result = LoadResult("asyncio", concurrency, elapsed, ok=self.ok,
                            errors=dict(self.errors),
                            samples_ms=[seconds * 1000 for seconds in self.latencies],
                            unfinished=self.pending)
        if self.latencies:
            result.p50_ms = (percentile(self.latencies, 50) or 0.0) * 1000
            result.p99_ms = (percentile(self.latencies, 99) or 0.0) * 1000
            result.mean_ms = sum(self.latencies) / len(self.latencies) * 1000
        result.by_kind = {kind: tally.result(concurrency, elapsed)
                          for kind, tally in sorted(self.kinds.items())}
        return result


async def _connection(host: str, port: int, raw: Sequence[tuple[bytes, str]], start: int,
                      request_timeout: float, count_from: float, deadline: float,
                      tally: _Tally) -> None:
    index = start
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    try:
        while time.perf_counter() < deadline:
            if writer is None or reader is None:
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                except OSError:
                    tally.error("connect")
                    await asyncio.sleep(0.05)
                    continue
            request, kind = raw[index % len(raw)]
            index += 1
            started = time.perf_counter()
            tally.waiting(kind, 1)
            try:
                writer.write(request)
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the answer completes.
                async with asyncio.timeout(request_timeout):
                    status, _, keep_alive = await read_response(reader)
            except TimeoutError:
                tally.error("timeout", kind)
                keep_alive = False
            except (OSError, ValueError, asyncio.IncompleteReadError):
                tally.error("read", kind)
                keep_alive = False
            else:
                finished = time.perf_counter()
                if finished >= count_from:
                    tally.answer(finished - started, status, kind)
                elif status >= 400:  # an error in the ramp is still an error
                    tally.error(f"HTTP {status}", kind)
            tally.waiting(kind, -1)
            if not keep_alive:
                writer.close()
                writer = reader = None
    finally:
        if writer is not None:
            writer.close()


async def _run_asyncio(requests: Sequence[Request], host: str, port: int, concurrency: int,
                       duration: float, request_timeout: float, ramp: float) -> LoadResult:
    raw = [(request.raw(f"{host}:{port}"), request.kind) for request in requests]
    tally = _Tally()
    started = time.perf_counter()
    count_from = started + ramp
    tasks = [asyncio.create_task(_connection(host, port, raw, number * 7919, request_timeout,
                                             count_from, count_from + duration, tally))
             for number in range(concurrency)]
    await asyncio.sleep(ramp + duration)
    # What completed within the window counts; in-flight requests are dropped.
    result = tally.result(concurrency, time.perf_counter() - count_from)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return result


def run_asyncio(requests: Sequence[Request], host: str, port: int, concurrency: int,
                duration: float, request_timeout: float, ramp: float = 0.0) -> LoadResult:
    """Run the asyncio client in this process for ``ramp`` + ``duration`` seconds; only
    answers completed after the ramp count (the connections are all busy by then: no
    start-up transient in the figures), but errors count from the start. Answers with a
    status of 400 or more are errors ``HTTP {status}``; requests with a ``kind`` are also
    tallied per kind (``LoadResult.by_kind``)."""
    before = time.process_time()
    result = asyncio.run(_run_asyncio(requests, host, port, concurrency, duration,
                                      request_timeout, ramp))
    result.client_cpu_s = time.process_time() - before
    return result
