"""The search index read from the records' text (loader.search_scan, what loads build in the
background) is the index read from the store with SPARQL (loader.search_index), table by
table, on the demo and on the real 2,000-dataset sample; and loads publish it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from loader.generations import StoreLayout
from loader.report import LoadReport
from loader.search_index import build_search_index, extract_from_store, index_path, read_labels
from loader.search_scan import TextExtraction, build_from_text

TABLES = ("meta", "datasets", "facet_values", "dataset_facets", "pages", "fulltext_data",
          "fulltext_idx", "fulltext_docsize")
"""Every table, the full-text index's own included (its b-tree is the same bytes when the
same rows went in in the same order)."""


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in TABLES}
    finally:
        connection.close()


def _both_ways(store_dir: Path, scratch: Path) -> tuple[dict[str, list[tuple[object, ...]]],
                                                         dict[str, list[tuple[object, ...]]]]:
    layout = StoreLayout(store_dir)
    generation = layout.current()
    assert generation is not None
    assert generation.base_iri
    graphs = layout.graphs(generation)
    store = Store.read_only(str(generation.path))
    from_store, from_text = scratch / "store.sqlite", scratch / "text.sqlite"
    build_search_index(store, from_store, generation.base_iri, graphs)
    text_dir = generation.path.with_name(f"{generation.path.name}.text")
    build_from_text(text_dir, graphs, read_labels(store), generation.base_iri, from_text)
    return _tables(from_store), _tables(from_text)


def test_text_and_store_give_the_same_index_on_the_demo(
        demo_store: tuple[Path, LoadReport], tmp_path: Path) -> None:
    by_store, by_text = _both_ways(demo_store[0], tmp_path)
    assert len(by_store["datasets"]) >= 40
    assert {row[1] for row in by_store["facet_values"]} == {
        "organization", "license", "format", "theme"}
    assert any(row[5] for row in by_store["datasets"])  # an archived dataset
    assert any(row[0] == "resources" and row[2] for row in by_store["pages"])
    for table in TABLES:
        assert by_text[table] == by_store[table], table


def test_text_and_store_give_the_same_index_on_the_real_sample(
        real_sample_store: Path, tmp_path: Path) -> None:
    by_store, by_text = _both_ways(real_sample_store, tmp_path)
    assert len(by_store["datasets"]) >= 1_900
    for table in TABLES:
        assert by_text[table] == by_store[table], table


def test_a_load_publishes_the_index_built_from_the_text(
        demo_store: tuple[Path, LoadReport], tmp_path: Path) -> None:
    store_dir, report = demo_store
    assert "search index (background)" in report.seconds
    assert "search index" not in report.seconds  # not read from the store again
    generation = StoreLayout(store_dir).current()
    assert generation is not None
    by_store, _ = _both_ways(store_dir, tmp_path)
    assert _tables(index_path(generation.path)) == by_store


_A = "<http://x.org/datasets/a>"
HOSTILE = "".join(f"{line} {_A} .\n" for line in (
    f"{_A} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset>",
    f'{_A} <http://purl.org/dc/terms/title> "Caf\\u00E9 \\"noir\\"\\n"@FR',
    f'{_A} <http://purl.org/dc/terms/title> "Black coffee"@en',
    f'{_A} <http://purl.org/dc/terms/modified> '
    f'"2024-01-02T03:04:05.000"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    f'{_A} <http://www.w3.org/ns/dcat#keyword> "b"',
    f'{_A} <http://www.w3.org/ns/dcat#keyword> "a"',
    f"{_A} <http://purl.org/dc/terms/rights> _:r",
    '_:r <http://www.w3.org/2000/01/rdf-schema#label> "Tous droits"',
)).encode()
"""A record in another writer's form: ``\\u`` escapes, an upper-case language tag, a date
not in canonical form, a blank rights statement standing in for the licence."""


def test_text_in_another_form_reads_as_the_store_gives_it() -> None:
    store = Store()
    store.load(HOSTILE, format=RdfFormat.N_QUADS)
    expected = extract_from_store(store, "http://x.org")
    extraction = TextExtraction("http://x.org", {})
    extraction.add_blocks([("http://x.org/datasets/a", HOSTILE)])
    found = extraction.finish()
    dataset = found.datasets["http://x.org/datasets/a"]
    assert dataset.title == 'Café "noir"\n'
    assert dataset.modified == "2024-01-02T03:04:05"
    assert dataset.values == {"license": {"Tous droits"}}
    assert found.modified == expected.modified
    assert sorted(dataset.keywords) == sorted(expected.datasets[dataset.iri].keywords)
    other = expected.datasets[dataset.iri]
    assert (other.title, other.modified, other.values["license"]) == (
        dataset.title, dataset.modified, dataset.values["license"])
