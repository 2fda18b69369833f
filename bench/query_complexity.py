"""How the SPARQL endpoint answers long chains and deep nesting (RELIABILITY.md, fuzzing).

Loads the demo catalogue, then POSTs queries of each hostile shape at several sizes and
prints status, error code and seconds. Over the lexer's limits every shape is a quick 400;
under them the time is Oxigraph's parsing and evaluation.

    python bench/query_complexity.py [SIZE ...]      (default: 500 1000 3000 10000 100000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from ldcat.cli import demo_sources
from loader.load import LoadOptions, load

SHAPES: dict[str, Callable[[int], str]] = {
    "chained +": lambda n: "SELECT (" + "+".join(["1"] * n) + " AS ?x) {}",
    "chained UNION": lambda n: "SELECT * { " + " UNION ".join(["{ ?s <p> ?o }"] * n) + " }",
    "chained BIND": lambda n: "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n))
                              + " }",
    "chained FILTER": lambda n: "SELECT * { ?s <p> ?o " + " FILTER(?o)" * n + " }",
    "nested braces": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "nested parentheses": lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "VALUES rows (data)": lambda n: "SELECT (COUNT(*) AS ?n) { VALUES ?x { "
                                    + " ".join(map(str, range(n))) + " } }",
}


def main(sizes: list[int]) -> None:
    store = Path(tempfile.mkdtemp(prefix="ldcat-complexity-"))
    load(demo_sources(), store, LoadOptions(base_iri="http://127.0.0.1:8000", workers=1))
    settings = EndpointSettings(query_workers=1, query_timeout=20,
                                max_request_bytes=4 << 20)
    with TestClient(create_app_for_store(store, settings)) as http:
        http.get("/sparql", params={"query": "ASK {}"})  # start the worker
        print(f"{'shape':<20} {'size':>7} {'bytes':>9} status {'code':<18} seconds")
        for name, shape in SHAPES.items():
            for size in sizes:
                query = shape(size)
                started = time.perf_counter()
                response = http.post("/sparql", content=query.encode(),
                                     headers={"content-type": "application/sparql-query"})
                seconds = time.perf_counter() - started
                code = response.json().get("error", "") if response.status_code >= 400 else ""
                print(f"{name:<20} {size:>7} {len(query):>9} {response.status_code:>6} "
                      f"{code:<18} {seconds:7.2f}", flush=True)


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [500, 1000, 3000, 10000, 100000])
