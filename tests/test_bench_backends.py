"""The backend benchmark's pure parts (bench/backends.py): answer digests, the mix, the
per-kind tallies of the load generator and the report tables."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import pytest

from tests.conftest import PROJECT, load_bench_module


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/backend_mix.py, with bench/ importable (its siblings import each other)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PROJECT / "bench"))
        yield load_bench_module("backend_mix")


def test_graph_digests_ignore_order_and_blank_node_labels(bench: ModuleType) -> None:
    turtle = (b'@prefix ex: <http://ex.org/> .\nex:a ex:p "x" ; ex:q [ ex:r 1 ] .\n')
    reordered = (b'@prefix ex: <http://ex.org/> .\n_:n7 ex:r 1 .\nex:a ex:q _:n7 .\n'
                 b'ex:a ex:p "x" .\n')
    assert bench.digest("record_ttl", turtle) == bench.digest("record_ttl", reordered)
    assert bench.digest("record_ttl", turtle).startswith("3 triples ")
    changed = reordered.replace(b'"x"', b'"y"')
    assert bench.digest("record_ttl", turtle) != bench.digest("record_ttl", changed)
    with pytest.raises(SyntaxError):
        bench.digest("construct", b"<http://a> <http://b> .\n")


def test_solution_and_json_ld_digests(bench: ModuleType) -> None:
    def select(*values: str) -> bytes:
        return json.dumps({"head": {"vars": ["o"]}, "results": {"bindings": [
            {"o": {"type": "literal", "value": value}} for value in values]}}).encode()

    assert bench.digest("lookup", select("a", "b")) == bench.digest("lookup", select("b", "a"))
    assert bench.digest("lookup", select("a", "b")) != bench.digest("lookup", select("a", "c"))
    # LIMIT without ORDER BY: stores may pick other rows, only their number counts
    assert bench.digest("keyword", select("a", "b")) == bench.digest("keyword", select("c", "d"))
    assert bench.digest("ask", b'{"head": {}, "boolean": false}') == "false"
    one = {"@context": "x", "id": "http://a", "keyword": ["b", "a"], "contact": {"id": "_:b0"}}
    two = {"keyword": ["a", "b"], "contact": {"id": "_:x9"}, "id": "http://a", "@context": "x"}
    assert bench.digest("record_jsonld", json.dumps(one).encode()) == \
        bench.digest("record_jsonld", json.dumps(two).encode())
    two["keyword"] = ["a"]
    assert bench.digest("record_jsonld", json.dumps(one).encode()) != \
        bench.digest("record_jsonld", json.dumps(two).encode())


def test_the_mix_takes_every_kind_in_turn(bench: ModuleType) -> None:
    from sparql_queries import Sample

    base = "https://data.example.org"
    sample = Sample([f"{base}/datasets/d{number}" for number in range(4)],
                    [f"{base}/organizations/o1"], ["velo"], ["Transport"])
    by_kind = bench.build_mix(sample, base, catalog_pages=3, sparql_pages=2)
    assert list(by_kind) == list(bench.KINDS)
    assert [request.target() for request in by_kind["record_ttl"]][:2] == [
        "/datasets/d0", "/datasets/d1"]
    assert {request.accept for request in by_kind["record_jsonld"]} == {"application/ld+json"}
    assert [request.target() for request in by_kind["catalog"]] == [
        "/catalog?page=1", "/catalog?page=2", "/catalog?page=3"]
    assert by_kind["ask"][0].target().startswith("/sparql?query=")
    mix = bench.interleave(by_kind)
    assert [request.kind for request in mix[:len(bench.KINDS)]] == list(bench.KINDS)
    assert len(mix) == 4 * len(bench.KINDS)  # the longest kind's length, every kind in turn
    assert [request.kind for request in bench.pick(by_kind, 1)] == list(bench.KINDS)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1)
        status = 200 if self.path.startswith("/ok") else 404
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_asyncio_client_tallies_by_kind_and_slices_merge(bench: ModuleType) -> None:
    from loadgen import PathRequest, merge, run_asyncio

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads, server.block_on_close = True, False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        requests = [PathRequest("/ok", "", "*/*", "good"), PathRequest("/no", "", "*/*", "bad")]
        parts = [run_asyncio(requests, "127.0.0.1", server.server_address[1], concurrency=2,
                             duration=0.3, request_timeout=5, ramp=ramp) for ramp in (0, 0.2)]
        slow = run_asyncio([PathRequest("/slow", "", "*/*", "slow")], "127.0.0.1",
                           server.server_address[1], concurrency=2, duration=0.3,
                           request_timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    for part in parts:
        assert part.duration == pytest.approx(0.3, abs=0.1)  # the ramp is not counted
        assert set(part.by_kind) == {"good", "bad"}
        assert part.by_kind["good"].ok > 0
        assert part.by_kind["good"].error_count == 0
        assert part.by_kind["bad"].ok == 0
        assert part.by_kind["bad"].errors == {"HTTP 404": part.by_kind["bad"].error_count}
        assert part.ok == part.by_kind["good"].ok
    assert (slow.ok, slow.unfinished, slow.by_kind["slow"].unfinished) == (0, 2, 2)
    merged = merge(parts)
    assert merged.ok == sum(part.ok for part in parts)
    assert merged.duration == pytest.approx(sum(part.duration for part in parts))
    assert merged.by_kind["bad"].error_count == sum(p.by_kind["bad"].error_count for p in parts)
    assert len(merged.samples_ms) == sum(len(part.samples_ms) for part in parts)
    assert merged.p50_ms is not None
    assert merged.p99_ms is not None
    assert 0 < merged.p50_ms <= merged.p99_ms


def test_report_tables_give_ratios_to_the_embedded_store(bench: ModuleType) -> None:
    from backend_report import Level, kind_table, level_table
    from loadgen import LoadResult

    def result(ok: int, p50: float) -> LoadResult:
        return LoadResult("asyncio", 8, 10.0, ok=ok, p50_ms=p50, p99_ms=p50 * 3,
                          by_kind={"ask": LoadResult("asyncio", 8, 10.0, ok=ok, p50_ms=p50,
                                                     p99_ms=p50 * 3)})

    levels = [Level("embedded", 8, result(400, 2.0), 1.5, 0.0, 0.1),
              Level("oxigraph", 8, result(100, 8.0), 0.8, 0.9, 0.1)]
    table = level_table(levels)
    assert "| 8 | oxigraph | 10.0 | 0.25x | 8.00 / 24.0 | 0 | 0.80 | 0.90 | 80.0 + 90.0 |" \
        in table
    assert "| 8 | embedded | 40.0 | 1 |" in table
    assert "| ask | 8 | 2.00 / 6.00 | 8.00 / 24.0 | 4.00x |" in kind_table(
        levels, ["ask"], ["embedded", "oxigraph"])
