"""The mapped output passes the official DCAT-AP 3.0.1 SHACL shapes (pyshacl, no whitelist)."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest

from loader.load import LoadOptions, load
from loader.report import LoadReport
from tests.conftest import BASE, load_bench_module
from tests.shacl_support import shapes_graph, store_graph, violations

BASE_SHAPES = ("dcat-ap-3.0.1/shacl_shapes.ttl",)
RANGE_SHAPES = ("dcat-ap-3.0.1/shacl_shapes.ttl", "dcat-ap-3.0.1/shacl_range.ttl")
VOCABULARY_SHAPES = ("dcat-ap-3.0.1/shacl_mdr-vocabularies.shape.ttl",)


def test_demo_conforms_to_base_shapes_alone(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    found = violations(store_graph(store), shapes_graph(*BASE_SHAPES), with_vocabularies=False)
    assert not found, "\n".join(found)


def test_demo_conforms_to_range_shapes(demo_store: tuple[Path, LoadReport]) -> None:
    """Ranges need the EU vocabularies as background (concepts are typed there)."""
    store, _ = demo_store
    found = violations(store_graph(store), shapes_graph(*RANGE_SHAPES))
    assert not found, "\n".join(found)


def test_demo_vocabularies(demo_store: tuple[Path, LoadReport]) -> None:
    """Controlled vocabularies: every value is a concept of the right EU table.

    The official ``ChecksumAlgorithmRestriction`` demands ``^https://spdx.org/rdf/terms`` while
    SPDX's own algorithm IRIs are ``http://spdx.org/rdf/terms#checksumAlgorithm_*``: no
    correct checksum can pass it. Those results are shown apart here and remain open for the
    shapes issue (zero violations, no whitelist); every other vocabulary result fails the test.
    """
    store, _ = demo_store
    found = violations(store_graph(store), shapes_graph(*VOCABULARY_SHAPES))
    checksum = [line for line in found if "spdx.org/rdf/terms#algorithm " in line]
    others = [line for line in found if line not in checksum]
    assert not others, "\n".join(others)
    assert all("checksumAlgorithm_" in line for line in checksum)


@pytest.fixture(scope="module")
def real_sample_store(tmp_path_factory: pytest.TempPathFactory, real_export: Path) -> Path:
    """2,000 real datasets with generated resources, loaded."""
    folder = tmp_path_factory.mktemp("real-sample")
    sample = folder / "datasets.csv"
    with gzip.open(real_export, "rt", encoding="utf-8", newline="") as source, \
            sample.open("w", encoding="utf-8", newline="") as out:
        header = source.readline()
        out.write(header)
        reader = __import__("csv").reader(source, delimiter=";")
        writer = __import__("csv").writer(out, delimiter=";", lineterminator="\r\n",
                                          quoting=__import__("csv").QUOTE_NONNUMERIC)
        for row in itertools.islice(reader, 2000):
            writer.writerow(row)
    generator = load_bench_module("generate_resources")
    resources = folder / "resources.csv"
    generator.generate(sample, resources)
    store = folder / "store"
    load([sample, resources], store, LoadOptions(base_iri=BASE, workers=2))
    return store


def test_real_sample_conforms_to_base_shapes(real_sample_store: Path) -> None:
    found = violations(store_graph(real_sample_store), shapes_graph(*BASE_SHAPES),
                       with_vocabularies=False)
    assert not found, "\n".join(found[:200])
