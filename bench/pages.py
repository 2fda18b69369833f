"""Linked-data pages benchmark (issue 6): record descriptions and search on one generation.

(a) **Building one dataset description, cold** (no description cache), in process, for a
    sample of datasets: ldcat's path (the record's document from the store by quad patterns,
    serialised by pyoxigraph; framed compact JSON-LD by :mod:`endpoint.jsonld_frame`) against
    an rdflib graph per request (the udata / ckanext-dcat approach: the same record graph read
    from the store, added triple by triple to an ``rdflib.Graph``, serialised to Turtle and to
    JSON-LD compacted with ldcat's context); when the generation has rendered descriptions
    (:mod:`endpoint.prerendered`), also reading them as the routes serve them. A first pass
    over the sample runs every path once, warming the caches they read from (store, records'
    text, the rendered file); each path then builds every record once.
(b) **Over HTTP** at 1, 8 and 32 closed-loop connections (wrk if installed, else the asyncio
    client of :mod:`loadgen`): ``ldcat serve`` answering ``GET /datasets/{id}`` in Turtle and
    JSON-LD, against ``oxigraph serve-read-only`` answering a ``CONSTRUCT`` of the same record
    graph in Turtle (what an integrator could run instead). Before timing, a few answers are
    compared: ldcat's Turtle must hold every triple of Oxigraph's (it adds the publisher's
    name).
(c) **Search** latency on the generation's search index (:mod:`loader.search_index`), in
    process: representative queries, median of a few runs each.

    python bench/pages.py [--store bench/out/store] [--sample 300] [--duration 10]
        [--concurrency 1,8,32] [--parts a,b,c] [--search-index FILE] [--quick]

The store is opened read-only. Results are appended to BENCHMARKS.md (not with ``--quick``)
and saved as JSON under ``bench/out/pages``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from loadgen import LoadResult, PathRequest, Request, run_asyncio, run_wrk, wrk_path
from measure import PROJECT, append_to_benchmarks
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse
from rdflib import BNode as RdfBNode
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from sparql_servers import Server, Unavailable, ldcat_server, oxigraph_server

from endpoint.jsonld_context import LDCAT_CONTEXT
from endpoint.prerendered import PrerenderedDescriptions
from endpoint.profiles import DEFAULT_PROFILE
from endpoint.record_documents import build_document
from endpoint.record_formats import JSON_LD, TURTLE, RecordFormat
from endpoint.record_index import RecordIndex
from endpoint.record_render import render_jsonld, render_rdf
from endpoint.search_engine import SearchIndex, SearchQuery
from loader.generations import Generation, StoreLayout
from loader.repo import EmbeddedRepo
from loader.search_index import index_path
from ontology.datatypes import restore_datatypes
from ontology.namespaces import PREFIXES

TURTLE_ACCEPT = "text/turtle"
PRERENDERED_TURTLE = "ldcat Turtle, rendered at publication (what the route serves)"
PRERENDERED_JSONLD = "ldcat JSON-LD, rendered at publication (what the route serves)"
JSONLD_ACCEPT = "application/ld+json"
SEARCHES: list[tuple[str, SearchQuery]] = [
    ("common word: données", SearchQuery(text="données")),
    ("common word, page 50", SearchQuery(text="données", page=50)),
    ("two words: transport commune", SearchQuery(text="transport commune")),
    ("phrase: \"qualité de l'air\"", SearchQuery(text="\"qualité de l'air\"")),
    ("rare word: hydrogène", SearchQuery(text="hydrogène")),
    ("no words, filter format=csv", SearchQuery(filters=(("format", "csv"),))),
    ("words + 2 filters", SearchQuery(text="budget", filters=(
        ("format", "csv"), ("license", "etalab-licence-ouverte-v2.0")))),
    ("everything, archived included", SearchQuery(archived="include")),
    ("home page facet totals", SearchQuery()),
]


def sample_datasets(layout: StoreLayout, generation: Generation, size: int,
                    seed: int) -> list[str]:
    """``size`` dataset IRIs of the generation, drawn at random (reproducibly)."""
    datasets = sorted(iri for iri, entry in layout.graphs(generation).items()
                      if entry.kind == "datasets")
    return random.Random(seed).sample(datasets, min(size, len(datasets)))


# --- (a) in process ----------------------------------------------------------------------

def _rdflib_term(term: object) -> URIRef | RdfBNode | RdfLiteral:
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return RdfBNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


def rdflib_graph(repo: EmbeddedRepo, iri: str) -> Graph:
    """The record graph read from the store into a fresh ``rdflib.Graph`` (per request)."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for quad in repo.record_graph(iri):
        graph.add((_rdflib_term(quad.subject), _rdflib_term(quad.predicate),
                   _rdflib_term(quad.object)))
    return graph


def _time_interleaved(iris: list[str],
                      paths: dict[str, Callable[[str], bytes]]) -> dict[str, list[float]]:
    """Milliseconds of every path on every record, the paths interleaved record by record
    (in a rotating order), so that other work on the machine weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    sizes = dict.fromkeys(paths, 0)
    names = list(paths)
    for number, iri in enumerate(iris):
        for name in names[number % len(names):] + names[:number % len(names)]:
            started = time.perf_counter()
            sizes[name] += len(paths[name](iri))
            times[name].append((time.perf_counter() - started) * 1000)
    return times | {f"_bytes {name}": [float(size)] for name, size in sizes.items()}


def describe_paths(store: Path, iris: list[str]) -> dict[str, dict[str, float]]:
    """Per-record milliseconds (median, mean, p99) of each way of building a description."""
    repo = EmbeddedRepo(store)
    index = RecordIndex(repo)
    generation = repo.generation()
    assert generation is not None
    context = {"@context": LDCAT_CONTEXT.document()["@context"]}

    def ldcat_turtle(iri: str) -> bytes:
        document = build_document(repo, index, generation, "datasets", iri)
        assert document is not None
        return render_rdf(document, TURTLE, DEFAULT_PROFILE)

    def ldcat_jsonld(iri: str) -> bytes:
        document = build_document(repo, index, generation, "datasets", iri)
        assert document is not None
        return render_jsonld(document, DEFAULT_PROFILE, generation.base_iri)

    def rdflib_turtle(iri: str) -> bytes:
        return rdflib_graph(repo, iri).serialize(format="turtle").encode("utf-8")

    def rdflib_jsonld(iri: str) -> bytes:
        return rdflib_graph(repo, iri).serialize(format="json-ld", context=context,
                                                 auto_compact=True).encode("utf-8")

    paths: dict[str, Callable[[str], bytes]] = {
        "ldcat Turtle": ldcat_turtle, "ldcat JSON-LD (framed, compact)": ldcat_jsonld,
        "rdflib Turtle": rdflib_turtle, "rdflib JSON-LD (compact)": rdflib_jsonld}
    prerendered = PrerenderedDescriptions()
    if prerendered.get(generation, iris[0], TURTLE) is not None:
        def rendered(record_format: RecordFormat) -> Callable[[str], bytes]:
            def read(iri: str) -> bytes:
                found = prerendered.get(generation, iri, record_format)
                assert found is not None
                return found.body
            return read

        paths[PRERENDERED_TURTLE] = rendered(TURTLE)
        paths[PRERENDERED_JSONLD] = rendered(JSON_LD)
        for iri in iris[:20]:  # what the routes serve: the same bytes either way
            assert paths[PRERENDERED_TURTLE](iri) == ldcat_turtle(iri)
            assert paths[PRERENDERED_JSONLD](iri) == ldcat_jsonld(iri)
    else:
        print(f"  {generation.id} has no rendered descriptions (loaded with "
              "--no-descriptions or by an older ldcat): per-request paths only", flush=True)
    index.entry(generation, iris[0])  # read the graph index once, outside the timings
    for iri in iris:  # warm the caches every path reads from (store, text, rendered file)
        for path in paths.values():
            path(iri)
    triples = [len(repo.record_graph(iri)) for iri in iris]
    gc.collect()
    gc.freeze()  # the long-lived heap out of the collector's way: no pause lands on one path
    timed = _time_interleaved(iris, paths)
    gc.unfreeze()
    results: dict[str, dict[str, float]] = {}
    for name in paths:
        times = timed[name]
        ordered = sorted(times)
        results[name] = {"median_ms": statistics.median(times), "mean_ms": statistics.fmean(times),
                         "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
                         "bytes_per_record": timed[f"_bytes {name}"][0] / len(iris)}
        print(f"  {name:34} median {results[name]['median_ms']:7.3f} ms  "
              f"mean {results[name]['mean_ms']:7.3f} ms", flush=True)
    reads = [0.0] * len(iris)
    for number, iri in enumerate(iris):
        started = time.perf_counter()
        repo.record_graph(iri)
        reads[number] = (time.perf_counter() - started) * 1000
    results["store read only (the record graph's quads)"] = {
        "median_ms": statistics.median(reads), "mean_ms": statistics.fmean(reads),
        "p99_ms": sorted(reads)[min(len(reads) - 1, int(len(reads) * 0.99))],
        "bytes_per_record": 0.0}
    results["_records"] = {"count": len(iris), "median_triples": statistics.median(triples),
                           "max_triples": max(triples)}
    return results


# --- (b) over HTTP -------------------------------------------------------------------------

def _get(url: str, accept: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def construct(iri: str) -> str:
    """The SPARQL an integrator would send Oxigraph for the record graph ``iri``."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"


def agreement(ldcat: Server, oxigraph: Server, base: str, iris: list[str]) -> list[str]:
    """Records whose ldcat Turtle lacks a triple of Oxigraph's CONSTRUCT answer."""
    problems = []
    for iri in iris:
        _, ours = _get(f"http://127.0.0.1:{ldcat.port}{iri[len(base):]}", TURTLE_ACCEPT)
        _, theirs = _get(f"{oxigraph.url}?query={quote(construct(iri), safe='')}",
                         TURTLE_ACCEPT)
        mine = {str(t.triple) for t in parse(ours, format=RdfFormat.TURTLE)}
        other = {str(t.triple) for t in restore_datatypes(  # ldcat puts them back everywhere
            list(parse(theirs, format=RdfFormat.TURTLE)))}
        if not other or not other <= mine:
            problems.append(iri)
    return problems


@dataclass
class Level:
    server: str
    variant: str
    concurrency: int
    result: LoadResult


def run_level(server: Server, requests: Sequence[Request], concurrency: int, duration: float,
              client: str) -> LoadResult:
    if client == "wrk":
        return run_wrk(requests, "127.0.0.1", server.port, concurrency, round(duration),
                       duration + 5)
    return run_asyncio(requests, "127.0.0.1", server.port, concurrency, duration, duration + 5)


UNCACHED = "Turtle, no kept answers"
"""The variant served with ``--record-cache-mb 0``: every answer read and rendered."""


def http_levels(args: argparse.Namespace, generation: Generation, iris: list[str],
                out: Path) -> tuple[list[Level], list[str], dict[str, str]]:
    """Every level for ldcat (Turtle, JSON-LD) and Oxigraph (Turtle); the disagreements."""
    base = generation.base_iri
    ours: dict[str, list[Request]] = {
        "Turtle": [PathRequest(iri[len(base):], "", TURTLE_ACCEPT) for iri in iris],
        "JSON-LD": [PathRequest(iri[len(base):], "", JSONLD_ACCEPT) for iri in iris]}
    theirs = [Request("/query", construct(iri), TURTLE_ACCEPT) for iri in iris]
    levels: list[Level] = []
    ldcat = ldcat_server(args.store, out, args.ldcat_workers)
    oxigraph = oxigraph_server(generation.path, out)
    described = {}
    try:
        ldcat.start(ready_timeout=300)
        oxigraph.start(ready_timeout=300)
        described = {"ldcat": ldcat.description, "oxigraph": oxigraph.description}
        problems = agreement(ldcat, oxigraph, base, iris[:5])
        oxigraph.stop()
        for variant, requests in ours.items():
            run_level(ldcat, requests, 2, args.warmup, args.client)
            for concurrency in args.concurrency:
                ldcat.settle()
                result = run_level(ldcat, requests, concurrency, args.duration, args.client)
                levels.append(Level("ldcat", variant, concurrency, result))
                _print_level(levels[-1])
        ldcat.stop()
        if not args.kept_answers_only:  # the same Turtle load with no record answer kept
            uncached = ldcat_server(args.store, out, args.ldcat_workers,
                                    extra=["--record-cache-mb", "0"], name="ldcat-uncached")
            described["ldcat (no kept answers)"] = uncached.description
            uncached.start(ready_timeout=300)
            run_level(uncached, ours["Turtle"], 2, args.warmup, args.client)
            for concurrency in args.concurrency:
                uncached.settle()
                result = run_level(uncached, ours["Turtle"], concurrency, args.duration,
                                   args.client)
                levels.append(Level("ldcat", UNCACHED, concurrency, result))
                _print_level(levels[-1])
            uncached.stop()
        oxigraph.start(ready_timeout=300)
        run_level(oxigraph, theirs, 2, args.warmup, args.client)
        for concurrency in args.concurrency:
            oxigraph.settle()
            result = run_level(oxigraph, theirs, concurrency, args.duration, args.client)
            levels.append(Level("oxigraph", "Turtle (CONSTRUCT)", concurrency, result))
            _print_level(levels[-1])
    finally:
        ldcat.stop()
        oxigraph.stop()
    return levels, problems, described


def _print_level(level: Level) -> None:
    result = level.result
    print(f"  {level.server:9} {level.variant:19} c={level.concurrency:<3} "
          f"{result.throughput:8.1f} req/s  p50 {result.p50_ms or 0:7.2f} ms  "
          f"p99 {result.p99_ms or 0:7.2f} ms  errors {result.error_count}", flush=True)


# --- (c) search ---------------------------------------------------------------------------

def search_latencies(path: Path, runs: int) -> dict[str, dict[str, float]]:
    """Median milliseconds of each representative search (the index opened once)."""
    started = time.perf_counter()
    index = SearchIndex(path)
    opened = (time.perf_counter() - started) * 1000
    results = {"_open": {"ms": opened, "datasets": index.count,
                         "file_mb": path.stat().st_size / 1e6}}
    for label, query in SEARCHES:
        times, total = [], 0
        for _ in range(runs):
            index._recent.clear()  # every run computes the matches and counts afresh
            index._totals = None
            started = time.perf_counter()
            if query == SearchQuery():
                index.facet_totals()
            else:
                total = index.search(query).total
            times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        if query != SearchQuery():
            index.search(replace(query, page=query.page + 1))  # the next page: kept matches
        again = (time.perf_counter() - started) * 1000
        results[label] = {"median_ms": statistics.median(times), "max_ms": max(times),
                          "next_page_ms": again, "total": total}
        print(f"  {label:34} {statistics.median(times):8.1f} ms  next page {again:6.1f} ms  "
              f"({total} found)", flush=True)
    return results


# --- report -------------------------------------------------------------------------------

def render(context: dict[str, object], described: dict[str, dict[str, float]] | None,
           levels: list[Level], problems: list[str], servers: dict[str, str],
           searches: dict[str, dict[str, float]] | None) -> str:
    lines = [f"## Linked-data pages: descriptions, HTTP and search ({context['date']})", "",
             f"Command: `{context['command']}`", "",
             f"Store: `{context['store']}`, generation {context['generation']} "
             f"({context['quads']} quads); machine: {context['machine']}; load average at "
             f"start {context['load']}.", ""]
    if described:
        records = described.pop("_records")
        lines += [f"### (a) One dataset description, cold (no cache), in process: "
                  f"{records['count']:.0f} random datasets, median {records['median_triples']:.0f} "
                  f"quads in their graph (max {records['max_triples']:.0f})", "",
                  "| path | median ms | mean ms | p99 ms | bytes/record |",
                  "|---|---:|---:|---:|---:|"]
        for name, row in described.items():
            lines.append(f"| {name} | {row['median_ms']:.3f} | {row['mean_ms']:.3f} | "
                         f"{row['p99_ms']:.3f} | {row['bytes_per_record']:.0f} |")
        served = [("built per request", "ldcat Turtle", "ldcat JSON-LD (framed, compact)")]
        if PRERENDERED_TURTLE in described:
            served.insert(0, ("served (rendered at publication)", PRERENDERED_TURTLE,
                              PRERENDERED_JSONLD))
        for label, turtle_path, jsonld_path in served:
            for statistic in ("median", "mean"):
                key = f"{statistic}_ms"
                turtle = described["rdflib Turtle"][key] / described[turtle_path][key]
                jsonld = described["rdflib JSON-LD (compact)"][key] / described[jsonld_path][key]
                lines += ["", f"Speed-up over the rdflib path, {label} ({statistic}s): Turtle "
                          f"**{turtle:.1f}×** (target ≥ 20×: "
                          f"{'met' if turtle >= 20 else 'not met'}), framed compact JSON-LD "
                          f"**{jsonld:.1f}×** (target ≥ 5×: {'met' if jsonld >= 5 else 'not met'}"
                          ")."]
        lines.append("")
    if levels:
        lines += ["### (b) Over HTTP, closed loop, " + f"{context['duration']} s a level, "
                  f"client {context['client']}", ""]
        lines += [f"- {name}: {text}" for name, text in servers.items()]
        lines += ["", "| server | answer | clients | req/s | p50 ms | p99 ms | errors |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for level in levels:
            result = level.result
            lines.append(f"| {level.server} | {level.variant} | {level.concurrency} | "
                         f"{result.throughput:.0f} | {result.p50_ms or 0:.2f} | "
                         f"{result.p99_ms or 0:.2f} | {result.error_count} |")
        by_key = {(level.server, level.variant, level.concurrency): level.result
                  for level in levels}
        lines.append("")
        for concurrency in sorted({level.concurrency for level in levels}):
            theirs = by_key.get(("oxigraph", "Turtle (CONSTRUCT)", concurrency))
            for variant in ("Turtle", UNCACHED):
                ours = by_key.get(("ldcat", variant, concurrency))
                if ours and theirs and theirs.throughput:
                    lines.append(f"- c={concurrency}: ldcat {variant} / Oxigraph throughput "
                                 f"**{ours.throughput / theirs.throughput:.2f}×** (target ≥ "
                                 f"0.5×), ldcat p99 {ours.p99_ms or 0:.1f} ms, errors "
                                 f"{ours.error_count}")
        lines += ["", "Answers compared on 5 records: " + (
            "ldcat's Turtle holds every triple of Oxigraph's CONSTRUCT answer (with "
            "`dcat:byteSize` typed `xsd:nonNegativeInteger` again, as ldcat serves it)."
            if not problems else f"differences on {problems}"), ""]
    if searches:
        opened = searches.pop("_open")
        lines += [f"### (c) Search on the generation's index ({opened['datasets']:.0f} "
                  f"datasets, {opened['file_mb']:.0f} MB file; opening it and reading the "
                  f"facet links: {opened['ms']:.0f} ms once per process)", "",
                  "Each search computed afresh (matches, filters, facet counts, one page of "
                  "hits), then its next page (matches and counts kept from the first).", "",
                  "| search | median ms | max ms | next page ms | found |",
                  "|---|---:|---:|---:|---:|"]
        for label, row in searches.items():
            lines.append(f"| {label} | {row['median_ms']:.1f} | {row['max_ms']:.1f} | "
                         f"{row['next_page_ms']:.1f} | {row['total']:.0f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", type=Path, default=PROJECT / "bench" / "out" / "store")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out")
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=lambda v: [int(x) for x in v.split(",")],
                        default=[1, 8, 32])
    parser.add_argument("--client", choices=("wrk", "asyncio"),
                        default="wrk" if wrk_path() else "asyncio")
    parser.add_argument("--ldcat-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--search-runs", type=int, default=5)
    parser.add_argument("--search-index", type=Path,
                        help="the index file (default: the generation's, beside it)")
    parser.add_argument("--parts", default="a,b,c",
                        help="which parts to run: a (descriptions), b (HTTP), c (search)")
    parser.add_argument("--kept-answers-only", action="store_true",
                        help="skip the second ldcat run with --record-cache-mb 0")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run (50 records, 2 s levels at 1 and 8), not written to "
                             "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.sample, args.duration, args.warmup, args.concurrency = 50, 2, 0.5, [1, 8]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    layout = StoreLayout(args.store)
    generation = layout.current()
    if generation is None:
        raise SystemExit(f"{args.store}: no published generation (run bench/load.py first)")
    out = args.out / "pages"
    out.mkdir(parents=True, exist_ok=True)
    iris = sample_datasets(layout, generation, args.sample, args.seed)
    context = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
               "command": "python bench/pages.py " + " ".join(argv or sys.argv[1:]),
               "store": str(args.store), "generation": generation.id,
               "quads": f"{generation.manifest.get('quads', 0):,}",
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                          f"{platform.python_version()}",
               "load": f"{os.getloadavg()[0]:.1f}", "duration": args.duration,
               "client": args.client}
    parts = set(args.parts.split(","))
    described: dict[str, dict[str, float]] = {}
    if "a" in parts:
        print(f"(a) descriptions of {len(iris)} datasets ...", flush=True)
        described = describe_paths(args.store, iris)
    levels: list[Level] = []
    problems: list[str] = []
    servers: dict[str, str] = {}
    if "b" in parts:
        print("(b) HTTP ...", flush=True)
        try:
            levels, problems, servers = http_levels(args, generation, iris, out)
        except Unavailable as reason:
            servers = {"skipped": str(reason)}
    searches = None
    search_index = args.search_index or index_path(generation.path)
    if "c" in parts and search_index.exists():
        print("(c) search ...", flush=True)
        searches = search_latencies(search_index, args.search_runs)
        context["search_index"] = str(search_index)
    elif "c" in parts:
        print(f"(c) skipped: {search_index} is absent", flush=True)
    (out / "results.json").write_text(json.dumps(
        {"context": context, "described": described, "problems": problems,
         "levels": [{**asdict(level), "result": asdict(level.result)} for level in levels],
         "searches": searches}, indent=1, default=str))
    text = render(context, dict(described) or None, levels, problems, servers,
                  dict(searches) if searches else None)
    if args.quick:
        print(text)
    else:
        append_to_benchmarks(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
