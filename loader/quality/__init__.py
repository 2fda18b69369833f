"""Metadata quality (after data.europa.eu's MQA): measure, total, publish as DQV.

:func:`assess` measures every dataset of a store (:mod:`loader.quality.measure`), adds the
DCAT-AP compliance verdicts of the SHACL gate and, when asked, the URL checks
(:mod:`loader.quality.urls`), totals them per catalogue and organisation
(:mod:`loader.quality.summary`) and writes the measurements as DQV
(:mod:`loader.quality.dqv`); :func:`publish_into` replaces a store's quality graphs with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store

from loader.generations import QUALITY_KIND, GraphEntry
from loader.mapping.nquads import content_hash
from loader.quality.dqv import (
    MeasurementWriter,
    metric_definitions,
    predicate_counts,
    quality_graph,
)
from loader.quality.measure import Measurements, add_external, measure_in_store
from loader.quality.summary import group_means, summarize
from loader.quality.text_scan import scan_records
from loader.quality.urls import check_urls, distribution_urls, url_points
from ontology.quality import INDICATORS_BY_KEY, Indicator


@dataclass(frozen=True, slots=True)
class QualityOptions:
    """What to assess beyond the metadata itself."""

    check_urls: bool = False
    url_concurrency: int = 16
    url_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Assessment:
    """The measurements and their totals (JSON-ready); their DQV N-Quads are written on
    demand, graph by graph (:meth:`graph_texts`)."""

    measurements: Measurements
    summary: dict[str, Any]
    base_iri: str
    catalog_iri: str

    def graph_texts(self) -> Iterator[tuple[str, bytes]]:
        """(quality graph IRI, its N-Quads), one graph at a time."""
        return _graph_texts(self.measurements, self.summary, self.base_iri, self.catalog_iri)

    def predicate_counts(self) -> Counter[str]:
        """Triples per property in the graphs :meth:`graph_texts` writes, counted without
        writing them: every measured node's graph has the same statements."""
        writer = MeasurementWriter(self.base_iri, self.measurements.assessed)
        nodes = len(self.measurements.datasets) + len(self.summary["organizations"]) + 1
        counts = Counter({predicate: count * nodes
                          for predicate, count in writer.predicates_per_node.items()})
        counts.update(predicate_counts(
            metric_definitions(quality_graph(self.catalog_iri, self.base_iri))))
        return counts


@dataclass(frozen=True, slots=True)
class WrittenGraph:
    """Where :func:`write_graphs` put a quality graph, and its content hash."""

    graph: str
    offset: int
    length: int
    hash: int

    def entry(self) -> GraphEntry:
        """The graph-index entry (content hash, as for records)."""
        return GraphEntry(QUALITY_KIND, self.hash)


def write_graphs(assessment: Assessment, path: Path) -> list[WrittenGraph]:
    """Write the quality graphs' N-Quads to ``path`` (a new file), one after the other."""
    written: list[WrittenGraph] = []
    offset = 0
    with path.open("xb") as out:
        for graph, data in assessment.graph_texts():
            out.write(data)
            written.append(WrittenGraph(graph, offset, len(data), content_hash(data)))
            offset += len(data)
    return written


def _compliance(invalid_graphs: frozenset[str]) -> Callable[[str, int], float]:
    points = float(INDICATORS_BY_KEY["dcat-ap-compliance"].points)
    return lambda dataset, _: 0.0 if dataset in invalid_graphs else points


def assess(store: Store, base_iri: str, catalog_iri: str,
           invalid_graphs: Iterable[str] | None, options: QualityOptions = QualityOptions(),
           progress: Callable[[Iterable[Indicator]], Iterable[Indicator]] = iter,
           text: Iterable[tuple[str, bytes]] | None = None) -> Assessment:
    """Measure every dataset of ``store``: from the records' ``text`` (record graph IRI, its
    N-Quads) when given, else with SPARQL (:mod:`loader.quality.measure`).

    ``invalid_graphs``: the record graphs the SHACL gate found violations in (published
    under ``--on-invalid keep``), or ``None`` when nothing was validated (DCAT-AP compliance
    is then not assessed).
    """
    external: dict[str, Callable[[str, int], float]] = {}
    if invalid_graphs is not None:
        external["dcat-ap-compliance"] = _compliance(frozenset(invalid_graphs))
    if options.check_urls:
        found = distribution_urls(store)
        answers = check_urls(found.urls(), base_iri, options.url_concurrency,
                             options.url_timeout)
        external.update(url_points(found, answers))
    if text is not None:
        measurements, distributions = scan_records(text)
    else:
        measurements, distributions = measure_in_store(store, progress)
    add_external(measurements, distributions, external)
    summary = summarize(measurements, options.check_urls, _organization_names(store))
    return Assessment(measurements, summary, base_iri, catalog_iri)


def _organization_names(store: Store) -> dict[str, str]:
    names: dict[str, str] = {}
    result = store.query("""SELECT ?o (SAMPLE(?name) AS ?label) WHERE { GRAPH ?o {
        ?o a <http://xmlns.com/foaf/0.1/Organization> ; <http://xmlns.com/foaf/0.1/name> ?name
    } } GROUP BY ?o""")
    assert isinstance(result, QuerySolutions)
    for row in result:
        if isinstance(row["o"], NamedNode) and row["label"] is not None:
            names[row["o"].value] = row["label"].value
    return names


def _graph_texts(measurements: Measurements, summary: dict[str, Any], base_iri: str,
                 catalog_iri: str) -> Iterator[tuple[str, bytes]]:
    writer = MeasurementWriter(base_iri, measurements.assessed)
    for dataset, points in measurements.datasets.items():
        yield quality_graph(dataset, base_iri), writer.node(dataset, points).encode("utf-8")
    for organization, group in summary["organizations"].items():
        yield (quality_graph(organization, base_iri),
               writer.node(organization, group_means(group)).encode("utf-8"))
    catalogue_graph = quality_graph(catalog_iri, base_iri)
    yield catalogue_graph, (writer.node(catalog_iri, group_means(summary["catalogue"]))
                            + "".join(metric_definitions(catalogue_graph))).encode("utf-8")


def publish_into(store: Store, path: Path) -> None:
    """Add the quality graphs written to ``path`` (:func:`write_graphs`) to ``store`` (the
    caller removed older ones): one bulk load, parsed leniently since every IRI in them is a
    record's, already checked, or minted here (as for the records' parts, :mod:`loader.parts`).
    """
    store.bulk_load(path=str(path), format=RdfFormat.N_QUADS, lenient=True)
