"""The SPARQL servers the benchmark compares: how to start, probe, measure and stop each.

- ldcat: ``ldcat serve`` (``--workers`` and ``--query-timeout`` passed only when the installed
  CLI accepts them);
- Oxigraph: ``oxigraph serve-read-only --union-default-graph`` (PyPI package ``oxigraph``) on
  the same generation directory;
- Virtuoso: Debian's ``virtuoso-t`` on its own database under ``bench/out/virtuoso``, loaded
  once from an N-Quads dump of the generation (``bench/install.sh`` installs it).

Each server runs in its own session (process group) so that stopping it stops its workers.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psutil
from pyoxigraph import RdfFormat, Store


class Unavailable(RuntimeError):
    """A server cannot be run here; the message says why (reported as skipped)."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` of a log file."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Server:
    """A server process serving SPARQL at ``http://127.0.0.1:{port}{path}``."""

    name: str
    command: list[str]
    port: int
    log: Path
    description: str
    path: str = "/sparql"
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The SPARQL endpoint URL."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self, ready_timeout: float = 120, poll_s: float = 0.3) -> None:
        """Start the process and wait until it answers ``ASK {}`` (asking every ``poll_s``);
        ``Unavailable`` if not."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.cwd,
                                            start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Unavailable(f"{self.name} exited with {self.process.returncode}: "
                                  f"{tail(self.log, 5)}")
            with contextlib.suppress(OSError, urllib.error.HTTPError):
                request = urllib.request.Request(f"{self.url}?query={quote('ASK {}')}",
                                                 headers={"Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            time.sleep(poll_s)
        self.stop()
        raise Unavailable(f"{self.name} did not answer within {ready_timeout:.0f} s")

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again (to drop queries still running after a load level)."""
        self.stop()
        self.start()

    def _processes(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's process tree so far."""
        total = 0.0
        for process in self._processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def rss(self) -> int:
        """Resident memory of the server's process tree (bytes)."""
        total = 0
        for process in self._processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += process.memory_info().rss
        return total

    def settle(self, idle_cores: float = 0.15, timeout: float = 30) -> bool:
        """Wait until the server uses under ``idle_cores`` of CPU over half a second; whether
        it did within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.5)
            if (self.cpu_seconds() - before) / 0.5 < idle_cores:
                return True
        return False


def venv_tool(name: str) -> str | None:
    """The command ``name`` beside this Python (its venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


@functools.cache
def _help(command: tuple[str, ...]) -> str:
    try:
        completed = subprocess.run([*command, "--help"], capture_output=True, text=True,
                                   timeout=60, check=False)
    except OSError:
        return ""
    return completed.stdout + completed.stderr


def ldcat_server(store: Path, out: Path, workers: int, query_timeout: float | None = None,
                 extra: Sequence[str] = (), name: str = "ldcat") -> Server:
    """``ldcat serve`` on ``store``; ``--workers``/``--query-timeout`` only if accepted;
    ``extra`` flags as given."""
    command = [sys.executable, "-m", "ldcat", "serve"]
    help_text = _help((*command,))
    if "--store" not in help_text:
        raise Unavailable(f"ldcat serve --help failed: {help_text[-300:]}")
    port = free_port()
    command += ["--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
    notes = []
    if "--workers" in help_text:
        command += ["--workers", str(workers)]
        notes.append(f"--workers {workers}")
    else:
        notes.append("one process (this ldcat serve has no --workers)")
    if "--per-client" in help_text:
        # the load generator is one client at 8 or 32 connections: lift the per-client limit
        # (a safety policy against floods, not a property of the engine) above the levels
        command += ["--per-client", "1000"]
        notes.append("--per-client 1000 (one load-generating client)")
    if query_timeout is not None:
        if "--query-timeout" in help_text:
            command += ["--query-timeout", f"{query_timeout:g}"]
            notes.append(f"--query-timeout {query_timeout:g}")
        else:
            notes.append("no time limit (this ldcat serve has no --query-timeout)")
    command += list(extra)
    notes += list(extra)
    return Server("ldcat", command, port, out / "logs" / f"{name}.log",
                  "ldcat serve, " + ", ".join(notes))


def oxigraph_version() -> str:
    """``oxigraph --version``, or why it is missing."""
    executable = venv_tool("oxigraph")
    if executable is None:
        return "not installed"
    completed = subprocess.run([executable, "--version"], capture_output=True, text=True,
                               check=False)
    return completed.stdout.strip()


def oxigraph_server(generation: Path, out: Path, timeout_s: float | None = None) -> Server:
    """``oxigraph serve-read-only`` on the generation directory, union default graph."""
    executable = venv_tool("oxigraph")
    if executable is None:
        raise Unavailable("the oxigraph command is not installed (pip install oxigraph; "
                          "the bench extra has it)")
    help_text = _help((executable, "serve-read-only"))
    port = free_port()
    command = [executable, "serve-read-only", "--location", str(generation),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    description = f"{oxigraph_version()} serve-read-only --union-default-graph"
    if timeout_s is not None:
        if "--timeout-s" not in help_text:
            raise Unavailable("this oxigraph serve-read-only has no --timeout-s")
        command += ["--timeout-s", f"{timeout_s:g}"]
        description += f" --timeout-s {timeout_s:g}"
    return Server("oxigraph", command, port, out / "logs" / "oxigraph.log", description,
                  path="/query")


# --- Virtuoso --------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = {connections}
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = {dirs_allowed}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 2G
; ORDER BY with LIMIT/OFFSET above this fails (SR353); ldcat asks LIMIT max_rows + 1
MaxSortedTopRows = 10000000
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
; 8 KiB pages: {buffers} buffers = {buffer_gib:.1f} GiB of page cache (Virtuoso's guidance:
; about 2/3 of the memory set aside for it)
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
MaxClientConnections = {connections}
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = {http_threads}
MaxKeepAlives = {connections}
KeepAliveTimeout = 60
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = {max_cost_s}
MaxQueryExecutionTime = {max_query_s}
MaxSortedTopRows = 100000
DeferInferenceRulesInit = 0
"""


def virtuoso_ini(db: Path, isql_port: int, http_port: int, *, memory_gib: float,
                 dirs_allowed: str = ".", connections: int = 64, http_threads: int = 40,
                 max_rows: int = 1_000_000, max_query_s: int = 0, max_cost_s: int = 0) -> str:
    """A virtuoso.ini text: database files in ``db``, both ports on 127.0.0.1, about 2/3 of
    ``memory_gib`` as page cache, and the [SPARQL] limits ``ResultSetMaxRows`` (``max_rows``),
    ``MaxQueryExecutionTime`` (``max_query_s``, 0: none) and ``MaxQueryCostEstimationTime``
    (``max_cost_s``, 0: no refusal on the optimiser's estimate)."""
    buffers = int(memory_gib * (1 << 30) * 2 / 3 / 8192)
    return VIRTUOSO_INI.format(db=db, isql_port=isql_port, http_port=http_port,
                               dirs_allowed=dirs_allowed, connections=connections,
                               http_threads=http_threads, buffers=buffers,
                               dirty=buffers * 3 // 4, buffer_gib=buffers * 8192 / (1 << 30),
                               max_rows=max_rows, max_query_s=max_query_s,
                               max_cost_s=max_cost_s)


@dataclass
class VirtuosoSetup:
    """Where the benchmark keeps its Virtuoso database and the dump it was loaded from."""

    folder: Path
    dump: Path
    memory_gib: float = 4.0

    def __post_init__(self) -> None:
        # Virtuoso runs in its database directory: every path it is given is absolute.
        self.folder, self.dump = self.folder.resolve(), self.dump.resolve()

    @property
    def db(self) -> Path:
        """The database directory."""
        return self.folder / "db"

    @property
    def marker(self) -> Path:
        """Written once the database holds a generation: which one, and the load time."""
        return self.folder / "loaded.json"

    def loaded(self) -> dict[str, object] | None:
        """The marker's content, if the database is loaded."""
        if not self.marker.exists():
            return None
        data: dict[str, object] = json.loads(self.marker.read_text())
        return data

    def write_ini(self, isql_port: int, http_port: int) -> Path:
        """A virtuoso.ini for this machine and these ports."""
        ini = self.folder / "virtuoso.ini"
        ini.write_text(virtuoso_ini(self.db, isql_port, http_port, memory_gib=self.memory_gib,
                                    dirs_allowed=f"., {self.dump}"))
        return ini


def virtuoso_version() -> str:
    """The first lines of ``virtuoso-t -?``."""
    try:
        completed = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True,
                                   check=False)
    except OSError:
        return "not installed"
    lines = (completed.stdout + completed.stderr).splitlines()
    version = next((line for line in lines if line.startswith("Version")), "")
    return f"Virtuoso {version.removeprefix('Version ').split(' as of')[0]}".strip()


def isql(isql_port: int, statements: str, timeout: float = 3600) -> str:
    """Run ``statements`` as dba through ``isql-vt``; its output (``Unavailable`` on error)."""
    executable = shutil.which("isql-vt") or shutil.which("isql")
    if executable is None:
        raise Unavailable("isql-vt is not installed (bench/install.sh)")
    completed = subprocess.run([executable, f"127.0.0.1:{isql_port}", "dba", "dba",
                                f"exec={statements}"], capture_output=True, text=True,
                               timeout=timeout, check=False)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0 or "*** Error" in output:
        raise Unavailable(f"isql failed: {output[-500:]}")
    return output


def dump_nquads(generation: Path, dump: Path, parts: int = 4) -> int:
    """The generation's quads as N-Quads in ``parts`` files under ``dump`` (so that two
    Virtuoso loaders can share them); the number of quads."""
    dump.mkdir(parents=True, exist_ok=True)
    whole = dump / "catalogue.nq.tmp"
    Store.read_only(str(generation)).dump(str(whole), format=RdfFormat.N_QUADS)
    count = split_nquads(whole, dump, parts)
    whole.unlink()
    return count


def split_nquads(whole: Path, dump: Path, parts: int) -> int:
    """Cut ``whole`` into ``parts`` files ``dump/part-N.nq`` of about equal size at line ends
    (Oxigraph writes one quad a line, grouped by graph, so parallel loaders seldom touch the
    same graph); writes and returns the number of quads."""
    share = whole.stat().st_size / parts
    count = written = index = 0
    output = (dump / "part-0.nq").open("wb", buffering=1 << 22)
    try:
        with whole.open("rb") as source:
            for line in source:
                if written > share * (index + 1) and index < parts - 1:
                    output.close()
                    index += 1
                    output = (dump / f"part-{index}.nq").open("wb", buffering=1 << 22)
                output.write(line)
                written += len(line)
                count += 1
    finally:
        output.close()
    (dump / "quads").write_text(str(count))
    return count


def _quad_count(isql_port: int) -> int:
    output = isql(isql_port, "SELECT COUNT(*) FROM DB.DBA.RDF_QUAD;")
    lines = output.splitlines()
    rule = next(index for index, line in enumerate(lines) if line.startswith("____"))
    return int(next(line for line in lines[rule + 1:] if line.strip().isdigit()))


def _run_loaders(isql_port: int, attempts: int = 3) -> list[str]:
    """Run ``rdf_loader_run`` over the listed files: two loaders (one per core) first, then
    one loader again over files that failed (parallel loaders can deadlock; reloading a file
    is harmless, quads are a set). The files still failing, with their errors."""
    executable = shutil.which("isql-vt") or "isql"
    failed: list[str] = []
    for attempt in range(attempts):
        loaders = [subprocess.Popen([executable, f"127.0.0.1:{isql_port}", "dba", "dba",
                                     "exec=rdf_loader_run();"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
                   for _ in range(2 if attempt == 0 else 1)]
        for loader in loaders:
            loader.wait()
        output = isql(isql_port, "SELECT ll_file, ll_error FROM DB.DBA.load_list "
                                  "WHERE ll_error IS NOT NULL;")
        failed = [line.strip() for line in output.splitlines() if ".nq" in line]
        if not failed:
            break
        isql(isql_port, "UPDATE DB.DBA.load_list SET ll_state = 0, ll_error = NULL "
                         "WHERE ll_error IS NOT NULL;")
    return failed


def prepare_virtuoso(setup: VirtuosoSetup, generation: Path, generation_id: str,
                     log: Path) -> dict[str, object]:
    """Load the generation into the Virtuoso database unless it already holds it; returns the
    marker (generation, quads, dump and load seconds, loader errors)."""
    marker = setup.loaded()
    if marker is not None and marker.get("generation") == str(generation.resolve()):
        return marker
    if shutil.which("virtuoso-t") is None:
        raise Unavailable("virtuoso-t is not installed (run bench/install.sh)")
    started = time.perf_counter()
    count_file, source_file = setup.dump / "quads", setup.dump / "source"
    if not (count_file.exists() and source_file.exists()
            and source_file.read_text() == str(generation.resolve())):
        shutil.rmtree(setup.dump, ignore_errors=True)
        dump_nquads(generation, setup.dump)
        source_file.write_text(str(generation.resolve()))
    quads = int(count_file.read_text())
    dumped = time.perf_counter() - started
    shutil.rmtree(setup.db, ignore_errors=True)
    setup.db.mkdir(parents=True)
    server = virtuoso_server(setup, log)
    server.start(ready_timeout=300)
    try:
        baseline = _quad_count(server.isql_port)
        started = time.perf_counter()
        isql(server.isql_port, f"ld_dir('{setup.dump}', '*.nq', 'urn:x-ldcat:default');")
        problems = _run_loaders(server.isql_port)
        isql(server.isql_port, "checkpoint;")
        loaded = time.perf_counter() - started
        in_virtuoso = _quad_count(server.isql_port) - baseline
    finally:
        server.stop()
    marker = {"generation": str(generation.resolve()), "generation_id": generation_id,
              "quads": quads, "quads_in_virtuoso": in_virtuoso, "dump_s": round(dumped, 1),
              "load_s": round(loaded, 1), "loader_errors": problems}
    setup.marker.write_text(json.dumps(marker, indent=1))
    return marker


@dataclass
class VirtuosoServer(Server):
    """A Virtuoso server: also has an ISQL port (used to load data)."""

    isql_port: int = 0


def virtuoso_server(setup: VirtuosoSetup, log: Path) -> VirtuosoServer:
    """``virtuoso-t`` in the foreground on the benchmark's database."""
    if shutil.which("virtuoso-t") is None:
        raise Unavailable("virtuoso-t is not installed (run bench/install.sh)")
    isql_port, http_port = free_port(), free_port()
    ini = setup.write_ini(isql_port, http_port)
    return VirtuosoServer("virtuoso", ["virtuoso-t", "+foreground", "+configfile", str(ini)],
                          http_port, log, f"{virtuoso_version()}, {setup.memory_gib:g} GiB "
                          "for buffers, 40 HTTP threads", cwd=setup.db, isql_port=isql_port)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Start ``server`` for the block, stop it afterwards."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
