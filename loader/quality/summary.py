"""Quality totals: the catalogue's and each organisation's, with the fixes worth most.

A group's score is the mean of its datasets' scores; each indicator's line says how many
datasets fall short of it and how many points a group's mean would gain if they all met it.
The fixes are those lines, largest gain first ("+30: 12,340 datasets have no keyword").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from loader.quality.measure import Measurements
from ontology.quality import DIMENSIONS, INDICATORS, rating

TOP_FIXES = 5


def _group(points_of: list[list[float]], assessed: frozenset[str],
           checked_urls: bool, fixes: int) -> dict[str, Any]:
    count = len(points_of)
    indicators: dict[str, dict[str, Any]] = {}
    dimensions: dict[str, float] = defaultdict(float)
    shortfalls = []
    for position, indicator in enumerate(INDICATORS):
        if indicator.key not in assessed:
            continue
        column = [points[position] for points in points_of]
        total = sum(column)
        short = sum(1 for value in column if value < indicator.points)
        missing = indicator.points * count - total
        mean = total / count if count else 0.0
        dimensions[indicator.dimension] += mean
        indicators[indicator.key] = {"mean": round(mean, 2), "max": indicator.points,
                                     "datasets_short": short}
        if short:
            shortfalls.append((missing, indicator, short))
    score = sum(dimensions.values())
    shortfalls.sort(key=lambda item: (-item[0], item[1].key))
    return {
        "datasets": count,
        "score": round(score, 2),
        "rating": rating(score, checked_urls) if count else None,
        "dimensions": {key: round(dimensions[key], 2) for key in DIMENSIONS},
        "indicators": indicators,
        "fixes": [{"indicator": indicator.key, "points": indicator.points, "datasets": short,
                   "gain": round(missing / count, 2),
                   "text": f"+{indicator.points}: {short:,} datasets {indicator.shortfall}"}
                  for missing, indicator, short in shortfalls[:fixes]],
    }


def summarize(measurements: Measurements, checked_urls: bool,
              names: dict[str, str] | None = None) -> dict[str, Any]:
    """The catalogue's and each organisation's totals (``names``: organisation labels)."""
    names = names or {}
    assessed = measurements.assessed
    by_publisher: dict[str, list[list[float]]] = defaultdict(list)
    for dataset, points in measurements.datasets.items():
        publisher = measurements.publishers.get(dataset)
        if publisher is not None:
            by_publisher[publisher].append(points)
    catalogue = _group(list(measurements.datasets.values()), assessed, checked_urls,
                       len(INDICATORS))
    organizations = {}
    for publisher, points_of in sorted(by_publisher.items()):
        organizations[publisher] = {"name": names.get(publisher, ""),
                                    **_group(points_of, assessed, checked_urls, TOP_FIXES)}
    return {
        "assessed": [indicator.key for indicator in INDICATORS if indicator.key in assessed],
        "max_score": sum(indicator.points for indicator in INDICATORS
                         if indicator.key in assessed),
        "checked_urls": checked_urls,
        "catalogue": catalogue,
        "organizations": organizations,
    }


def group_means(summary_group: dict[str, Any]) -> list[float]:
    """A group's mean points per indicator, in table order (0 for unassessed ones)."""
    indicators = summary_group["indicators"]
    return [float(indicators[indicator.key]["mean"]) if indicator.key in indicators else 0.0
            for indicator in INDICATORS]
