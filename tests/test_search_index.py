"""The search index (loader.search_index) and its reader (endpoint.search_engine) on the demo
store, checked against oracles computed independently from the store by SPARQL: which
datasets a word finds, facet counts, paging, order, archived datasets; and how the index is
published (with the generation, atomically, or built later for an older generation)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions, Store

from endpoint.search_engine import SearchIndex, SearchQuery
from endpoint.search_indexes import IndexPending, SearchIndexes
from endpoint.search_text import QueryTextError
from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from loader.report import LoadReport
from loader.search_index import build_search_index, facet_key, index_path, plain_excerpt
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row

PREFIXES = ("PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "PREFIX adms: <http://www.w3.org/ns/adms#> ")


def select(store: Path, query: str) -> list[dict[str, str]]:
    result = Store.read_only(str(store / "current")).query(PREFIXES + query)
    assert isinstance(result, QuerySolutions)
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None}
            for row in result]


def fold(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer with remove_diacritics sees them."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return [word for word in re.split(r"[\W_]+", folded) if word]


@pytest.fixture(scope="module")
def demo(demo_store: tuple[Path, LoadReport]) -> tuple[Path, SearchIndex]:
    store, _ = demo_store
    generation = StoreLayout(store).current()
    assert generation is not None
    return store, SearchIndex(index_path(generation.path))


@pytest.fixture(scope="module")
def texts(demo: tuple[Path, SearchIndex]) -> dict[str, list[str]]:
    """Each not-archived dataset's searchable words (title, description, keywords)."""
    store, _ = demo
    words: dict[str, list[str]] = {}
    rows = select(store, "SELECT ?d ?t WHERE { GRAPH ?d { ?d a dcat:Dataset "
                         "FILTER NOT EXISTS { ?d adms:status ?s } "
                         "{ ?d dct:title ?t } UNION { ?d dct:description ?t } UNION "
                         "{ ?d dcat:keyword ?t } } }")
    for row in rows:
        words.setdefault(row["d"].removeprefix(BASE), []).extend(fold(row["t"]))
    return words


def oracle(texts: dict[str, list[str]], *terms: str) -> set[str]:
    """Datasets holding every term (a term of 4+ letters also as the start of a word)."""
    def has(words: list[str], term: str) -> bool:
        return any(word == term or (len(term) >= 4 and word.startswith(term))
                   for word in words)

    return {path for path, words in texts.items()
            if all(has(words, fold(term)[0]) for term in terms)}


def paths(index: SearchIndex, **fields: object) -> list[str]:
    result = index.search(SearchQuery(page_size=100, **fields))  # type: ignore[arg-type]
    assert result.total == len(result.hits)
    return [hit.path for hit in result.hits]


def test_the_loader_publishes_the_index_with_the_generation(
        demo_store: tuple[Path, LoadReport]) -> None:
    store, report = demo_store
    layout = StoreLayout(store)
    generation = layout.current()
    assert generation is not None
    path = index_path(generation.path)
    assert path == store / "generations" / f"{generation.id}.search.sqlite"
    assert not [entry.name for entry in (store / "generations").iterdir()
                if ".tmp-" in entry.name or entry.name.startswith(".staging")]
    with sqlite3.connect(path) as connection:
        count = connection.execute("SELECT COUNT(*) FROM datasets").fetchone()[0]
    assert count == report.published["datasets"]


@pytest.mark.parametrize("terms", [("transport",), ("meteo",), ("météo",), ("velo",),
                                   ("donnees", "commune"), ("gtfs",), ("budget",)])
def test_words_find_what_the_oracle_finds(demo: tuple[Path, SearchIndex],
                                          texts: dict[str, list[str]],
                                          terms: tuple[str, ...]) -> None:
    _, index = demo
    expected = oracle(texts, *terms)
    assert set(paths(index, text=" ".join(terms))) == expected
    assert expected or terms == ("budget",)


def test_phrase_and_exclusion(demo: tuple[Path, SearchIndex],
                              texts: dict[str, list[str]]) -> None:
    _, index = demo
    with_word = set(paths(index, text="transport"))
    without = set(paths(index, text="transport -gtfs"))
    assert without == with_word - oracle(texts, "gtfs")
    assert without < with_word
    phrase = set(paths(index, text='"horaires theoriques"'))
    assert phrase
    assert phrase <= oracle(texts, "horaires", "theoriques")
    with pytest.raises(QueryTextError, match="at least one word"):
        index.search(SearchQuery(text="-gtfs"))
    assert paths(index, text='" ( ) * ^ :') == paths(index)  # no word: everything


def test_titles_rank_first(demo: tuple[Path, SearchIndex]) -> None:
    _, index = demo
    hits = index.search(SearchQuery(text="gtfs")).hits
    assert len(hits) > 1
    assert "gtfs" in fold(hits[0].title)


def test_facet_counts_match_sparql(demo: tuple[Path, SearchIndex]) -> None:
    store, index = demo
    facets = index.facet_totals()
    formats = Counter({facet_key("format", row["f"]): int(row["n"]) for row in select(
        store, "SELECT ?f (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?d { ?d a dcat:Dataset ; "
               "dcat:distribution ?r FILTER NOT EXISTS { ?d adms:status ?s } "
               "{ ?r dct:format ?f } UNION { ?r <https://w3id.org/ldcat/ns#format> ?f } } } "
               "GROUP BY ?f")})
    shown = facets["format"]
    assert len(shown) == min(10, len(formats))
    assert all(formats[count.value.key] == count.count for count in shown)
    assert [count.count for count in shown] == [n for _, n in formats.most_common(len(shown))]
    publishers = Counter({row["p"].rsplit("/", 1)[1]: int(row["n"]) for row in select(
        store, "SELECT ?p (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?d { ?d a dcat:Dataset ; "
               "dct:publisher ?p FILTER NOT EXISTS { ?d adms:status ?s } } } GROUP BY ?p")})
    top = facets["organization"]
    assert [count.count for count in top] == [n for _, n in publishers.most_common(len(top))]
    assert all(publishers[count.value.key] == count.count for count in top)
    assert all(count.value.label and not count.value.label.startswith("http") for count in top)
    themes = {count.value.key: count.count for count in facets["theme"]}
    assert set(themes) == {"transport", "meteo", "ecologie"} & set(themes)
    assert themes


def test_filters_narrow_and_counts_follow(demo: tuple[Path, SearchIndex]) -> None:
    store, index = demo
    everything = set(paths(index))
    csv = set(paths(index, filters=(("format", "csv"),)))
    expected = {row["d"].removeprefix(BASE) for row in select(
        store, "SELECT DISTINCT ?d WHERE { GRAPH ?d { ?d a dcat:Dataset ; dcat:distribution/"
               "dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> "
               "FILTER NOT EXISTS { ?d adms:status ?s } } }")}
    assert csv == expected
    assert csv < everything
    result = index.search(SearchQuery(filters=(("format", "csv"),)))
    selected = [count for count in result.facets["format"] if count.selected]
    assert [(count.value.key, count.count) for count in selected] == [("csv", len(csv))]
    for count in result.facets["organization"]:
        narrowed = set(paths(index, filters=(("format", "csv"),
                                              ("organization", count.value.key))))
        assert len(narrowed) == count.count
        assert narrowed <= csv
    unknown = index.search(SearchQuery(filters=(("format", "no-such-format"),)))
    assert unknown.total == 0
    assert unknown.unknown == [("format", "no-such-format")]


def test_paging_covers_every_result_once_in_order(demo: tuple[Path, SearchIndex]) -> None:
    _, index = demo
    whole = paths(index, archived="include")
    pages: list[str] = []
    page = 1
    while True:
        result = index.search(SearchQuery(archived="include", page=page, page_size=7))
        pages.extend(hit.path for hit in result.hits)
        if page == result.pages:
            break
        page += 1
    assert pages == whole
    modified = [hit.modified or "" for hit in
                index.search(SearchQuery(archived="include", page_size=100)).hits]
    assert modified == sorted(modified, reverse=True)


def test_archived_datasets(demo: tuple[Path, SearchIndex]) -> None:
    store, index = demo
    archived = {row["d"].removeprefix(BASE) for row in select(
        store, "SELECT ?d WHERE { GRAPH ?d { ?d a dcat:Dataset ; adms:status ?s } }")}
    assert archived
    assert set(paths(index, archived="only")) == archived
    assert not archived & set(paths(index))
    assert set(paths(index, archived="include")) == set(paths(index)) | archived
    assert all(hit.archived for hit in index.search(SearchQuery(archived="only")).hits)


def test_excerpt_and_keys() -> None:
    assert plain_excerpt("**Gras** et [lien](javascript:x) <b>x</b>") == "Gras et lien x"
    assert len(plain_excerpt("mot " * 200)) <= 281
    assert facet_key("license", "Licence non spécifiée") == "licence-non-specifiee"
    assert facet_key("organization", "https://d.org/organizations/abc") == "abc"


def test_an_older_generation_gets_its_index_built_on_first_use(
        tmp_path: Path, demo_store: tuple[Path, LoadReport]) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store[0], store, symlinks=True)
    generation = StoreLayout(store).current()
    assert generation is not None
    index_path(generation.path).unlink()
    indexes = SearchIndexes()
    with pytest.raises(IndexPending):
        indexes.get(generation)
    deadline = time.monotonic() + 60
    index = None
    while index is None and time.monotonic() < deadline:
        try:
            index = indexes.get(generation)
        except IndexPending:
            time.sleep(0.1)
    assert index is not None, indexes.failures
    assert index_path(generation.path).exists()
    assert index.search(SearchQuery(text="transport")).total > 0
    assert not [entry.name for entry in (store / "generations").iterdir()
                if ".tmp-" in entry.name]


def test_a_failed_build_leaves_no_file(tmp_path: Path,
                                       demo_store: tuple[Path, LoadReport]) -> None:
    generation = StoreLayout(demo_store[0]).current()
    assert generation is not None
    target = tmp_path / "index.sqlite"

    class Broken(dict[str, object]):
        def items(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        build_search_index(Store.read_only(str(generation.path)), target, generation.base_iri,
                           Broken())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_update_load_reindexes(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(csv_text(DATASET_HEADER, [
        dataset_row("a", title="Qualité de l'eau potable"),
        dataset_row("b", title="Horaires des bus")]), "utf-8")
    change = tmp_path / "change.csv"
    change.write_text(csv_text(DATASET_HEADER, [
        dataset_row("b", title="Horaires des trains")]), "utf-8")
    store = tmp_path / "store"
    load([first], store, LoadOptions(base_iri=BASE, workers=1))
    load([change], store, LoadOptions(base_iri=BASE, workers=1, update=True))
    generation = StoreLayout(store).current()
    assert generation is not None
    index = SearchIndex(index_path(generation.path))
    assert paths(index, text="trains") == ["/datasets/b"]
    assert paths(index, text="bus") == []
    assert paths(index, text="eau") == ["/datasets/a"]
