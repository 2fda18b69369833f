"""Measure every dataset of a store against the quality indicators, natively in Oxigraph.

One SPARQL query per indicator over the whole store (the joins run on Oxigraph's encoded
terms; only dataset IRIs and counts are decoded), then points per dataset in Python:
a dataset indicator earns all or nothing, a distribution indicator its share of the
dataset's distributions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolutions

from loader.search_index import Queryable
from ontology.quality import DATASET, DISTRIBUTION, EXTERNAL, INDICATORS, Indicator

_DATASETS = """
SELECT ?d (SAMPLE(?o) AS ?publisher) WHERE { GRAPH ?g {
  ?d a <http://www.w3.org/ns/dcat#Dataset> OPTIONAL { ?d <http://purl.org/dc/terms/publisher> ?o }
} } GROUP BY ?d"""

_DISTRIBUTIONS = """
SELECT ?d (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g {
  ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://www.w3.org/ns/dcat#distribution> ?x
} } GROUP BY ?d"""


@dataclass(slots=True)
class Measurements:
    """Points per indicator for every dataset, and what the totals need."""

    datasets: dict[str, list[float]] = field(default_factory=dict)
    """Dataset IRI -> points per indicator, in :data:`~ontology.quality.INDICATORS` order."""
    publishers: dict[str, str] = field(default_factory=dict)
    """Dataset IRI -> its publisher's IRI (datasets without one are absent)."""
    assessed: frozenset[str] = frozenset()
    """Keys of the indicators actually assessed (the network checks only when asked, DCAT-AP
    compliance only when the gate validated)."""

    def score(self, dataset: str) -> float:
        """A dataset's total."""
        return round(sum(self.datasets[dataset]), 2)


def _select(store: Queryable, query: str) -> QuerySolutions:
    result = store.query(query)
    if not isinstance(result, QuerySolutions):
        raise TypeError("quality queries are SELECT queries")
    return result


def _iri(term: object) -> str | None:
    return term.value if isinstance(term, NamedNode) else None


def _count(term: object) -> int:
    return int(term.value) if isinstance(term, Literal) else 0


def indicator_query(indicator: Indicator) -> str:
    """The query listing the datasets meeting ``indicator`` (distribution scope: with the
    number of their distributions meeting it)."""
    if indicator.scope == DATASET:
        return (f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ "
                f"?d a <http://www.w3.org/ns/dcat#Dataset> . {indicator.condition} }} }}")
    if indicator.scope == DISTRIBUTION:
        return (f"SELECT ?d (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ "
                f"?d <http://www.w3.org/ns/dcat#distribution> ?x . {indicator.condition} }} }} "
                f"GROUP BY ?d")
    raise ValueError(f"indicator {indicator.key} is not measured in the store")


def _rows(store: Queryable, indicator: Indicator) -> list[tuple[str, int]]:
    """(dataset, distributions meeting it) rows of a store indicator (1 for dataset scope)."""
    rows = []
    for row in _select(store, indicator_query(indicator)):
        dataset = _iri(row["d"])
        if dataset is not None:
            rows.append((dataset, _count(row["n"]) if indicator.scope == DISTRIBUTION else 1))
    return rows


def measure(store: Queryable, external: dict[str, Callable[[str, int], float]] | None = None,
            progress: Callable[[Iterable[Indicator]], Iterable[Indicator]] = iter,
            threads: int = 2) -> Measurements:
    """Measure every dataset of ``store`` (``threads`` queries at a time: Oxigraph evaluates
    them outside Python's lock), then the ``external`` indicators (:func:`add_external`)."""
    result, distributions = measure_in_store(store, progress, threads)
    add_external(result, distributions, external or {})
    return result


def measure_in_store(store: Queryable,
                     progress: Callable[[Iterable[Indicator]], Iterable[Indicator]] = iter,
                     threads: int = 2) -> tuple[Measurements, dict[str, int]]:
    """The indicators read from the store, for every dataset; and each dataset's number of
    distributions."""
    result = Measurements()
    for row in _select(store, _DATASETS):
        dataset = _iri(row["d"])
        if dataset is None:
            continue
        result.datasets[dataset] = [0.0] * len(INDICATORS)
        publisher = _iri(row["publisher"])
        if publisher is not None:
            result.publishers[dataset] = publisher
    distributions: dict[str, int] = {}
    for row in _select(store, _DISTRIBUTIONS):
        dataset = _iri(row["d"])
        if dataset is not None:
            distributions[dataset] = _count(row["n"])
    in_store = [indicator for indicator in INDICATORS if indicator.scope in (DATASET, DISTRIBUTION)]
    with ThreadPoolExecutor(max(threads, 1)) as pool:
        answers = pool.map(lambda indicator: _rows(store, indicator), in_store)
        for indicator, rows in zip(progress(in_store), answers, strict=True):
            _score(indicator, rows, distributions, result.datasets)
    result.assessed = frozenset(indicator.key for indicator in in_store)
    return result, distributions


def add_external(result: Measurements, distributions: dict[str, int],
                 external: dict[str, Callable[[str, int], float]]) -> None:
    """Give the indicators not read from the store their points (key -> function of the
    dataset IRI and its number of distributions); an external indicator without a function
    is not assessed (0 points, left out of :attr:`Measurements.assessed`)."""
    assessed = set(result.assessed)
    for position, indicator in enumerate(INDICATORS):
        points_of = external.get(indicator.key)
        if indicator.scope != EXTERNAL or points_of is None:
            continue
        for dataset, points in result.datasets.items():
            points[position] = points_of(dataset, distributions.get(dataset, 0))
        assessed.add(indicator.key)
    result.assessed = frozenset(assessed)


_POSITIONS = {indicator.key: position for position, indicator in enumerate(INDICATORS)}


def earned(indicator: Indicator, meeting: int, distributions: int) -> float:
    """The points of a dataset meeting ``indicator``: all of them for a dataset check, else
    the share of its ``distributions`` that meet it (``meeting``)."""
    if indicator.scope == DATASET:
        return float(indicator.points) if meeting else 0.0
    share = min(meeting, distributions) / distributions if distributions else 0.0
    return round(indicator.points * share, 2)


def _score(indicator: Indicator, rows: list[tuple[str, int]], distributions: dict[str, int],
           datasets: dict[str, list[float]]) -> None:
    position = _POSITIONS[indicator.key]
    for dataset, meeting in rows:
        points = datasets.get(dataset)
        if points is None:
            continue
        points[position] = earned(indicator, meeting, distributions.get(dataset, 0))
