"""Full-catalogue SHACL validation benchmark: ldcat's validator vs Apache Jena vs pyshacl.

In one run, on the same graph (the published generation of the real export + generated
resources, datatypes as served) with the official DCAT-AP 3.0.1 shapes (shapes, range,
vocabularies, recommended, deprecated URIs) and the EU vocabularies as background:

1. ``ldcat validate --shapes official-3.0.1`` on the generation (wall, peak PSS) with the
   partitioned engine (records' text, Python closures, both cores), then with the SPARQL
   engine (unless ``--skip-sparql``); the two result sets are compared in full;
2. Apache Jena's SHACL validator (``../shared/tools/jena-shacl``, Debian's Jena) on the same
   triples as one N-Triples file (wall incl. parsing, peak PSS of the JVM); the results are
   compared with ldcat's (second oracle);
3. pyshacl and ldcat on a sample of the same graph (the first N datasets' record graphs with
   their publishers and the catalogue graph), to give the ratio and an extrapolation.

    python bench/validate.py [--store bench/out/store] [--sample-datasets 1000]
                             [--skip-jena] [--skip-sparql] [--skip-pyshacl]

Without ``--store`` the generation is loaded first (as bench/load.py does). Results are
appended to BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psutil
from measure import PROJECT, append_to_benchmarks, timed_subprocess

sys.path.insert(0, str(PROJECT))

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store

from shapes.sets import OFFICIAL_SETS, dcat_ap_folder, vocabulary_files

SHARED = PROJECT.parent / "shared"
EXPORT = SHARED / "data" / "export-dataset-20260116-055249.csv.gz"
JENA_SHACL = SHARED / "tools" / "jena-shacl"
GIB = 1 << 30
BYTE_SIZE = re.compile(rb'(<http://www\.w3\.org/ns/dcat#byteSize> "[0-9]+"\^\^<http://www\.w3\.org'
                       rb'/2001/XMLSchema#)integer>')

REPORT_KEYS = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?focus ?path ?component ?severity WHERE {
  ?r a sh:ValidationResult ; sh:focusNode ?focus ; sh:sourceConstraintComponent ?component ;
     sh:resultSeverity ?severity .
  OPTIONAL { ?r sh:resultPath ?path }
}"""


def dump_ntriples(generation: Path, out: Path) -> int:
    """The generation's union graph as N-Triples, datatypes restored as ldcat serves them."""
    raw = out.with_suffix(".nq")
    Store.read_only(str(generation)).dump(str(raw), format=RdfFormat.N_QUADS)
    count = 0
    with raw.open("rb") as source, out.open("wb", buffering=1 << 22) as target:
        for line in source:
            subject_predicate_object = line.rstrip(b" .\n").rsplit(b" ", 1)[0]
            target.write(BYTE_SIZE.sub(rb"\1nonNegativeInteger>", subject_predicate_object)
                         + b" .\n")
            count += 1
    raw.unlink()
    return count


def merged(files: list[Path], out: Path) -> Path:
    """Several RDF files as one N-Triples file (so Jena's timing is parsing + validating)."""
    store = Store()
    for path in files:
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE if path.suffix == ".ttl"
                        else RdfFormat.RDF_XML, to_graph=NamedNode("urn:x-merge"))
    store.dump(str(out), format=RdfFormat.N_TRIPLES, from_graph=NamedNode("urn:x-merge"))
    return out


def report_keys(report: Path, fmt: RdfFormat) -> set[tuple[str, str, str, str]]:
    store = Store()
    store.bulk_load(path=str(report), format=fmt)
    solutions = store.query(REPORT_KEYS)
    assert isinstance(solutions, QuerySolutions)
    keys = set()
    for row in solutions:
        path = row["path"]
        keys.add((str(row["focus"]), str(path) if isinstance(path, NamedNode) else "(complex)",
                  str(row["component"]), str(row["severity"])))
    return keys


SAMPLE = """
import sys, time, json
from pathlib import Path
from pyoxigraph import Store, Quad, NamedNode
sys.path.insert(0, sys.argv[4])
from shapes.service import ValidationRequest, validate_loaded_store
generation, count, shapes_set = sys.argv[1], int(sys.argv[2]), sys.argv[3]
source = Store.read_only(generation)
graphs = [r["g"] for r in source.query(
    "SELECT ?g WHERE { GRAPH ?g { ?g a <http://www.w3.org/ns/dcat#Dataset> } } ORDER BY ?g LIMIT "
    + str(count))]
extra = [r["g"] for r in source.query(
    "SELECT DISTINCT ?g WHERE { GRAPH ?d { ?d <http://purl.org/dc/terms/publisher> ?g } "
    "FILTER(?d IN (" + ",".join(str(g) for g in graphs) + ")) }")]
extra += [r["g"] for r in source.query(
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?c a <http://www.w3.org/ns/dcat#Catalog> } }")]
store = Store()
for graph in {*graphs, *extra}:
    store.extend(source.quads_for_pattern(None, None, None, graph))
print(len(store), file=sys.stderr)
store.dump(sys.argv[5], format=__import__("pyoxigraph").RdfFormat.N_QUADS)
started = time.perf_counter()
report = validate_loaded_store(store, ValidationRequest(shapes=shapes_set))
print(json.dumps({"seconds": time.perf_counter() - started, "triples": len(store),
                  "results": len(report.results)}))
"""

PYSHACL = """
import sys, time, json, re
from rdflib import Graph
from pyshacl import validate
byte_size = re.compile(r'(<http://www.w3.org/ns/dcat#byteSize> "[0-9]+"\\^\\^<http://www.w3.org/2001/XMLSchema#)integer>')
data = Graph()
lines = []
for line in open(sys.argv[1], encoding="utf-8"):
    triple = line.rstrip(" .\\n").rsplit(" ", 1)[0]
    lines.append(byte_size.sub(r"\\1nonNegativeInteger>", triple) + " .\\n")
data.parse(data="".join(lines), format="nt")
for path in sys.argv[3:]:
    data.parse(path, format="turtle" if path.endswith(".ttl") else "xml")
shapes = Graph()
shapes.parse(sys.argv[2])
started = time.perf_counter()
_, report, _ = validate(data, shacl_graph=shapes, allow_warnings=True, inference="none")
print(json.dumps({"seconds": time.perf_counter() - started, "triples": len(data)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out")
    parser.add_argument("--store", type=Path, help="a loaded store (default: load one)")
    parser.add_argument("--sample-datasets", type=int, default=1000)
    parser.add_argument("--skip-jena", action="store_true")
    parser.add_argument("--skip-sparql", action="store_true",
                        help="do not run the SPARQL engine on the whole generation")
    parser.add_argument("--skip-pyshacl", action="store_true")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    store_dir = args.store or out / "store"
    if args.store is None:
        resources = out / "resources.csv.gz"
        if not resources.exists():
            subprocess.run([sys.executable, str(PROJECT / "bench" / "generate_resources.py"),
                            str(EXPORT), str(resources)], check=True)
        shutil.rmtree(store_dir, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "ldcat.cli", "load", str(EXPORT), str(resources),
                        "--store", str(store_dir), "--quiet"], check=True, cwd=PROJECT)
    generation = (store_dir / "current").resolve()
    manifest = json.loads((generation.parent / f"{generation.name}.json").read_text())
    dcat_ap = dcat_ap_folder()
    shapes_files = [dcat_ap / f for f in OFFICIAL_SETS["official-3.0.1"]]
    vocabularies, _ = vocabulary_files()

    # 1. ldcat, both engines
    rows: list[tuple[str, str, str, str]] = []
    engines = ["partitioned"] + ([] if args.skip_sparql else ["sparql"])
    reports: dict[str, dict[str, object]] = {}
    full_results: dict[str, set[tuple[object, ...]]] = {}
    fast_seconds = 0.0
    for engine in engines:
        report = out / f"ldcat-report-{engine}"
        seconds, pss, _ = timed_subprocess(
            [sys.executable, "-m", "ldcat.cli", "validate", "--store", str(store_dir),
             "--shapes", "official-3.0.1", "--engine", engine, "--out", str(report),
             "--scratch", str(out), "--limit", "0"],
            ok_codes=(0, 1), stdout=out / f"ldcat-report-{engine}.stdout")
        reports[engine] = json.loads(Path(f"{report}.json").read_text())
        results = reports[engine].pop("results")
        assert isinstance(results, list)
        full_results[engine] = {tuple(r.values()) for r in results}
        del results
        print(f"ldcat validate --engine {engine}: {seconds:.1f} s, {pss / GIB:.2f} GiB, "
              f"{reports[engine]['counts']}", flush=True)
        if engine == "partitioned":
            fast_seconds = seconds
        rows.append((f"`ldcat validate --engine {engine}` (validation "
                     f"{reports[engine]['seconds']:.1f} s; then the text, Turtle and JSON "
                     "reports)", f"{seconds:.1f} s", f"{pss / GIB:.2f} GiB",
                     f"{seconds / fast_seconds:.2f}"))
    fast = reports["partitioned"]
    ours = out / "ldcat-report-partitioned"
    engines_agree = "SPARQL engine not run."
    if "sparql" in reports:
        same = full_results["partitioned"] == full_results["sparql"]
        verdict = "yes" if same else "NO"
        engines_agree = ("Partitioned and SPARQL engines: identical results (focus, path, "
                         f"component, severity, value, shape, message, background): "
                         f"**{verdict}**.")
        print(engines_agree, flush=True)
    full_results.clear()

    comparison = "Jena not run."
    if not args.skip_jena and JENA_SHACL.exists() and shutil.which("java"):
        data_file = out / "catalog.nt"
        triples = dump_ntriples(generation, data_file)
        vocab_nt = merged(vocabularies, out / "vocabularies.nt")
        combined = out / "validation-data.nt"
        with combined.open("wb") as target:
            for part in (data_file, vocab_nt):
                with part.open("rb") as source:
                    shutil.copyfileobj(source, target, 1 << 22)
        data_file.unlink()
        shapes_nt = merged(shapes_files, out / "shapes-3.0.1.nt")
        jena_report = out / "jena-report.ttl"
        jena_seconds, jena_pss, _ = timed_subprocess(
            [str(JENA_SHACL), "--shapes", str(shapes_nt), str(combined)],
            env={"JENA_XMX": os.environ.get("JENA_XMX", "20g")}, stdout=jena_report)
        print(f"jena: {jena_seconds:.1f} s, {jena_pss / GIB:.2f} GiB", flush=True)
        rows.append((f"Apache Jena SHACL (parse {triples:,} + vocabularies, validate)",
                     f"{jena_seconds:.1f} s", f"{jena_pss / GIB:.2f} GiB",
                     f"{jena_seconds / fast_seconds:.2f}x slower than ldcat"))
        jena_keys = report_keys(jena_report, RdfFormat.TURTLE)
        ours_keys = report_keys(Path(f"{ours}.ttl"), RdfFormat.TURTLE)
        same = jena_keys == ours_keys
        comparison = (f"Second oracle: Jena {len(jena_keys):,} results, ldcat "
                      f"{len(ours_keys):,}; identical (focus, path, component, severity) "
                      f"sets: **{'yes' if same else 'NO'}**"
                      + ("" if same else f" (only Jena: {len(jena_keys - ours_keys):,}, "
                         f"only ldcat: {len(ours_keys - jena_keys):,}; e.g. "
                         f"{sorted(jena_keys ^ ours_keys)[:3]})"))
        print(comparison, flush=True)
        combined.unlink()

    # 3. pyshacl vs ldcat on a sample
    if args.skip_pyshacl:
        _write(args, generation, manifest, rows, fast, comparison, engines_agree)
        return
    sample_nq = out / "sample.nq"
    _, _, sample_output = timed_subprocess(
        [sys.executable, "-c", SAMPLE, str(generation), str(args.sample_datasets),
         "official-3.0.1", str(PROJECT), str(sample_nq)])
    sample = json.loads(sample_output)
    shapes_ttl = merged(shapes_files, out / "shapes-3.0.1.nt")
    _, py_pss, py_output = timed_subprocess(
        [sys.executable, "-c", PYSHACL, str(sample_nq), str(shapes_ttl),
         *map(str, vocabularies)])
    py = json.loads(py_output)
    per_triple = py["seconds"] / py["triples"]
    rows.append((f"pyshacl on a sample ({args.sample_datasets:,} datasets, "
                 f"{py['triples']:,} triples incl. vocabularies)", f"{py['seconds']:.1f} s",
                 f"{py_pss / GIB:.2f} GiB",
                 f"{py['seconds'] / sample['seconds']:.0f}x slower than ldcat on the same "
                 f"sample ({sample['seconds']:.2f} s); extrapolated to the whole graph: "
                 f"~{per_triple * manifest['quads'] / 60:.0f} min"))

    _write(args, generation, manifest, rows, fast, comparison, engines_agree)
    sample_nq.unlink(missing_ok=True)


def _write(args: argparse.Namespace, generation: Path, manifest: dict[str, object],
           rows: list[tuple[str, str, str, str]], fast: dict[str, object], comparison: str,
           engines_agree: str) -> None:
    command = "python bench/validate.py " + " ".join(sys.argv[1:])
    lines = [
        f"## Full-catalogue SHACL validation ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / GIB:.0f} GiB, "
        f"Python {platform.python_version()}  ",
        f"Graph: generation {generation.name}, {manifest['quads']:,} quads "
        f"({manifest['published']}); shapes: official DCAT-AP 3.0.1 (shapes, range, "
        "mdr-vocabularies, recommended, deprecateduris); background: the EU vocabularies of "
        "../shared + ontology/eu-concepts.ttl.",
        "",
        "| validator | wall | peak memory (PSS, process tree) | ratio |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        f"ldcat results: {fast['counts']} ({fast['checks']} checks). {engines_agree} "
        f"{comparison}",
        "",
    ]
    append_to_benchmarks("\n".join(lines))


if __name__ == "__main__":
    main()
