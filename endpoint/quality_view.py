"""A record's quality measurements (DQV, :mod:`loader.quality.dqv`) as page data.

Read from the node's own quality graph, so it works the same on the embedded and remote
stores: one graph read per page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad

from loader.quality.dqv import quality_graph
from loader.repo import Repo
from ontology.namespaces import DQV
from ontology.quality import (
    DIMENSIONS,
    INDICATORS,
    INDICATORS_BY_METRIC,
    SCORE_METRIC,
    rating,
)


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator's points."""

    label: str
    points: float
    maximum: int


@dataclass(frozen=True, slots=True)
class DimensionRows:
    """One dimension's indicators and total."""

    label: str
    points: float
    maximum: int
    indicators: list[IndicatorRow]


@dataclass(frozen=True, slots=True)
class QualityView:
    """A node's score, out of what was assessed, per dimension."""

    score: float
    maximum: int
    rating: str
    checked_urls: bool
    dimensions: list[DimensionRows]

    @property
    def percent(self) -> int:
        """The score as a share of the maximum."""
        return round(100 * self.score / self.maximum) if self.maximum else 0


def _values(quads: list[Quad]) -> dict[str, float]:
    metric_of: dict[object, str] = {}
    value_of: dict[object, float] = {}
    for quad in quads:
        predicate = quad.predicate.value
        if predicate == DQV.isMeasurementOf and isinstance(quad.object, NamedNode):
            metric_of[quad.subject] = quad.object.value
        elif predicate == DQV.value and isinstance(quad.object, Literal):
            try:
                value_of[quad.subject] = float(quad.object.value)
            except ValueError:
                continue
    return {metric: value_of[node] for node, metric in metric_of.items() if node in value_of}


def quality_view(quads: list[Quad]) -> QualityView | None:
    """The view of a quality graph's quads, or ``None`` when it holds no score."""
    values = _values(quads)
    if SCORE_METRIC not in values:
        return None
    assessed = {INDICATORS_BY_METRIC[metric].key for metric in values
                if metric in INDICATORS_BY_METRIC}
    dimensions = []
    for key, (_, french) in DIMENSIONS.items():
        rows = [IndicatorRow(indicator.label_fr, values[indicator.metric], indicator.points)
                for indicator in INDICATORS
                if indicator.dimension == key and indicator.key in assessed]
        if rows:
            dimensions.append(DimensionRows(french, round(sum(r.points for r in rows), 2),
                                            sum(r.maximum for r in rows), rows))
    checked_urls = "access-url-status" in assessed
    score = values[SCORE_METRIC]
    return QualityView(score, sum(d.maximum for d in dimensions), rating(score, checked_urls),
                       checked_urls, dimensions)


def read_quality(repo: Repo, node: str, base_iri: str) -> QualityView | None:
    """``node``'s quality, or ``None`` when it was not measured."""
    return quality_view(repo.record_graph(quality_graph(node, base_iri)))
