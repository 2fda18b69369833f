"""Shared fixtures: paths to ../shared, a loaded demo store, small CSV writers."""

from __future__ import annotations

import gzip
import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from endpoint.prerendered import DescriptionsCompanion
from ldcat.cli import demo_sources
from loader.load import LoadOptions, load
from loader.report import LoadReport
from tests.remote_stores import (
    TEMPLATE_CACHE,
    RemoteStore,
    Unavailable,
    oxigraph_command,
    oxigraph_store,
    virtuoso_command,
    virtuoso_store,
    virtuoso_template,
)

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
REAL_EXPORT = SHARED / "data" / "export-dataset-20260116-055249.csv.gz"
DCAT_AP = SHARED / "dcat-ap"
BASE = "https://data.example.org"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the SHACL Warning counts the conformance tests recorded (not asserted)."""
    lines = []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            properties = dict(getattr(report, "user_properties", []))
            if "shacl_warnings" in properties and report.when == "call":
                lines.append(f"{properties['shacl_warnings']:7d}  {report.nodeid}")
    if lines:
        terminalreporter.write_sep("-", "SHACL Warnings on ldcat's nodes (not asserted)")
        for line in sorted(lines, key=lambda text: text.split(None, 1)[1]):
            terminalreporter.write_line(line)


def requires_shared(path: Path) -> None:
    """Skip the calling test when a file of ../shared is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared not beside the project)")


@pytest.fixture(scope="session")
def real_export() -> Path:
    requires_shared(REAL_EXPORT)
    return REAL_EXPORT


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoadReport]:
    """The demo catalogue loaded once, under :data:`BASE`."""
    store = tmp_path_factory.mktemp("demo-store")
    report = load(demo_sources(), store, LoadOptions(base_iri=BASE, workers=1,
                                                     companions=(DescriptionsCompanion(),)))
    return store, report


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def csv_text(header: list[str], rows: list[list[str | int | bool]]) -> str:
    """Text in the udata dialect: strings quoted, numbers and booleans bare, CRLF."""

    def cell(value: str | int | bool) -> str:
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, int):
            return str(value)
        return quote(value)

    lines = [";".join(quote(name) for name in header)]
    lines += [";".join(cell(value) for value in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


DATASET_HEADER = [
    "id", "title", "slug", "acronym", "url", "organization", "organization_id", "owner",
    "owner_id", "description", "description_short", "frequency", "license",
    "temporal_coverage.start", "temporal_coverage.end", "spatial.granularity", "spatial.zones",
    "featured", "created_at", "last_modified", "tags", "archived", "resources_count",
    "main_resources_count", "resources_formats", "harvest.backend", "harvest.domain",
    "harvest.created_at", "harvest.modified_at", "harvest.remote_url", "quality_score",
    "metric.discussions", "metric.discussions_open", "metric.reuses", "metric.reuses_by_months",
    "metric.dataservices", "metric.followers", "metric.followers_by_months", "metric.views",
    "metric.resources_downloads",
]


def dataset_row(identifier: str, **values: str | int | bool) -> list[str | int | bool]:
    """A plausible dataset row (40 columns, January 2026 layout) with ``values`` overriding."""
    row: dict[str, str | int | bool] = {name: "" for name in DATASET_HEADER}
    row.update({
        "id": identifier, "title": f"Jeu {identifier}", "slug": f"jeu-{identifier}",
        "url": f"https://www.data.gouv.fr/datasets/jeu-{identifier}",
        "organization": "Ville de Test", "organization_id": "org1",
        "description": "Une description.", "frequency": "annual",
        "license": "Licence Ouverte / Open Licence version 2.0", "featured": False,
        "created_at": "2024-01-02T03:04:05", "last_modified": "2025-01-02T03:04:05",
        "tags": "budget,finances", "archived": False, "resources_count": 0,
        "main_resources_count": 0, "quality_score": "0.5",
    })
    for name in ("metric.discussions", "metric.discussions_open", "metric.reuses",
                 "metric.reuses_by_months", "metric.dataservices", "metric.followers",
                 "metric.followers_by_months", "metric.views", "metric.resources_downloads"):
        row[name] = 0
    row.update(values)
    return [row[name] for name in DATASET_HEADER]


RESOURCE_HEADER = [
    "dataset.id", "dataset.title", "dataset.slug", "dataset.url", "dataset.organization",
    "dataset.organization_id", "dataset.license", "dataset.private", "dataset.archived", "id",
    "url", "title", "description", "filetype", "type", "format", "mime", "filesize",
    "checksum.type", "checksum.value", "created_at", "modified", "downloads",
    "harvest.issued_at", "harvest.modified_at", "harvest.last_update", "schema_name",
    "schema_version", "preview_url", "extras",
]


def resource_row(dataset_id: str, identifier: str,
                 **values: str | int | bool) -> list[str | int | bool]:
    """A plausible resource row with ``values`` overriding."""
    row: dict[str, str | int | bool] = {name: "" for name in RESOURCE_HEADER}
    row.update({
        "dataset.id": dataset_id, "dataset.private": False, "dataset.archived": False,
        "id": identifier, "url": f"https://static.data.gouv.fr/resources/x/{identifier}.csv",
        "title": f"Fichier {identifier}", "filetype": "file", "type": "main", "format": "csv",
        "mime": "text/csv", "filesize": 1234, "checksum.type": "sha1",
        "checksum.value": "a" * 40, "created_at": "2024-01-02T03:04:05",
        "modified": "2024-02-02T03:04:05", "downloads": 3, "extras": "{}",
    })
    row.update(values)
    return [row[name] for name in RESOURCE_HEADER]


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a CSV (optionally gzipped, optionally as raw bytes) into the test's temp dir."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return path

    return write


def load_bench_module(name: str) -> ModuleType:
    """Import a module of ``bench/`` (not an installed package) by path."""
    path = PROJECT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


REAL_SAMPLE_DATASETS = 2000


@pytest.fixture(scope="session")
def real_sample_store(tmp_path_factory: pytest.TempPathFactory, real_export: Path) -> Path:
    """The first 2,000 real datasets with generated resources, loaded (never modify it:
    copy it first)."""
    from tests.samples import every_row, load_sample

    return load_sample(tmp_path_factory.mktemp("real-sample"), real_export, every_row,
                       REAL_SAMPLE_DATASETS)


# --- Remote SPARQL stores (tests/remote_stores.py) -----------------------------------------

REMOTE_CACHE = TEMPLATE_CACHE


def require(check: Callable[[], str]) -> None:
    """Skip the calling test when ``check`` says its component is not installed."""
    try:
        check()
    except Unavailable as absent:
        pytest.skip(str(absent))


@pytest.fixture(scope="session")
def virtuoso_template_dir() -> Path:
    """The Virtuoso template database (built once per Virtuoso version, cached per user)."""
    require(virtuoso_command)
    return virtuoso_template(REMOTE_CACHE)


@pytest.fixture(scope="module")
def oxigraph_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    """A private ``oxigraph serve`` (empty, writable) for the test module."""
    require(oxigraph_command)
    with oxigraph_store(tmp_path_factory.mktemp("oxigraph")) as store:
        yield store


@pytest.fixture(scope="module")
def virtuoso_remote(tmp_path_factory: pytest.TempPathFactory,
                    virtuoso_template_dir: Path) -> Iterator[RemoteStore]:
    """A private Virtuoso (template copy, writable by anonymous SPARQL) for the test module."""
    with virtuoso_store(tmp_path_factory.mktemp("virtuoso"), virtuoso_template_dir) as store:
        yield store


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote_store(request: pytest.FixtureRequest) -> RemoteStore:
    """Each remote store in turn (``oxigraph_remote``, then ``virtuoso_remote``)."""
    store: RemoteStore = request.getfixturevalue(f"{request.param}_remote")
    return store
