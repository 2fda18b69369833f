"""Measure the datasets from the records' N-Quads text: the fast path of :mod:`measure`.

Every fact an indicator needs is in the dataset's own record graph (its distributions are
described there), so each graph's text is read once, line by line: a line whose predicate
some check names is split into subject and object, and the checks it passes are noted on its
subject. The SPARQL queries of :func:`loader.quality.measure.measure` give the same points
(``tests/test_quality.py`` compares them); this path skips Oxigraph's joins (~10 s per
distribution indicator on the full catalogue).
"""

from __future__ import annotations

from collections.abc import Iterable

from loader.quality.measure import _POSITIONS, Measurements, earned
from ontology.namespaces import DCAT, DCT, RDF
from ontology.quality import DATASET, DISTRIBUTION, INDICATORS, Check, Indicator

_TYPE = f"<{RDF.type}>".encode()
_DATASET = f"<{DCAT.Dataset}>".encode()
_DISTRIBUTION = f"<{DCAT.distribution}>".encode()
_PUBLISHER = f"<{DCT.publisher}>".encode()
_IN_STORE = [indicator for indicator in INDICATORS if indicator.scope in (DATASET, DISTRIBUTION)]


class _CheckBits:
    """Every check of the table with a bit of its own, indexed by predicate."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.by_predicate: dict[bytes, list[tuple[int, Check]]] = {}
        self.masks: list[int] = []
        bit = 0
        for indicator in indicators:
            mask = 0
            for check in indicator.checks:
                predicate = f"<{check.predicate}>".encode()
                self.by_predicate.setdefault(predicate, []).append((1 << bit, check))
                mask |= 1 << bit
                bit += 1
            self.masks.append(mask)
        self.prefixes = {id(check): ("<" + check.prefix).encode()
                         for checks in self.by_predicate.values() for _, check in checks}
        self.values = {id(check): {f"<{value}>".encode() for value in check.values}
                       for checks in self.by_predicate.values() for _, check in checks}

    def passes(self, check: Check, obj: bytes) -> bool:
        if check.prefix:
            return obj.startswith(self.prefixes[id(check)])
        if check.values:
            return obj in self.values[id(check)]
        return True


_BITS = _CheckBits(_IN_STORE)


def _object(rest: bytes, suffix: bytes) -> bytes:
    """The object token of a line's ``rest`` (after the predicate)."""
    if rest.endswith(suffix):
        return rest[:-len(suffix)]
    return rest.rsplit(b" ", 2)[0]  # graph and final dot: the graph term has no space


def scan_graph(graph: str, data: bytes, result: Measurements,
               distributions: dict[str, int]) -> None:
    """Add the datasets typed in one record graph's text to ``result``."""
    suffix = f" <{graph}> .".encode()
    flags: dict[bytes, int] = {}
    datasets: list[bytes] = []
    linked: dict[bytes, list[bytes]] = {}
    publishers: dict[bytes, bytes] = {}
    by_predicate = _BITS.by_predicate
    for line in data.split(b"\n"):
        parts = line.split(b" ", 2)
        if len(parts) < 3:
            continue
        subject, predicate, rest = parts
        if predicate == _TYPE:
            if _object(rest, suffix) == _DATASET:
                datasets.append(subject)
            continue
        if predicate == _DISTRIBUTION:
            linked.setdefault(subject, []).append(_object(rest, suffix))
            continue
        checks = by_predicate.get(predicate)
        if checks is None:
            continue
        obj = _object(rest, suffix)
        if predicate == _PUBLISHER and obj.startswith(b"<"):
            publishers.setdefault(subject, obj)
        for bit, check in checks:
            if _BITS.passes(check, obj):
                flags[subject] = flags.get(subject, 0) | bit
    for subject in dict.fromkeys(datasets):
        if not subject.startswith(b"<"):
            continue
        iri = subject[1:-1].decode("utf-8")
        members = list(dict.fromkeys(linked.get(subject, [])))
        points = result.datasets.setdefault(iri, [0.0] * len(INDICATORS))
        total = len(members)
        distributions[iri] = max(distributions.get(iri, 0), total)
        own = flags.get(subject, 0)
        for indicator, mask in zip(_IN_STORE, _BITS.masks, strict=True):
            position = _POSITIONS[indicator.key]
            if indicator.scope == DATASET:
                if own & mask:
                    points[position] = earned(indicator, 1, total)
            elif total:
                meeting = sum(1 for member in members if flags.get(member, 0) & mask)
                points[position] = earned(indicator, meeting, total)
        publisher = publishers.get(subject)
        if publisher is not None and iri not in result.publishers:
            result.publishers[iri] = publisher[1:-1].decode("utf-8")


def scan_records(blocks: Iterable[tuple[str, bytes]]) -> tuple[Measurements, dict[str, int]]:
    """Measure every dataset typed in ``blocks`` (record graph IRI, its N-Quads); returns the
    measurements (store indicators assessed) and each dataset's number of distributions."""
    result = Measurements()
    distributions: dict[str, int] = {}
    for graph, data in blocks:
        scan_graph(graph, data, result, distributions)
    result.assessed = frozenset(indicator.key for indicator in _IN_STORE)
    return result, distributions
