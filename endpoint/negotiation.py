"""``Accept`` header negotiation (RFC 9110 §12.5.1): q-values, wildcards, specificity; and the
``Accept-Profile`` header of W3C Content Negotiation by Profile.

>>> choose("text/csv;q=0.5, application/sparql-results+json", ["application/sparql-results+xml",
...        "application/sparql-results+json", "text/csv"])
'application/sparql-results+json'
>>> choose("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    quality: float
    parameters: tuple[tuple[str, str], ...] = ()

    def specificity(self, media_type: str) -> int:
        """How closely this range names ``media_type`` (-1: not at all)."""
        offered_type, _, offered_subtype = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != offered_type:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == offered_subtype else -1


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed elements are skipped."""
    ranges: list[MediaRange] = []
    for element in header.split(","):
        media, *raw_parameters = element.split(";")
        media = media.strip().lower()
        if media == "*":
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub:
            continue
        quality, parameters = _parameters(raw_parameters)
        ranges.append(MediaRange(main, sub, quality, parameters))
    return ranges


def _parameters(raw_parameters: Sequence[str]) -> tuple[float, tuple[tuple[str, str], ...]]:
    """The q-value (1 if absent, 0 if malformed) and the other parameters of an element."""
    quality = 1.0
    parameters: list[tuple[str, str]] = []
    for raw in raw_parameters:
        name, _, value = raw.strip().partition("=")
        name = name.strip().lower()
        if name == "q":
            try:
                quality = min(max(float(value), 0.0), 1.0)
            except ValueError:
                quality = 0.0
        elif name:
            parameters.append((name, value.strip().strip('"')))
    return quality, tuple(parameters)


def parse_accept_profile(header: str) -> list[tuple[str, float]]:
    """The (profile, q-value) pairs of an ``Accept-Profile`` header (W3C Content Negotiation
    by Profile): ``<URI>`` elements, or bare tokens, with optional q-values.

    >>> parse_accept_profile("<https://schema.org/>;q=0.5, dcat-ap-3")
    [('https://schema.org/', 0.5), ('dcat-ap-3', 1.0)]
    """
    profiles: list[tuple[str, float]] = []
    for element in _split_outside_brackets(header):
        name, *raw_parameters = element.split(";")
        name = name.strip()
        if name.startswith("<") and name.endswith(">"):
            name = name[1:-1].strip()
        if name:
            profiles.append((name, _parameters(raw_parameters)[0]))
    return profiles


def _split_outside_brackets(header: str) -> list[str]:
    """Comma-separated elements, not splitting inside ``<...>`` (URIs may hold commas)."""
    elements: list[str] = []
    current: list[str] = []
    depth = 0
    for char in header:
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            elements.append("".join(current))
            current = []
        else:
            current.append(char)
    elements.append("".join(current))
    return elements


def quality_of(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type`` (its most specific matching range)."""
    best_specificity, quality = -1, 0.0
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best_specificity:
            best_specificity, quality = specificity, media_range.quality
    return quality


def choose(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers (server order breaks ties), or ``None``.

    A missing or empty header accepts anything: the first offered type.
    """
    if not header or not header.strip():
        return offered[0] if offered else None
    ranges = parse_accept(header)
    if not ranges:
        return offered[0] if offered else None
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = quality_of(ranges, media_type)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best
