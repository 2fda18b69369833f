"""HVD declarations, the catalogue API and checksum algorithms as the mapping writes them."""

from __future__ import annotations

from pathlib import Path

from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from tests.conftest import (
    BASE,
    DATASET_HEADER,
    RESOURCE_HEADER,
    csv_text,
    dataset_row,
    resource_row,
)

R5R = "http://data.europa.eu/r5r/"
HVD = "<http://data.europa.eu/eli/reg_impl/2023/138/oj>"
DCAT = "http://www.w3.org/ns/dcat#"


def _ask(store: Path, query: str) -> bool:
    return bool(EmbeddedRepo(store).query(f"ASK {{ {query} }}"))


def _load(tmp_path: Path) -> tuple[Path, list[str]]:
    datasets = tmp_path / "datasets.csv"
    datasets.write_text(csv_text(DATASET_HEADER, [
        dataset_row("ok", tags="hvd,meteo", resources_count=1),
        dataset_row("nocat", tags="hvd,divers", resources_count=1),
        dataset_row("empty", tags="hvd,meteo", resources_count=0),
    ]), "utf-8")
    resources = tmp_path / "resources.csv"
    resources.write_text(csv_text(RESOURCE_HEADER, [
        resource_row("ok", "r-ok"), resource_row("nocat", "r-nocat"),
    ]), "utf-8")
    store = tmp_path / "store"
    report = load([datasets, resources], store, LoadOptions(base_iri=BASE, workers=1))
    return store, [str(issue) for issue in report.issues]


def test_hvd_is_declared_only_with_a_category_and_a_resource(tmp_path: Path) -> None:
    store, lines = _load(tmp_path)
    ok, nocat, empty = (f"<{BASE}/datasets/{name}>" for name in ("ok", "nocat", "empty"))
    assert _ask(store, f"{ok} <{R5R}applicableLegislation> {HVD} ; <{R5R}hvdCategory> ?c")
    assert _ask(store, f"<{BASE}/resources/r-ok> <{R5R}applicableLegislation> {HVD} ; "
                       f"<{DCAT}accessURL> ?u . ?u a <http://www.w3.org/2000/01/rdf-schema#Resource>")
    for dataset in (nocat, empty):
        assert not _ask(store, f"{dataset} <{R5R}applicableLegislation> ?l")
        assert _ask(store, f'{dataset} <{DCAT}keyword> "hvd"')
    assert not _ask(store, f"<{BASE}/resources/r-nocat> <{R5R}applicableLegislation> ?l")
    assert any("no tag names an HVD category" in line for line in lines)
    assert any("it has no resource" in line for line in lines)


def test_catalogue_api_serves_every_dataset(tmp_path: Path) -> None:
    store, _ = _load(tmp_path)
    api = f"<{BASE}/catalog#api>"
    assert _ask(store, f"<{BASE}/catalog> <{DCAT}service> {api} . {api} a <{DCAT}DataService> ;"
                       f" <{DCAT}endpointURL> ?e ; <{R5R}applicableLegislation> {HVD}")
    for name in ("ok", "nocat", "empty"):
        assert _ask(store, f"{api} <{DCAT}servesDataset> <{BASE}/datasets/{name}>")


def test_checksum_algorithms_are_https_and_same_as_spdx(tmp_path: Path) -> None:
    store, _ = _load(tmp_path)
    sha1 = "<https://spdx.org/rdf/terms#checksumAlgorithm_sha1>"
    assert _ask(store, f"<{BASE}/resources/r-ok#checksum> "
                       f"<http://spdx.org/rdf/terms#algorithm> {sha1}")
    assert _ask(store, f"GRAPH <{BASE}/catalog> {{ {sha1} a "
                       "<http://spdx.org/rdf/terms#ChecksumAlgorithm> ; "
                       "<http://www.w3.org/2002/07/owl#sameAs> "
                       "<http://spdx.org/rdf/terms#checksumAlgorithm_sha1> }")
