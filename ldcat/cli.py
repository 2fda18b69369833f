"""The ``ldcat`` command line: load, validate, query, serve, demo."""

from __future__ import annotations

import argparse
import sys
import tempfile
from importlib import resources
from pathlib import Path

from endpoint.prerendered import DescriptionsCompanion
from endpoint.settings import EndpointSettings
from ldcat import export_cli, quality_cli, query_cli, validate_cli
from loader.gate import GateOptions
from loader.load import DEFAULT_BASE_IRI, LoadOptions, load
from loader.quality import QualityOptions
from loader.report import SourceError
from shapes.parse import ShapesError

LOAD_HELP = """\
Load data.gouv.fr exports into a new store generation and publish it atomically.

Modes:
  snapshot (default)  the new generation holds exactly the records of the given sources:
                      a record missing from a new full export is gone from it.
  --update            start from the current generation and replace, add or (when the source
                      marks them private or deleted) remove only the given records. A dataset
                      given without resources keeps its published distributions.

Each SOURCE is a udata CSV export (datasets, resources, organizations, reuses, dataservices;
plain or .gz; the kind is read from the header), a directory / file of udata API JSON pages,
or a DCAT catalogue in RDF: a file (.ttl .nt .nq .trig .rdf .owl .jsonld) or an http(s) URL,
walked along its Hydra next links without leaving the URL's origin (scheme, host, port).
Harvested datasets and data services keep their own IRIs, each in its own graph; each source
gets a provenance graph {base}/sources/{key}.
Nothing is published if a source is unusable; rejected rows are listed in the report.
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ldcat", description="Linked-data catalogue endpoint.")
    commands = parser.add_subparsers(dest="command", required=True)

    load_parser = commands.add_parser("load", help="load sources into a new generation",
                                      description=LOAD_HELP,
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
    load_parser.add_argument("sources", nargs="+", metavar="SOURCE",
                             help="a file, a directory, or the http(s) URL of a DCAT catalogue")
    load_parser.add_argument("--store", required=True, type=Path, help="store directory")
    load_parser.add_argument("--update", action="store_true",
                             help="change only the given records (default: snapshot)")
    load_parser.add_argument("--base-iri", default=None,
                             help="public base IRI of minted IRIs (default: the current "
                                  f"generation's, else {DEFAULT_BASE_IRI})")
    load_parser.add_argument("--workers", type=int, default=0,
                             help="mapping processes (default: one per core)")
    load_parser.add_argument("--load-threads", type=int, default=1,
                             help="concurrent bulk loads (default 1; 2 is faster on large "
                                  "loads but holds about twice the memory)")
    load_parser.add_argument("--on-invalid", choices=["reject", "keep"], default="reject",
                             help="records with SHACL violations: leave them out (default) "
                                  "or publish them with their violations recorded")
    load_parser.add_argument("--shapes", default="ldcat",
                             help="shape set of the SHACL gate (default: ldcat; see validate)")
    load_parser.add_argument("--dcat-ap", type=Path,
                             help="folder with the official shapes and EU vocabularies")
    load_parser.add_argument("--gate-engine", choices=["auto", "sparql"], default="auto",
                             help="auto (default): the partitioned validator on the records' "
                                  "text, checks it does not implement on the SPARQL engine; "
                                  "sparql: every check on the SPARQL engine (same results, "
                                  "slower)")
    load_parser.add_argument("--no-quality", action="store_true",
                             help="do not measure metadata quality (DQV measurements per "
                                  "dataset, totals per organisation; see ldcat quality)")
    load_parser.add_argument("--no-descriptions", action="store_true",
                             help="do not render each record's Turtle and JSON-LD at "
                                  "publication (the server then builds them per request)")
    load_parser.add_argument("--check-urls", action="store_true",
                             help="quality: also ask every access and download URL (HEAD "
                                  "requests, --url-concurrency at a time)")
    load_parser.add_argument("--url-concurrency", type=int, default=16,
                             help="URL checks under way at once (default 16)")
    load_parser.add_argument("--report", type=Path, help="also write the JSON report here")
    load_parser.add_argument("--quiet", action="store_true", help="print only the summary")
    _add_backend_options(load_parser, "also publish the new generation into this remote "
                                      "SPARQL store (its query URL)")

    validate_cli.add_parser(commands)

    query_cli.add_parser(commands)
    export_cli.add_parser(commands)
    quality_cli.add_parser(commands)

    serve_parser = commands.add_parser("serve", help="serve the store over HTTP")
    serve_parser.add_argument("--store", type=Path,
                              help="store directory (or --backend)")
    _add_backend_options(serve_parser, "serve from this remote SPARQL store (its query URL) "
                                       "instead of --store")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    _add_endpoint_options(serve_parser)

    demo_parser = commands.add_parser("demo", help="load the bundled demo catalogue and serve it")
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument("--store", type=Path, help="store directory (default: a temp dir)")
    _add_endpoint_options(demo_parser)
    return parser


def _add_backend_options(parser: argparse.ArgumentParser, backend_help: str) -> None:
    parser.add_argument("--backend", metavar="URL", help=backend_help)
    parser.add_argument("--backend-update", metavar="URL",
                        help="the remote store's SPARQL Update URL (default: .../query -> "
                             ".../update, else the query URL)")


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    defaults = EndpointSettings()
    parser.add_argument("--workers", type=int, default=1,
                        help="web processes (default 1); each has its own query workers")
    parser.add_argument("--query-workers", type=int, default=defaults.query_workers,
                        help="query-worker processes per web process (default: one per core)")
    parser.add_argument("--query-timeout", type=float, default=defaults.query_timeout,
                        metavar="SECONDS",
                        help="a query running longer is stopped and answered 503 "
                             f"(default {defaults.query_timeout:g})")
    parser.add_argument("--max-rows", type=int, default=defaults.max_rows,
                        help="rows or triples per SPARQL answer, stated in the "
                             f"ldcat-result-truncated header when cut (default "
                             f"{defaults.max_rows})")
    parser.add_argument("--allow-service", action="append", default=[], metavar="ENDPOINT",
                        help="an endpoint SPARQL SERVICE may call (repeatable; default: none)")
    parser.add_argument("--cache-mb", type=int, default=defaults.cache_bytes >> 20,
                        help="memory for cached SPARQL answers per web process")
    parser.add_argument("--record-cache-mb", type=int, default=defaults.record_cache_bytes >> 20,
                        help="memory for whole record answers kept per web process "
                             "(0: none)")
    parser.add_argument("--per-client", type=int, default=defaults.per_client,
                        help="queries one client may run at once (429 beyond)")
    parser.add_argument("--shutdown-timeout", type=int, default=30, metavar="SECONDS",
                        help="on SIGTERM, how long requests in flight may take to finish "
                             "(default 30)")
    parser.add_argument("--log-client-ip", action="store_true",
                        help="write client addresses into the query log (off by default)")
    parser.add_argument("--exports", type=Path, metavar="DIR",
                        help="where /exports/ finds dumps (DIR/GENERATION/, as ldcat export "
                             "writes them under STORE/exports): for --backend")


def _endpoint_settings(args: argparse.Namespace) -> EndpointSettings:
    for name in ("workers", "query_workers", "max_rows", "per_client"):
        if getattr(args, name) < 1:
            raise SystemExit(f"ldcat: --{name.replace('_', '-')} must be at least 1")
    if args.query_timeout <= 0:
        raise SystemExit("ldcat: --query-timeout must be positive")
    return EndpointSettings(query_timeout=args.query_timeout, max_rows=args.max_rows,
                            query_workers=args.query_workers,
                            per_client=args.per_client, cache_bytes=max(args.cache_mb, 0) << 20,
                            record_cache_bytes=max(args.record_cache_mb, 0) << 20,
                            allowed_services=frozenset(args.allow_service),
                            log_client_ip=args.log_client_ip,
                            exports_dir=str(args.exports.resolve()) if args.exports else None)


def _print_issues(report_issues: list[object], limit: int = 20) -> None:
    for issue in report_issues[:limit]:
        print(f"  {issue}", file=sys.stderr)
    if len(report_issues) > limit:
        print(f"  ... and {len(report_issues) - limit} more (see the JSON report)",
              file=sys.stderr)


def run_load(args: argparse.Namespace) -> int:
    """``ldcat load``."""
    options = LoadOptions(base_iri=args.base_iri, update=args.update, workers=args.workers,
                          load_threads=args.load_threads,
                          progress=sys.stderr.isatty() and not args.quiet,
                          gate=GateOptions(shapes=args.shapes, on_invalid=args.on_invalid,
                                           dcat_ap=args.dcat_ap, engine=args.gate_engine),
                          quality=None if args.no_quality else QualityOptions(
                              check_urls=args.check_urls,
                              url_concurrency=max(args.url_concurrency, 1)),
                          companions=() if args.no_descriptions else (DescriptionsCompanion(),))
    if args.no_quality and args.check_urls:
        print("ldcat load: --check-urls is part of the quality measurement; drop --no-quality",
              file=sys.stderr)
        return 2
    try:
        report = load(args.sources, args.store, options)
    except (SourceError, ValueError, RuntimeError, ShapesError) as error:
        print(f"ldcat load: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    if not args.quiet:
        _print_issues(list(report.issues))
    if args.report:
        report.write(args.report)
    print(f"report: {args.store / 'generations' / (report.generation + '.report.json')}")
    if args.backend:
        return _push(args)
    return 0


def _push(args: argparse.Namespace) -> int:
    """Publish the store's current generation into the ``--backend`` store."""
    from loader.generations import StoreLayout
    from loader.remote.client import RemoteError, RemoteStore
    from loader.remote.publish import push_generation

    layout = StoreLayout(args.store)
    generation = layout.current()
    if generation is None:
        print("ldcat load: nothing published to send to the backend", file=sys.stderr)
        return 2
    try:
        store = RemoteStore(args.backend, args.backend_update)
        try:
            print(push_generation(layout, generation, store).summary())
        finally:
            store.close()
    except RemoteError as error:
        print(f"ldcat load: the local store has {generation.id}, but publishing it to "
              f"{args.backend} failed (the remote marker still names the previous "
              f"generation): {error}", file=sys.stderr)
        return 3
    return 0


def _serve(store: Path | None, args: argparse.Namespace) -> int:
    from endpoint.serve import serve

    backend = getattr(args, "backend", None)
    if (store is None) == (backend is None):
        raise SystemExit("ldcat serve: give either --store DIR or --backend URL")
    serve(store, _endpoint_settings(args), host=args.host, port=args.port,
          web_workers=args.workers, shutdown_timeout=args.shutdown_timeout, backend=backend,
          backend_update=getattr(args, "backend_update", None))
    return 0


def demo_sources() -> list[Path]:
    """The bundled demo catalogue's CSV files."""
    folder = resources.files("loader.demo")
    names = ["organizations.csv", "datasets.csv", "resources.csv", "reuses.csv",
             "dataservices.csv"]
    return [Path(str(folder.joinpath(name))) for name in names]


def run_demo(args: argparse.Namespace) -> int:
    """``ldcat demo``: load the demo catalogue, then serve it."""
    store = args.store or Path(tempfile.mkdtemp(prefix="ldcat-demo-"))
    base_iri = f"http://{args.host}:{args.port}"
    report = load(demo_sources(), store, LoadOptions(base_iri=base_iri, workers=1,
                                                     companions=(DescriptionsCompanion(),)))
    print(report.summary())
    print(f"serving the demo catalogue at {base_iri}/ (store: {store})")
    return _serve(store, args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ldcat`` console script."""
    args = _build_parser().parse_args(argv)
    if args.command == "load":
        return run_load(args)
    if args.command == "validate":
        return validate_cli.run(args)
    if args.command == "query":
        return query_cli.run(args)
    if args.command == "export":
        return export_cli.run(args)
    if args.command == "quality":
        return quality_cli.run(args)
    if args.command == "serve":
        return _serve(args.store, args)
    if args.command == "demo":
        return run_demo(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
