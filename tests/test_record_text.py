"""Each record's N-Quads kept beside its generation (loader/record_text.py): the same graph
as the store holds, through snapshots, updates, worker part files and crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store

from ldcat.cli import demo_sources
from loader.generations import Generation, StoreLayout
from loader.load import LoadOptions, load
from loader.record_text import RecordText
from loader.repo import EmbeddedRepo
from loader.report import LoadReport
from ontology.datatypes import restore_datatypes
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row

OPTIONS = LoadOptions(base_iri=BASE, workers=1)


def assert_text_is_the_store(store_dir: Path, generation: Generation | None = None) -> int:
    """Every record graph's text parses to exactly the store's quads (datatypes as declared);
    returns how many records were compared."""
    layout = StoreLayout(store_dir)
    generation = generation or layout.current()
    assert generation is not None
    text = RecordText.open(layout.text_dir(generation.id))
    assert text is not None, "the generation has no records' text"
    store = Store.read_only(str(generation.path))
    graphs = layout.graphs(generation)
    assert sorted(graphs) == list(text.graphs())
    for iri in graphs:
        in_store = set(restore_datatypes(store.quads_for_pattern(None, None, None,
                                                                 NamedNode(iri))))
        in_text = set(text.quads(iri))
        assert in_text == in_store, f"{iri}: text and store differ"
    assert sum(1 for _ in store.named_graphs()) == len(graphs)
    text.close()
    return len(graphs)


def test_demo_text_is_the_store(demo_store: tuple[Path, LoadReport]) -> None:
    store_dir, _ = demo_store
    assert assert_text_is_the_store(store_dir) > 50


def test_a_batched_read_gives_each_record_as_read_alone(
        demo_store: tuple[Path, LoadReport]) -> None:
    """``blocks_of`` / ``nquads_of`` read runs of adjacent extents: the same bytes as one
    record at a time, in IRI order, records that are none skipped."""
    layout = StoreLayout(demo_store[0])
    generation = layout.current()
    assert generation is not None
    text = RecordText.open(layout.text_dir(generation.id))
    assert text is not None
    graphs = list(text.graphs())
    asked = [*graphs[::-1], "http://e/not-a-record"]
    blocks = text.blocks_of(asked)
    assert blocks == [(iri, text.nquads(iri)) for iri in graphs]
    assert text.nquads_of(asked) == b"".join(data for _, data in blocks)
    text.close()


def test_declared_datatypes_come_back_from_the_text(demo_store: tuple[Path, LoadReport]) -> None:
    repo = EmbeddedRepo(demo_store[0])
    byte_sizes = [quad.object for graph in repo.layout.graphs(repo.snapshot().generation)
                  for quad in repo.record_graph(graph)
                  if quad.predicate.value == "http://www.w3.org/ns/dcat#byteSize"]
    assert byte_sizes
    assert {literal.datatype.value for literal in byte_sizes} == {  # type: ignore[union-attr]
        "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"}


def test_update_keeps_the_parents_text_and_replaces_changed_records(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    load(demo_sources(), store_dir, OPTIONS)
    layout = StoreLayout(store_dir)
    first = layout.current()
    assert first is not None
    repo = EmbeddedRepo(store_dir)
    dataset = next(iri for iri, entry in layout.graphs(first).items() if entry.kind == "datasets")
    identifier = dataset.rsplit("/", 1)[1]
    changed = tmp_path / "changed.csv"
    changed.write_text(csv_text(DATASET_HEADER, [dataset_row(identifier, title="Titre changé"),
                                                 dataset_row("brand-new")]), "utf-8")
    load([changed], store_dir, LoadOptions(base_iri=BASE, workers=1, update=True))
    second = layout.current()
    assert second is not None
    assert second.id != first.id
    assert assert_text_is_the_store(store_dir) == len(layout.graphs(second))
    titles = {str(quad.object) for quad in repo.record_graph(dataset)
              if quad.subject == NamedNode(dataset)
              and quad.predicate.value == "http://purl.org/dc/terms/title"}
    assert titles == {'"Titre changé"@fr'}
    # The parent's files are shared (hard links), not copied.
    parent_files = {path.name: path.stat().st_ino
                    for path in layout.text_dir(first.id).glob("*.nq")}
    shared = [path for path in layout.text_dir(second.id).glob("*.nq")
              if parent_files.get(path.name) == path.stat().st_ino]
    assert shared
    assert len(shared) == len(parent_files)
    # The first generation's text is untouched by the update.
    assert assert_text_is_the_store(store_dir, first) == len(layout.graphs(first))


def test_a_generation_without_text_is_read_from_the_store(tmp_path: Path,
                                                          demo_store: tuple[Path, LoadReport]
                                                          ) -> None:
    copy = tmp_path / "store"
    shutil.copytree(demo_store[0], copy, symlinks=True)
    layout = StoreLayout(copy)
    generation = layout.current()
    assert generation is not None
    with_text = EmbeddedRepo(copy)
    graph = f"{BASE}/catalog"
    expected = set(with_text.record_graph(graph))
    shutil.rmtree(layout.text_dir(generation.id))
    without_text = EmbeddedRepo(copy)
    assert without_text.snapshot().text is None
    assert set(without_text.record_graph(graph)) == expected
    assert all(isinstance(quad, Quad) for quad in expected)
    assert expected


def test_an_interrupted_publication_leaves_no_orphan_text(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    load(demo_sources(), store_dir, OPTIONS)
    layout = StoreLayout(store_dir)
    orphan = layout.text_dir("g000002")  # renamed into place, then the load died
    orphan.mkdir()
    (orphan / "index.sqlite").write_bytes(b"")
    load(demo_sources(), store_dir, OPTIONS)
    assert not orphan.exists() or (layout.generations_dir / "g000002").is_dir()
    assert_text_is_the_store(store_dir)
