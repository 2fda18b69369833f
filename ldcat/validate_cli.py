"""``ldcat validate``: a SHACL report for a store generation or an RDF file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shapes.dataset import DataError
from shapes.parse import ShapesError
from shapes.report import ValidationReport
from shapes.service import ValidationRequest, validate_file, validate_generation
from shapes.sets import OFFICIAL_SETS

HELP = f"""\
Validate a published store generation (or an RDF file) against a SHACL shape set and write
the report as text, Turtle (sh:ValidationReport) and JSON.

Shape sets: ldcat (default: ldcat's own shapes), {", ".join(OFFICIAL_SETS)}, or a directory
or file of shapes. The official sets and the EU vocabularies (loaded as background data) are
read from --dcat-ap DIR (default: $LDCAT_DCAT_AP, else ../shared/dcat-ap beside the project).
The hvd set applies to the high-value datasets and data services only.

Engines: a generation that keeps its records' text is validated by the partitioned engine
(records indexed in Python, checks run as precompiled closures on every core; the few checks
it does not implement run on the SPARQL engine); otherwise, and for files, SHACL compiled to
SPARQL runs on the store. Both give the same results; --engine chooses.

Exit status: 0 conforms, 1 violations found, 2 unusable shapes or data.
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("validate", help="SHACL-validate a generation or a file",
                                 description=HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path,
                        help="an RDF file to validate instead of a store")
    parser.add_argument("--store", type=Path, help="store directory")
    parser.add_argument("--generation", help="generation id (default: the current one)")
    parser.add_argument("--shapes", default="ldcat", help="shape set name, directory or file")
    parser.add_argument("--dcat-ap", type=Path, help="folder with the official shapes and "
                                                     "vocabularies/")
    parser.add_argument("--out", type=Path, help="write OUT.txt, OUT.ttl and OUT.json")
    parser.add_argument("--scratch", type=Path,
                        help="folder for the temporary checkpoint of the generation (same "
                             "file system as the store; default: the store folder)")
    parser.add_argument("--engine", choices=("auto", "partitioned", "sparql"), default="auto",
                        help="partitioned: the records' text indexed in Python, in parallel; "
                             "sparql: SHACL compiled to SPARQL on the store; auto (default): "
                             "partitioned when the generation keeps its records' text")
    parser.add_argument("--limit", type=int, default=50,
                        help="results printed on stdout (default 50; 0 for all)")
    parser.add_argument("--profile", action="store_true",
                        help="print the slowest checks with their durations")
    parser.add_argument("--workers", type=int, default=0,
                        help="validating processes (default: one per core)")


def run(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.store is None):
        print("ldcat validate: give either a FILE or --store DIR", file=sys.stderr)
        return 2
    request = ValidationRequest(shapes=args.shapes, dcat_ap=args.dcat_ap,
                                workers=args.workers or None, progress=_progress(),
                                engine=args.engine)
    try:
        if args.file is not None:
            report = validate_file(args.file, request)
        else:
            report = validate_generation(_generation(args.store, args.generation),
                                         args.scratch or args.store,
                                         request)
    except (ShapesError, DataError, FileNotFoundError) as error:
        print(f"ldcat validate: {error}", file=sys.stderr)
        return 2
    _write(report, args.out)
    print(report.to_text(limit=args.limit or None), end="")
    if args.profile:
        print("slowest checks:\n  " + "\n  ".join(report.slowest))
    return 0 if report.conforms else 1


def _generation(store: Path, generation: str | None) -> Path:
    from loader.generations import StoreLayout

    layout = StoreLayout(store)
    if generation is not None:
        path = store / "generations" / generation
        if not (path.is_dir() and path.name.startswith("g")):
            raise FileNotFoundError(f"{store}: no generation {generation}")
        return path
    current = layout.current() if layout.exists() else None
    if current is None:
        raise FileNotFoundError(f"{store}: no published generation (run ldcat load first)")
    return current.path


def _write(report: ValidationReport, out: Path | None) -> None:
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.txt").write_text(report.to_text(), encoding="utf-8")
    Path(f"{out}.ttl").write_text(report.to_turtle(), encoding="utf-8")
    Path(f"{out}.json").write_text(report.to_json(), encoding="utf-8")


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(desc="validating", unit="check", leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()

    return update
