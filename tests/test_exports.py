"""Full dumps: every format parses back to the store's graph, the manifest's sizes and
checksums are the files', writes are atomic, and ``/exports/`` serves them with ETag and Range."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import Dataset, NamedNode, Quad, RdfFormat, Store, parse
from starlette.testclient import TestClient

from exports.dumps import DUMP_FORMATS, PROFILES, DumpFormat, write_dump
from exports.manifest import read_manifest
from exports.service import export_generation
from ldcat.cli import main
from loader.generations import Generation, StoreLayout
from loader.repo import Snapshot
from loader.report import LoadReport
from ontology.datatypes import restore_datatypes
from ontology.namespaces import DCAT, DCATAP, DCT, HVD_LEGISLATION, RDF, SPDX, VOID
from shapes.service import ValidationRequest, validate_file
from tests.conftest import DCAT_AP, requires_shared
from tests.sparql_support import open_client

DEMO_THEMES = ("theme-ecologie", "theme-meteo", "theme-transport")


@pytest.fixture(scope="module")
def exported(demo_store: tuple[Path, LoadReport],
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with its dumps written by ``ldcat export``'s service."""
    store = tmp_path_factory.mktemp("exported") / "store"
    shutil.copytree(demo_store[0], store, symlinks=True)
    export_generation(store)
    return store


@pytest.fixture(scope="module")
def published(exported: Path) -> list[Quad]:
    generation = StoreLayout(exported).current()
    assert generation is not None
    store = Store.read_only(str(generation.path))
    return [q for q in restore_datatypes(list(store)) if isinstance(q, Quad)]


@pytest.fixture(scope="module")
def http(exported: Path) -> Iterator[TestClient]:
    with open_client(exported, query_workers=1) as client:
        yield client


def _folder(store: Path) -> Path:
    generation = StoreLayout(store).current()
    assert generation is not None
    return store / "exports" / generation.id


@pytest.mark.parametrize("dump", DUMP_FORMATS, ids=[d.name for d in DUMP_FORMATS])
def test_dumps_round_trip_to_the_store(exported: Path, published: list[Quad],
                                       dump: DumpFormat) -> None:
    data = gzip.decompress((_folder(exported) / dump.file_name()).read_bytes())
    statements = list(parse(data, format=dump.rdf_format))
    if dump.rdf_format.supports_datasets:
        assert Dataset(statements) == Dataset(published)
        assert {q.graph_name for q in statements} == {q.graph_name for q in published}
    else:
        expected = {q.triple for q in published}
        assert {t.triple if isinstance(t, Quad) else t for t in statements} == expected


def test_manifest_matches_the_files(exported: Path) -> None:
    manifest = read_manifest(_folder(exported))
    assert manifest is not None
    assert sorted((entry.profile, entry.format) for entry in manifest.files) == sorted(
        (profile, d.name) for profile in (*PROFILES, *DEMO_THEMES) for d in DUMP_FORMATS)
    for entry in manifest.files:
        data = (_folder(exported) / entry.file).read_bytes()
        assert entry.byte_size == len(data)
        assert entry.sha256 == hashlib.sha256(data).hexdigest()


def test_a_failed_write_leaves_the_published_dump(exported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    target = folder / DUMP_FORMATS[1].file_name()
    target.write_bytes(b"previous")

    class Broken:
        def __iter__(self) -> Iterator[Quad]:
            raise OSError("disk gone")

        def dump(self, *_: object, **__: object) -> None:
            raise OSError("disk gone")

    broken = Snapshot(Broken(), Generation("g000001", folder, {}), None)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk gone"):
        write_dump(broken, DUMP_FORMATS[1], folder)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in folder.iterdir()] == [target.name]


def test_exports_route_serves_manifest_files_etag_and_ranges(http: TestClient,
                                                              exported: Path) -> None:
    index = http.get("/exports/")
    assert index.status_code == 200
    manifest = index.json()
    entry = next(e for e in manifest["files"] if e["format"] == "nt"
                 and e["profile"] == "dcat-ap-3")
    as_turtle = http.get("/exports/", headers={"accept": "text/turtle"})
    triples = list(parse(as_turtle.content, format=RdfFormat.TURTLE))
    distributions = {t.subject for t in triples if t.object == NamedNode(DCAT.Distribution)}
    assert len(distributions) == len(manifest["files"])
    whole = http.get(f"/exports/{entry['file']}")
    assert whole.status_code == 200
    assert int(whole.headers["content-length"]) == entry["byte_size"]
    assert whole.headers["etag"] == f'"{entry["sha256"]}"'
    assert hashlib.sha256(whole.content).hexdigest() == entry["sha256"]
    part = http.get(f"/exports/{entry['file']}", headers={"range": "bytes=10-29"})
    assert part.status_code == 206
    assert part.content == whole.content[10:30]
    assert http.get(f"/exports/{entry['file']}",
                    headers={"if-none-match": whole.headers["etag"]}).status_code == 304
    assert http.get("/exports/catalog.exe").status_code == 404
    assert http.get("/exports/..%2Fg000001.json").status_code == 404


def test_the_rdf_manifest_states_each_file_as_served(http: TestClient, exported: Path) -> None:
    """Every dcat:Distribution of the RDF manifest: its download URL serves a file whose
    size and SHA-256 are the ones stated, and its checksum names SHA-256."""
    triples = list(parse(http.get("/exports/", headers={"accept": "text/turtle"}).content,
                         format=RdfFormat.TURTLE))

    def objects(subject: object, predicate: str) -> list[object]:
        return [t.object for t in triples if t.subject == subject
                and t.predicate == NamedNode(predicate)]

    distributions = [t.subject for t in triples if t.object == NamedNode(DCAT.Distribution)]
    assert distributions
    for distribution in distributions:
        [url] = objects(distribution, DCAT.downloadURL)
        served = http.get(urlsplit(url.value).path)  # type: ignore[attr-defined]
        assert served.status_code == 200
        [size] = objects(distribution, DCAT.byteSize)
        assert int(size.value) == len(served.content)  # type: ignore[attr-defined]
        [checksum] = objects(distribution, SPDX.checksum)
        [value] = objects(checksum, SPDX.checksumValue)
        assert value.value == hashlib.sha256(served.content).hexdigest()  # type: ignore[attr-defined]
        [algorithm] = objects(checksum, SPDX.algorithm)
        assert algorithm.value.endswith("/rdf/terms#checksumAlgorithm_sha256")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("header", "status", "part"), [
    ("bytes=0-9", 206, slice(0, 10)),
    ("bytes=-16", 206, slice(-16, None)),  # the last 16 bytes
    ("bytes=100-", 206, slice(100, None)),  # from byte 100 to the end
    ("bytes=999999999-", 416, None),  # past the end
])
def test_range_requests(http: TestClient, exported: Path, header: str, status: int,
                        part: slice | None) -> None:
    entry = http.get("/exports/").json()["files"][0]
    whole = http.get(f"/exports/{entry['file']}").content
    answer = http.get(f"/exports/{entry['file']}", headers={"range": header})
    assert answer.status_code == status, answer.text
    if part is not None:
        assert answer.content == whole[part]
        assert answer.headers["content-range"].endswith(f"/{len(whole)}")
    else:
        assert answer.headers["content-range"] == f"bytes */{len(whole)}"


def test_void_names_the_dumps(http: TestClient) -> None:
    triples = list(parse(http.get("/-/void", headers={"accept": "text/turtle"}).content,
                         format=RdfFormat.TURTLE))
    dumps = {t.object.value for t in triples if t.predicate == NamedNode(VOID.dataDump)}
    assert len(dumps) == len(DUMP_FORMATS) * (len(PROFILES) + len(DEMO_THEMES))
    assert all(iri.endswith(".gz") and "/exports/" in iri for iri in dumps)


def test_no_dumps_yet_is_a_clear_404(demo_store: tuple[Path, LoadReport]) -> None:
    with open_client(demo_store[0], query_workers=1) as client:
        response = client.get("/exports/")
    assert response.status_code == 404
    assert "ldcat export" in response.json()["message"]


def test_export_cli(exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["export", "--store", str(exported), "--out", str(out), "--format", "nt",
                 "--profile", "hvd"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(entry["format"], entry["profile"]) for entry in manifest["files"]] == [("nt", "hvd")]
    assert main(["export", "--store", str(tmp_path / "nothing")]) == 2


@pytest.mark.parametrize(("profile", "shape_set"), [
    ("dcat-ap-3", "official-3.0.1"), ("dcat-ap-2.1.1", "official-2.1.1"), ("hvd", "hvd"),
    ("hvd", "official-3.0.1"), ("theme-transport", "official-3.0.1")])
def test_each_profile_passes_its_official_shapes(exported: Path, profile: str,
                                                 shape_set: str, tmp_path: Path) -> None:
    """Zero Violations on ldcat's nodes; the formats of one profile hold the same graph."""
    requires_shared(DCAT_AP / "vocabularies")
    folder = _folder(exported)
    dump = tmp_path / "dump.nt"
    dump.write_bytes(gzip.decompress((folder / DUMP_FORMATS[1].file_name(profile)).read_bytes()))
    report = validate_file(dump, ValidationRequest(shapes=shape_set))
    assert report.checks > 0
    assert report.conforms, report.to_text(limit=50)
    graph = set(parse(dump.read_bytes(), format=RdfFormat.N_TRIPLES))
    turtle = gzip.decompress((folder / DUMP_FORMATS[2].file_name(profile)).read_bytes())
    assert set(parse(turtle, format=RdfFormat.TURTLE)) == graph


def test_hvd_catalogue_holds_only_hvd_records(exported: Path, published: list[Quad]) -> None:
    data = gzip.decompress((_folder(exported) / DUMP_FORMATS[0].file_name("hvd")).read_bytes())
    quads = list(parse(data, format=RdfFormat.N_QUADS))
    datasets = {q.subject for q in quads if q.predicate == NamedNode(RDF.type)
                and q.object == NamedNode(DCAT.Dataset)}
    hvd = {q.subject for q in published if q.predicate == NamedNode(DCATAP.applicableLegislation)
           and q.object == NamedNode(HVD_LEGISLATION)}
    assert datasets
    assert datasets <= hvd
    all_datasets = {q.subject for q in published if q.predicate == NamedNode(RDF.type)
                    and q.object == NamedNode(DCAT.Dataset)}
    assert datasets == hvd & all_datasets


def test_a_thematic_catalogue_dump_holds_its_datasets(exported: Path,
                                                       published: list[Quad]) -> None:
    data = gzip.decompress((_folder(exported) / DUMP_FORMATS[0].file_name("theme-meteo"))
                           .read_bytes())
    quads = list(parse(data, format=RdfFormat.N_QUADS))
    theme = next(q.subject for q in published if q.predicate == NamedNode(DCT.isPartOf)
                 and q.subject.value.endswith("/themes/meteo"))  # type: ignore[union-attr]
    members = {q.object for q in published if q.subject == theme
               and q.predicate == NamedNode(DCAT.dataset)}
    datasets = {q.subject for q in quads if q.predicate == NamedNode(RDF.type)
                and q.object == NamedNode(DCAT.Dataset)}
    assert members
    assert datasets == members
    graphs = {q.graph_name for q in quads}
    assert theme in graphs
    # each record graph comes whole, as published
    for graph in graphs:
        assert {q for q in quads if q.graph_name == graph} == \
            {q for q in published if q.graph_name == graph}


def test_export_refuses_an_unknown_theme(exported: Path, tmp_path: Path) -> None:
    assert main(["export", "--store", str(exported), "--out", str(tmp_path / "o"),
                 "--profile", "theme-nowhere"]) == 2
    assert main(["export", "--store", str(exported), "--out", str(tmp_path / "o"),
                 "--profile", "bogus"]) == 2
