"""The SPARQL benchmark's pieces (bench/sparql.py) on the demo store, against ldcat only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from loader.report import LoadReport
from tests.conftest import PROJECT, load_bench_module


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/sparql.py, with bench/ importable (it imports its sibling modules)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PROJECT / "bench"))
        yield load_bench_module("sparql")


def test_percentile_is_nearest_rank(bench: ModuleType) -> None:
    from loadgen import percentile

    values = [float(value) for value in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="out of range"):
        percentile([1.0], 0)


def test_wrk_summary_is_parsed(bench: ModuleType) -> None:
    from loadgen import WRK_MARKER, parse_wrk_output

    line = json.dumps({"duration_us": 2_000_000, "requests": 410, "bytes": 9000, "connect": 0,
                       "read": 2, "write": 0, "status": 10, "timeout": 3, "p50_us": 1500,
                       "p99_us": 42000, "mean_us": 2100.5})
    result = parse_wrk_output(f"Running 2s test\n{WRK_MARKER}{line}\n", concurrency=8)
    assert result.ok == 400
    assert result.throughput == 200.0
    assert result.errors == {"read": 2, "status": 10, "timeout": 3}
    assert result.error_count == 15
    assert (result.p50_ms, result.p99_ms) == (1.5, 42.0)
    with pytest.raises(ValueError, match="no wrk summary"):
        parse_wrk_output("wrk: connection refused", concurrency=1)


def test_wrk_script_escapes_requests(bench: ModuleType) -> None:
    from loadgen import Request, wrk_script

    script = wrk_script([Request("/sparql", 'ASK { ?s ?p "a\\"b" }', "application/json")],
                        "127.0.0.1:1")
    assert '"GET /sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22a%5C%22b%22%20%7D HTTP/1.1\\r\\n' \
           in script
    assert "\r" not in script


def test_responses_are_read_with_length_or_chunks(bench: ModuleType) -> None:
    from loadgen import read_response

    async def read(data: bytes) -> tuple[int, bytes, bool]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_response(reader)

    assert asyncio.run(read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")) == (
        200, b"hello", True)
    chunked = (b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n")
    assert asyncio.run(read(chunked)) == (503, b"abcde", False)
    with pytest.raises(asyncio.IncompleteReadError):
        asyncio.run(read(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"))


def test_answer_digests(bench: ModuleType) -> None:
    from sparql_queries import answer_digest

    select = {"head": {"vars": ["p", "n"]}, "results": {"bindings": [
        {"n": {"type": "literal", "value": "3"}}, {"n": {"type": "literal", "value": "12"}}]}}
    assert answer_digest("aggregate", json.dumps(select).encode()) == "2 rows, n=[12, 3]"
    assert answer_digest("ask", b'{"head": {}, "boolean": true}') == "true"
    triples = b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> \"x\" .\n"
    assert answer_digest("construct", triples) == "2 triples"
    with pytest.raises(ValueError, match="N-Triples"):
        answer_digest("construct", b"@prefix a: <http://a/> .\na:x a:y a:z ;\n a:w a:v .\n")


def test_every_kind_answers_on_ldcat_and_the_mix_runs(
        bench: ModuleType, demo_store: tuple[Path, LoadReport]) -> None:
    from loadgen import run_asyncio
    from sparql_queries import KINDS, build_queries, sample_store
    from sparql_servers import ldcat_server

    store, _ = demo_store
    sample = sample_store((store / "current").resolve(), size=8)
    assert sample.datasets
    assert sample == sample_store((store / "current").resolve(), size=8)  # deterministic
    queries = build_queries(sample, pages=2)
    assert all(queries[kind] for kind in (*KINDS, "mix"))
    server = ldcat_server(store, store.parent / f"{store.name}-bench", workers=1)
    server.start(ready_timeout=60)
    try:
        answers = bench.digests(server, queries, list(KINDS), per_kind=3, timeout=30)
        for kind, by_index in answers.items():
            for digest, _ in by_index.values():
                assert not digest.startswith(("HTTP", "unreadable")), (kind, digest)
                assert digest not in ("0 rows", "0 triples", "false"), (kind, digest)
        result = run_asyncio([bench.Request(server.path, query.text, query.accept)
                              for query in queries["mix"]], "127.0.0.1", server.port,
                             concurrency=2, duration=0.5, request_timeout=10)
    finally:
        server.stop()
    assert result.ok > 0
    assert result.error_count == 0
    assert result.p50_ms is not None
    assert result.p99_ms is not None
    assert 0 < result.p50_ms <= result.p99_ms
