"""Descriptions rendered at publication: the same bytes and headers as the per-request path,
served when usable, ignored when not, and a failed rendering publishes nothing."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Store
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.prerendered import (
    KINDS,
    DescriptionsCompanion,
    description_path,
    render_document,
)
from endpoint.record_documents import build_document
from endpoint.record_index import RecordIndex
from ldcat.cli import demo_sources
from loader.background import BackgroundFailed
from loader.generations import Generation, GraphEntry, StoreLayout
from loader.load import LoadOptions, load
from loader.repo import EmbeddedRepo
from loader.report import LoadReport
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row

VARIANTS = {"text/turtle": "turtle", "application/ld+json": "jsonld"}


def _copy(store: Path, folder: Path) -> Path:
    """A copy of ``store`` to change (the demo store is shared by every test)."""
    copy = folder / "store"
    shutil.copytree(store, copy, symlinks=True)
    return copy


def _rows(store: Path) -> dict[str, tuple[str, str | None, bytes, bytes]]:
    layout = StoreLayout(store)
    generation = layout.current()
    assert generation is not None
    with sqlite3.connect(description_path(generation.path)) as connection:
        return {iri: (version, modified, zlib.decompress(turtle), zlib.decompress(jsonld))
                for iri, version, modified, turtle, jsonld in connection.execute(
                    "SELECT iri, version, modified, turtle, jsonld FROM descriptions")}


def test_rendered_descriptions_equal_the_per_request_ones(
        demo_store: tuple[Path, LoadReport]) -> None:
    store, report = demo_store
    assert report.seconds["descriptions (background)"] > 0
    rows = _rows(store)
    repo = EmbeddedRepo(store)
    generation = repo.generation()
    assert generation is not None
    graphs = repo.graph_index(generation)
    expected = sorted(iri for iri, entry in graphs.items() if entry.kind in KINDS)
    assert sorted(rows) == expected
    assert {"datasets", "organizations", "reuses"} <= {graphs[iri].kind for iri in rows}
    index = RecordIndex(repo)
    for iri, (version, modified, turtle, jsonld) in rows.items():
        document = build_document(repo, index, generation, graphs[iri].kind, iri)
        assert document is not None
        assert (version, modified) == (document.version, document.modified.isoformat()
                                       if document.modified else None)
        assert (turtle, jsonld) == render_document(document, generation.base_iri), iri


def _answers(client: TestClient, paths: list[str]) -> list[tuple[int, bytes, str, str]]:
    answers = []
    for path in paths:
        for accept in VARIANTS:
            response = client.get(path, headers={"accept": accept})
            answers.append((response.status_code, response.content, response.headers["etag"],
                            response.headers["last-modified"]))
            again = client.get(path, headers={"accept": accept,
                                              "if-none-match": response.headers["etag"]})
            assert again.status_code == 304
    return answers


def _record_paths(store: Path) -> list[str]:
    return sorted(iri[len(BASE):] for iri in _rows(store))


def test_served_from_the_file_when_usable_else_built(
        demo_store: tuple[Path, LoadReport], tmp_path: Path) -> None:
    copy = _copy(demo_store[0], tmp_path)
    paths = _record_paths(copy)
    assert any(path.startswith("/datasets/") for path in paths)
    with_file = _answers(TestClient(create_app_for_store(copy)), paths)

    generation = StoreLayout(copy).current()
    assert generation is not None
    rendered = description_path(generation.path)
    dataset = next(path for path in paths if path.startswith("/datasets/"))
    with sqlite3.connect(rendered) as connection:  # prove which path answers
        connection.execute("UPDATE descriptions SET turtle = ? WHERE iri = ?",
                           (zlib.compress(b"# rendered at publication\n"), BASE + dataset))
    marked = TestClient(create_app_for_store(copy)).get(dataset,
                                                        headers={"accept": "text/turtle"})
    assert marked.content == b"# rendered at publication\n"
    with sqlite3.connect(rendered) as connection:  # another renderer's file: not used
        connection.execute("UPDATE meta SET value = 'old' WHERE key = 'renderer_version'")
    stale = TestClient(create_app_for_store(copy)).get(dataset,
                                                       headers={"accept": "text/turtle"})
    assert stale.content.startswith(b"@prefix")

    rendered.unlink()
    without_file = _answers(TestClient(create_app_for_store(copy)), paths)
    assert with_file == without_file


def test_update_loads_render_their_own_descriptions(
        demo_store: tuple[Path, LoadReport], tmp_path: Path,
        write_csv: Callable[..., Path]) -> None:
    copy = _copy(demo_store[0], tmp_path)
    before = _rows(copy)
    dataset = next(iri for iri in sorted(before) if "/datasets/" in iri)
    identifier = dataset.rsplit("/", 1)[1]
    source = write_csv("datasets.csv", csv_text(DATASET_HEADER, [
        dataset_row(identifier, title="Retitled by an update")]))
    load([source], copy, LoadOptions(update=True, workers=1,
                                     companions=(DescriptionsCompanion(),)))
    after = _rows(copy)
    assert b"Retitled by an update" in after[dataset][2]
    assert b"Retitled by an update" not in before[dataset][2]
    client = TestClient(create_app_for_store(copy))
    assert b"Retitled by an update" in client.get(dataset[len(BASE):] + ".jsonld").content


def test_a_load_copies_unchanged_descriptions_and_renders_changed_ones(
        demo_store: tuple[Path, LoadReport], tmp_path: Path,
        write_csv: Callable[..., Path]) -> None:
    copy = _copy(demo_store[0], tmp_path)
    before = _rows(copy)
    generation = StoreLayout(copy).current()
    assert generation is not None
    with (Path(demo_sources()[0]).parent / "organizations.csv").open(encoding="utf-8") as file:
        rows: list[list[str | int | bool]] = [list(row) for row in csv.reader(file, delimiter=";")]
    header, publisher = [str(name) for name in rows[0]], rows[1]
    organization = f"{BASE}/organizations/{publisher[0]}".encode()
    datasets = [iri for iri in sorted(before) if "/datasets/" in iri]
    published_by = [iri for iri in datasets if organization in before[iri][2]]
    others = [iri for iri in datasets if iri not in published_by]
    changed, untouched, renamed = others[0], others[1], published_by[0]
    with sqlite3.connect(description_path(generation.path)) as connection:
        for iri in (changed, untouched, renamed):  # a copied row keeps the mark
            connection.execute("UPDATE descriptions SET turtle = ? WHERE iri = ?",
                               (zlib.compress(b"# marked\n"), iri))
    publisher[header.index("name")] = "Renamed by an update"
    load([write_csv("datasets.csv", csv_text(DATASET_HEADER, [
              dataset_row(changed.rsplit("/", 1)[1], title="Retitled")])),
          write_csv("organizations.csv", csv_text(header, [publisher]))],
         copy, LoadOptions(update=True, workers=1, companions=(DescriptionsCompanion(),)))
    after = _rows(copy)
    assert after[untouched][2] == b"# marked\n"  # copied from the parent
    assert b"Retitled" in after[changed][2]  # its graph changed: rendered again
    for iri in published_by:  # their publisher's name changed: rendered again
        assert b"Renamed by an update" in after[iri][2], iri
    assert all(after[iri] == before[iri] for iri in others[2:])


class _Failing:
    name = "failing"
    suffix = ".failing"

    def __init__(self, how: str) -> None:
        self.how = how

    def prepare(self, store: Store, graphs: dict[str, GraphEntry], base_iri: str,
                parent: Generation | None) -> Callable[[Path, Path], float]:
        def build(text_dir: Path, target: Path) -> float:
            if self.how == "die":
                os._exit(3)
            raise OSError(f"cannot write {target.name}")

        return build


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failed_background_file_publishes_nothing(
        demo_store: tuple[Path, LoadReport], tmp_path: Path, how: str) -> None:
    copy = _copy(demo_store[0], tmp_path)
    published = StoreLayout(copy).current()
    assert published is not None
    with pytest.raises(BackgroundFailed, match="cannot write" if how == "raise" else "died"):
        load(demo_sources(), copy, LoadOptions(base_iri=BASE, workers=1,
                                               companions=(_Failing(how),)))
    layout = StoreLayout(copy)
    current = layout.current()
    assert current is not None
    assert current.id == published.id
    assert not list((copy / "generations").glob("*.failing"))


def test_a_store_named_by_a_relative_path(demo_store: tuple[Path, LoadReport], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(demo_store[0], tmp_path)
    dataset = next(path for path in _record_paths(copy) if path.startswith("/datasets/"))
    generation = StoreLayout(copy).current()
    assert generation is not None
    with sqlite3.connect(description_path(generation.path)) as connection:
        connection.execute("UPDATE descriptions SET turtle = ? WHERE iri = ?",
                           (zlib.compress(b"# rendered\n"), BASE + dataset))
    monkeypatch.chdir(tmp_path)
    client = TestClient(create_app_for_store(Path("store")))
    assert client.get(dataset, headers={"accept": "text/turtle"}).content == b"# rendered\n"
