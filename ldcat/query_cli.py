"""``ldcat query``: one SPARQL query on the published generation, with the endpoint's rules.

The same lexer checks, row cap and time limit as ``/sparql`` (:mod:`endpoint.query_plan`),
run in one killable query worker.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from endpoint.protocol import ProtocolError, QueryOperation
from endpoint.query_formats import RDF_FORMATS, RESULT_FORMATS, by_name
from endpoint.query_plan import check_safety, plan_job, read_query, refuse_failed
from endpoint.query_workers import QueryTimeout, QueryWorkerPool, StreamedAnswer, WorkerLost
from endpoint.remote_queries import RemoteQueryRunner
from endpoint.settings import EndpointSettings
from loader.remote.client import RemoteError, RemoteStore
from loader.remote.repo import RemoteRepo
from loader.repo import EmbeddedRepo

FORMAT_NAMES = sorted({answer_format.name for answer_format in (*RESULT_FORMATS, *RDF_FORMATS)})


def add_parser(commands: Any) -> None:
    """Register ``ldcat query`` on the CLI's subcommands."""
    defaults = EndpointSettings()
    parser = commands.add_parser(
        "query", help="run a SPARQL query on the published data (the endpoint's rules)")
    parser.add_argument("sparql", help="the query text, or @FILE to read it from a file")
    parser.add_argument("--store", type=Path, help="store directory (or --backend)")
    parser.add_argument("--backend", metavar="URL",
                        help="query this remote SPARQL store (its query URL) instead")
    parser.add_argument("--format", choices=FORMAT_NAMES,
                        help="answer format (default: json for SELECT/ASK, ttl for graphs)")
    parser.add_argument("--timeout", type=float, default=defaults.query_timeout,
                        metavar="SECONDS", help="stop the query after this long")
    parser.add_argument("--max-rows", type=int, default=defaults.max_rows,
                        help="rows or triples at most (a notice says when cut)")


def _write_stream(answer: StreamedAnswer) -> None:
    """Copy a streamed answer to stdout as it arrives."""
    try:
        sys.stdout.buffer.write(answer.first)
        while (chunk := answer.next_chunk()) is not None:
            sys.stdout.buffer.write(chunk)
    finally:
        answer.close()
    sys.stdout.buffer.flush()


def run(args: argparse.Namespace) -> int:
    """Print the answer on stdout; exit 2 with a one-line message on any refusal."""
    text = args.sparql
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"ldcat query: cannot read {text[1:]}: {error}", file=sys.stderr)
            return 2
    settings = EndpointSettings(query_timeout=args.timeout, max_rows=args.max_rows,
                                query_workers=1)
    if (args.store is None) == (args.backend is None):
        print("ldcat query: give either --store DIR or --backend URL", file=sys.stderr)
        return 2
    pool: QueryWorkerPool | RemoteQueryRunner | None = None
    try:
        if args.backend:
            remote = RemoteRepo(RemoteStore(args.backend, timeout=args.timeout + 5))
            generation = remote.generation()
            pool = RemoteQueryRunner(remote.store, 1)
        else:
            generation = EmbeddedRepo(args.store).generation()
        if generation is None:
            print(f"ldcat query: {args.store or args.backend}: nothing has been published yet",
                  file=sys.stderr)
            return 2
        info = read_query(text)
        check_safety(info, settings)
        name = args.format or ("json" if info.form in ("SELECT", "ASK") else "ttl")
        answer_format = by_name(info.form, name)
        if answer_format is None:
            print(f"ldcat query: --format {name} does not fit a {info.form} query",
                  file=sys.stderr)
            return 2
        job = plan_job(info, QueryOperation(text), answer_format, generation,
                       settings.max_rows)
        if pool is None:
            pool = QueryWorkerPool(1)
        answer = pool.run(job, timeout=settings.query_timeout, wait=settings.query_timeout)
        if isinstance(answer, StreamedAnswer):
            _write_stream(answer)
            return 0
        refuse_failed(answer)
    except ProtocolError as refusal:
        print(f"ldcat query: {refusal.message}", file=sys.stderr)
        return 2
    except (QueryTimeout, WorkerLost, RemoteError) as error:
        print(f"ldcat query: {error}", file=sys.stderr)
        return 2
    finally:
        if pool is not None:
            pool.close()
        if isinstance(pool, RemoteQueryRunner):
            pool.store.close()
    sys.stdout.buffer.write(answer.body)
    if not answer.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    if answer.truncated:
        print(f"ldcat query: answer cut at {settings.max_rows} rows (--max-rows)",
              file=sys.stderr)
    return 0
