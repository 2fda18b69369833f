"""The search index's fields read from the records' text instead of the store.

:func:`loader.search_index.extract` asks the store with SPARQL; a load that keeps its records'
text (:mod:`loader.record_text`) reads the same facts from it in a background process, one
pass over every record graph: each graph's statements (as strings, parsed only when the text
is not in ldcat's own form) are sorted into the fields of the dataset the graph is about, the
pages' ``lastmod`` and the distributions the graph lists. Literals are taken in the form the
store gives them back (:mod:`shapes.terms`), so both paths write the same index
(``tests/test_search_scan.py`` compares them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from loader.generations import Generation, GraphEntry
from loader.record_text import RecordText
from loader.search_index import (
    SEARCH_SUFFIX,
    Extraction,
    Queryable,
    SearchDataset,
    choose_value,
    read_labels,
    write_index,
)
from ontology.namespaces import ADMS, DCAT, DCT, LDC, RDF, RDFS
from shapes.graphindex import record_statements
from shapes.terms import Canonical, literal_parts

_TYPE = str(RDF.type)
_DATASET = f"<{DCAT.Dataset}>"
_CATALOG = f"<{DCAT.Catalog}>"
_TITLE, _MODIFIED, _STATUS = str(DCT.title), str(DCT.modified), str(ADMS.status)
_DESCRIPTION, _KEYWORD, _PUBLISHER = str(DCT.description), str(DCAT.keyword), str(DCT.publisher)
_LICENSE, _RIGHTS, _LABEL = str(DCT.license), str(DCT.rights), str(RDFS.label)
_FORMAT, _FORMAT_TEXT = str(DCT.format), str(LDC.format)
_IN_CATALOG, _DISTRIBUTION = str(DCAT.dataset), str(DCAT.distribution)
_FACET_OF = {_LICENSE: "license", _FORMAT: "format", _FORMAT_TEXT: "format"}
"""Predicates whose values (of any subject of a dataset's graph) are facet values."""
BATCH_GRAPHS = 4_000


class _Value:
    """A term's value as the store's ``.value`` gives it, and its language tag."""

    def __init__(self) -> None:
        self._canonical = Canonical()

    def __call__(self, term: str) -> tuple[str, str] | None:
        """(value, language) of an IRI or literal; ``None`` for a blank node."""
        if term[0] == "<":
            return term[1:-1], ""
        if term[0] != '"':
            return None
        if term[-1] == ">":
            term = self._canonical(term)
        lexical, _, language = literal_parts(term)
        return lexical, language


class TextExtraction:
    """Collects an :class:`Extraction` from record graphs given one at a time."""

    def __init__(self, base_iri: str, labels: dict[str, str]) -> None:
        self.base_iri = base_iri
        self.root = f"<{base_iri}/catalog>"
        self.value = _Value()
        self.datasets: dict[str, SearchDataset] = {}
        self.themes: dict[str, set[str]] = {}
        """Dataset IRI -> the catalogues stating ``dcat:dataset`` it in its graph."""
        self.catalogs: set[str] = set()
        """Graphs whose own subject is typed ``dcat:Catalog`` there (as ``<iri>``)."""
        self.extraction = Extraction(datasets={}, labels=labels, modified={},
                                     distributions=[])

    def add_blocks(self, blocks: Iterable[tuple[str, bytes]]) -> None:
        """Note records given as (graph IRI, N-Quads)."""
        for graph, nquads in blocks:
            for name, statements in record_statements(graph, nquads):
                self.add(name, statements)

    def add(self, graph: str, statements: list[tuple[str, str, str]]) -> None:
        """Note the statements ``(subject, predicate IRI, object)`` of graph ``<iri>``."""
        value = self.value
        modified = self.extraction.modified
        statements = list(dict.fromkeys(statements))  # the store holds each statement once
        prefix = f"<{self.base_iri}/"
        own = [(predicate, obj) for subject, predicate, obj in statements if subject == graph]
        for subject, predicate, obj in statements:
            if predicate == _MODIFIED and subject.startswith(prefix):
                found = value(obj)
                if found is not None:
                    iri = subject[1:-1]
                    modified[iri] = max(modified.get(iri, ""), found[0])
        for predicate, obj in own:
            if predicate == _DISTRIBUTION and obj.startswith(f"<{self.base_iri}/resources/"):
                self.extraction.distributions.append(obj[1:-1])
            elif predicate == _TYPE and obj == _CATALOG:
                self.catalogs.add(graph)
        if (_TYPE, _DATASET) not in own:
            return
        iri = graph[1:-1]
        titles = [found for predicate, obj in own if predicate == _TITLE
                  if (found := value(obj)) is not None]
        if not titles:
            return
        dataset = self.datasets[iri] = SearchDataset(iri)
        dataset.title = choose_value(titles)
        descriptions = []
        for predicate, obj in own:
            found = value(obj)
            if found is None:
                continue
            if predicate == _MODIFIED:
                dataset.modified = max(dataset.modified, found[0])
            elif predicate == _STATUS:
                dataset.archived = dataset.archived or found[0].endswith("/Deprecated")
            elif predicate == _DESCRIPTION:
                descriptions.append(found)
            elif predicate == _KEYWORD:
                dataset.keywords.append(found[0])
            elif predicate == _PUBLISHER:
                dataset.values["organization"].add(found[0])
        if descriptions:
            dataset.description = choose_value(descriptions)
        rights: set[str] = set()
        labels: dict[str, list[str]] = {}
        for subject, predicate, obj in statements:
            facet = _FACET_OF.get(predicate)
            if facet is not None:
                if (found := value(obj)) is not None:
                    dataset.values[facet].add(found[0])
            elif predicate == _RIGHTS:
                rights.add(obj)
            elif predicate == _LABEL:
                if (found := value(obj)) is not None:
                    labels.setdefault(subject, []).append(found[0])
            elif predicate == _IN_CATALOG and obj == graph and subject != self.root:
                self.themes.setdefault(iri, set()).add(subject)
        if not dataset.values["license"]:  # rights labels stand in for a missing licence
            dataset.values["license"].update(label for node in rights
                                             for label in labels.get(node, ()))

    def finish(self) -> Extraction:
        """The extraction (once every graph was added)."""
        for iri, catalogs in self.themes.items():
            dataset = self.datasets[iri]
            dataset.values["theme"].update(c[1:-1] for c in catalogs if c in self.catalogs)
        for dataset in self.datasets.values():
            dataset.values = {facet: values for facet, values in dataset.values.items()
                              if values}
        self.extraction.datasets = self.datasets
        return self.extraction


class SearchIndexCompanion:
    """The search index as a load companion (:class:`loader.load.Companion`): built from the
    records' text in the background, the facet labels read from the store first."""

    name = "search index"
    suffix = SEARCH_SUFFIX

    def prepare(self, store: Queryable, graphs: dict[str, GraphEntry], base_iri: str,
                parent: Generation | None) -> Callable[[Path, Path], float]:
        """Read the labels now; scan the text and write the index in the background."""
        labels = read_labels(store)

        def build(text_dir: Path, target: Path) -> float:
            return build_from_text(text_dir, graphs, labels, base_iri, target)

        return build


def build_from_text(text_dir: Path, graphs: dict[str, GraphEntry], labels: dict[str, str],
                    base_iri: str, target: Path) -> float:
    """Write the search index of the records in ``text_dir`` to ``target``; the seconds it
    took."""
    started = time.monotonic()
    text = RecordText.open(text_dir)
    if text is None:
        raise FileNotFoundError(f"{text_dir}: no records' text to build the search index from")
    try:
        extraction = TextExtraction(base_iri, labels)
        iris = sorted(graphs)
        for start in range(0, len(iris), BATCH_GRAPHS):
            extraction.add_blocks(text.blocks_of(iris[start:start + BATCH_GRAPHS]))
    finally:
        text.close()
    write_index(extraction.finish(), target, base_iri, graphs)
    return time.monotonic() - started
