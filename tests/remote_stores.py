"""Private remote SPARQL stores for tests: ``oxigraph serve`` and Debian's Virtuoso.

Each store runs in a temporary directory, with every port bound to a free port on 127.0.0.1,
in its own session (process group); leaving the ``with`` block stops the whole group, also
when the block raises. Process handling, ports and the virtuoso.ini text come from the
benchmark's ``bench/sparql_servers.py``.

Virtuoso starts from a copy of a template database prepared once (``virtuoso_template``,
cached per Virtuoso version and recipe) in which:

- the anonymous SPARQL user may write (``GRANT SPARQL_UPDATE TO "SPARQL"``): ``/sparql``
  takes updates and ``/sparql-graph-crud`` takes PUT, POST and DELETE;
- the user :data:`VIRTUOSO_USER` (digest authentication on ``/sparql-auth`` and
  ``/sparql-graph-crud-auth``) reads and writes every graph;
- graphs listed in ``private_graphs`` join Virtuoso's ``virtrdf:PrivateGraphs`` group, which
  the anonymous user (``nobody``) may not read or update through ``/sparql`` (anonymous
  ``/sparql-graph-crud`` still overwrites them: tests/test_remote_stores.py).

Limits written to virtuoso.ini (``virtuoso_store`` arguments): ``ResultSetMaxRows`` 100,000
(ldcat's own ``--max-rows`` default, so the store never cuts a result before ldcat would),
``MaxQueryExecutionTime`` 30 s (ldcat's ``--query-timeout`` default: a runaway test query
cannot hold a core longer; past it, a 500; a request's ``timeout`` parameter, in ms, asks for
partial "anytime" results instead and cannot go beyond it) and
``MaxQueryCostEstimationTime`` 0 (no refusal on the optimiser's cost estimate, which is
unreliable); about 80 MB of page cache.

    with oxigraph_store(tmp_path) as store:
        urllib.request.urlopen(store.query_url + "?query=ASK%7B%7D")
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:  # the benchmark's modules import each other by name
    sys.path.insert(0, str(BENCH))

from sparql_servers import (  # noqa: E402
    Server,
    Unavailable,
    VirtuosoServer,
    free_port,
    isql,
    venv_tool,
    virtuoso_ini,
    virtuoso_version,
)

__all__ = [
    "PRIVATE_GRAPHS",
    "TEMPLATE_CACHE",
    "VIRTUOSO_USER",
    "RemoteStore",
    "Unavailable",
    "oxigraph_command",
    "oxigraph_store",
    "virtuoso_command",
    "virtuoso_store",
    "virtuoso_template",
]

VIRTUOSO_USER = ("ldcat", "ldcat-test")
"""Digest credentials of the Virtuoso user that reads and writes every graph."""

PRIVATE_GRAPHS = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"

TEMPLATE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ldcat-tests"
"""Where the tests (and the backend benchmark) keep their Virtuoso template databases."""

# The template's recipe, run as dba on a fresh database. Bits of RDF_DEFAULT_USER_PERMS_SET:
# 1 read, 2 write, 4 sponge, 8 list; the last argument 1 means "private graphs".
TEMPLATE_RECIPE = f"""\
GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.USER_CREATE('{VIRTUOSO_USER[0]}', '{VIRTUOSO_USER[1]}');
GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER[0]}";
DB.DBA.RDF_GRAPH_GROUP_CREATE('{PRIVATE_GRAPHS}', 1);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{VIRTUOSO_USER[0]}', 15, 0);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{VIRTUOSO_USER[0]}', 15, 1);
checkpoint;
"""

DATABASE_FILES = ("virtuoso.db", "virtuoso.trx")


@dataclass(frozen=True)
class RemoteStore:
    """A running store's endpoints (``store_url``: Graph Store Protocol, ``?graph=IRI``).

    ``auth`` (Virtuoso only) are digest credentials for ``auth_url`` (queries and updates)
    and ``auth_store_url`` (Graph Store Protocol)."""

    kind: str
    query_url: str
    update_url: str
    store_url: str | None
    log: Path
    auth: tuple[str, str] | None = None
    auth_url: str | None = None
    auth_store_url: str | None = None
    pid: int | None = None
    """The store's process (its process group leader), for CPU and memory figures."""


def oxigraph_command() -> str:
    """The ``oxigraph`` executable; ``Unavailable`` if it is not installed."""
    executable = venv_tool("oxigraph")
    if executable is None:
        raise Unavailable("the oxigraph command is not installed "
                          "(PyPI package oxigraph, in the test extra)")
    return executable


@contextlib.contextmanager
def oxigraph_store(tmp: Path, *, union_default_graph: bool = False,
                   timeout_s: float | None = None) -> Iterator[RemoteStore]:
    """``oxigraph serve`` on an empty store in ``tmp``, read-write; ``--union-default-graph``
    and ``--timeout-s`` when asked."""
    port = free_port()
    command = [oxigraph_command(), "serve", "--location", str(tmp / "oxigraph"),
               "--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    if timeout_s is not None:
        command += ["--timeout-s", f"{timeout_s:g}"]
    server = Server("oxigraph", command, port, tmp / "oxigraph.log", "oxigraph serve",
                    path="/query")
    base = f"http://127.0.0.1:{port}"
    with _running(server, ready_timeout=30):
        yield RemoteStore("oxigraph", f"{base}/query", f"{base}/update", f"{base}/store",
                          server.log, pid=_pid(server))


def virtuoso_command() -> str:
    """The ``virtuoso-t`` executable; ``Unavailable`` if Virtuoso or its isql is missing."""
    executable = shutil.which("virtuoso-t")
    if executable is None:
        raise Unavailable("virtuoso-t is not installed (Debian package virtuoso-opensource; "
                          ".ci/run installs it)")
    if shutil.which("isql-vt") is None and shutil.which("isql") is None:
        raise Unavailable("isql-vt is not installed (Debian package virtuoso-opensource)")
    return executable


def virtuoso_template(cache: Path) -> Path:
    """The template database directory under ``cache``, made on first use: one per Virtuoso
    version and recipe, built under a lock (parallel test workers share it) and published
    by an atomic rename."""
    virtuoso_command()
    version = re.sub(r"[^A-Za-z0-9.]+", "-", virtuoso_version()).strip("-")
    recipe = hashlib.sha256(TEMPLATE_RECIPE.encode()).hexdigest()[:12]
    template = cache / f"{version}-{recipe}"
    if template.is_dir():
        return template
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{template.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.is_dir():
            building = cache / f"{template.name}.building"
            shutil.rmtree(building, ignore_errors=True)
            _build_template(building)
            building.rename(template)
    return template


def _build_template(folder: Path) -> None:
    """Create a database in ``folder``, run the recipe (it ends with a checkpoint), stop the
    server and keep the database files."""
    db = folder / "db"
    db.mkdir(parents=True)
    server = _virtuoso_server(folder, db, max_rows=1000, max_query_s=0)
    with _running(server, ready_timeout=120):
        isql(server.isql_port, TEMPLATE_RECIPE, timeout=120)
    for name in os.listdir(db):
        if name not in DATABASE_FILES:
            (db / name).unlink()


@contextlib.contextmanager
def virtuoso_store(tmp: Path, template: Path, *, max_rows: int = 100_000,
                   max_query_s: int = 30, private_graphs: Sequence[str] = (),
                   memory_gib: float = 0.12, connections: int = 16, http_threads: int = 8
                   ) -> Iterator[RemoteStore]:
    """Virtuoso on a copy of ``template`` in ``tmp``; ``private_graphs`` join the private
    graph group (unreadable to anonymous SPARQL). The sizes (memory for its page cache,
    client connections, HTTP threads) are a test's; a benchmark passes larger ones."""
    db = tmp / "virtuoso"
    db.mkdir(parents=True)
    for name in DATABASE_FILES:
        shutil.copyfile(template / "db" / name, db / name)
    server = _virtuoso_server(tmp, db, max_rows=max_rows, max_query_s=max_query_s,
                              memory_gib=memory_gib, connections=connections,
                              http_threads=http_threads)
    base = f"http://127.0.0.1:{server.port}"
    with _running(server, ready_timeout=60):
        if private_graphs:
            isql(server.isql_port, "".join(
                f"DB.DBA.RDF_GRAPH_GROUP_INS('{PRIVATE_GRAPHS}', '{_sql_text(graph)}');\n"
                for graph in private_graphs), timeout=60)
        yield RemoteStore("virtuoso", f"{base}/sparql", f"{base}/sparql",
                          f"{base}/sparql-graph-crud", server.log, VIRTUOSO_USER,
                          f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                          pid=_pid(server))


def _virtuoso_server(folder: Path, db: Path, *, max_rows: int, max_query_s: int,
                     memory_gib: float = 0.12, connections: int = 16, http_threads: int = 8
                     ) -> VirtuosoServer:
    isql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(db.resolve(), isql_port, http_port, memory_gib=memory_gib,
                                connections=connections, http_threads=http_threads,
                                max_rows=max_rows, max_query_s=max_query_s))
    return VirtuosoServer("virtuoso", [virtuoso_command(), "+foreground", "+configfile",
                                       str(ini.resolve())], http_port, folder / "virtuoso.out",
                          "virtuoso-t", cwd=db, isql_port=isql_port)


def _pid(server: Server) -> int | None:
    return server.process.pid if server.process is not None else None


def _sql_text(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"not a plain IRI: {value!r}")
    return value


@contextlib.contextmanager
def _running(server: Server, ready_timeout: float) -> Iterator[Server]:
    """Start ``server`` (``Unavailable`` with its log's tail if it does not answer) and stop
    its process group when the block ends."""
    try:
        server.start(ready_timeout=ready_timeout, poll_s=0.05)
    except Unavailable:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()

