"""Quality measurements as DQV N-Quads.

Each measured node (dataset, organisation, catalogue) gets a graph of its own, a
``dqv:QualityMetadata`` named ``{node}/quality`` (``{base}/quality/{digest}`` for a node not
minted under the base, such as a harvested dataset), holding one ``dqv:QualityMeasurement``
per assessed indicator plus the total: ``<{graph}#{indicator}> dqv:computedOn <node> ;
dqv:isMeasurementOf <metric> ; dqv:value "points"^^xsd:decimal``. Organisations and the
catalogue get the mean points of their datasets. The catalogue's graph also defines the
metrics and dimensions.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator

from loader.mapping.nquads import escape_literal
from ontology.namespaces import DQV, LDC, RDF, SKOS, XSD
from ontology.quality import DIMENSIONS, INDICATORS, SCORE_METRIC

QUALITY_CATEGORY = LDC.term("quality-mqa")
MAX_POINTS = LDC.term("maxPoints")


def quality_graph(node: str, base_iri: str) -> str:
    """The IRI of the graph holding ``node``'s measurements."""
    if node.startswith(f"{base_iri}/"):
        return f"{node}/quality"
    digest = hashlib.sha256(node.encode("utf-8")).hexdigest()[:32]
    return f"{base_iri}/quality/{digest}"


def decimal(points: float) -> str:
    """``points`` as an xsd:decimal lexical form (two decimals at most)."""
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _measurement_template(keys: Iterable[str]) -> str:
    """The four lines of each measured indicator's measurement, with ``{g}`` (graph), ``{n}``
    (node) and ``{0}``, ``{1}``... (the values, in ``keys`` order) to fill in."""
    metrics = {indicator.key: indicator.metric for indicator in INDICATORS}
    metrics["score"] = SCORE_METRIC
    lines = []
    for position, key in enumerate(keys):
        subject = f"<{{g}}#{key}>"
        lines.append(
            f"{subject} <{RDF.type}> <{DQV.QualityMeasurement}> <{{g}}> .\n"
            f"{subject} <{DQV.computedOn}> <{{n}}> <{{g}}> .\n"
            f"{subject} <{DQV.isMeasurementOf}> <{metrics[key]}> <{{g}}> .\n"
            f'{subject} <{DQV.value}> "{{{position}}}"^^<{XSD.decimal}> <{{g}}> .\n')
    return "".join(lines)


class MeasurementWriter:
    """Writes the measurements of nodes, one graph per node."""

    def __init__(self, base_iri: str, assessed: Iterable[str]) -> None:
        self.base_iri = base_iri
        self.keys = [indicator.key for indicator in INDICATORS if indicator.key in assessed]
        positions = {indicator.key: position for position, indicator in enumerate(INDICATORS)}
        self.positions = [positions[key] for key in self.keys]
        self.template = (f"<{{g}}> <{RDF.type}> <{DQV.QualityMetadata}> <{{g}}> .\n"
                         + _measurement_template([*self.keys, "score"]))
        """A node's whole graph: one ``str.format`` per node (one per line took 17 s for
        the full catalogue)."""
        self.predicates_per_node = predicate_counts(self.template.splitlines())
        """Triples per property in each node's graph (the same for every node)."""

    def node(self, node: str, points: list[float]) -> str:
        """The N-Quads of ``node``'s graph, given its points per indicator (all indicators,
        in table order; the unassessed ones are left out)."""
        values = [points[position] for position in self.positions]
        values.append(sum(values))
        return self.template.format(*map(decimal, values), g=quality_graph(node, self.base_iri),
                                    n=node)


def predicate_counts(lines: Iterable[str]) -> Counter[str]:
    """Statements per predicate IRI among N-Quads ``lines`` written here (no literal or
    template field before the predicate)."""
    return Counter(line.split(" ", 2)[1][1:-1] for line in lines)


def _literal(value: str, language: str) -> str:
    return f'"{escape_literal(value)}"@{language}'


def metric_definitions(graph: str) -> Iterator[str]:
    """The metrics, dimensions and category, as N-Quads lines in ``graph``."""
    tail = f" <{graph}> .\n"
    yield f"<{QUALITY_CATEGORY}> <{RDF.type}> <{DQV.Category}>{tail}"
    yield (f"<{QUALITY_CATEGORY}> <{SKOS.prefLabel}> "
           f"{_literal('Metadata quality (after data.europa.eu MQA)', 'en')}{tail}")
    for key, (english, french) in DIMENSIONS.items():
        dimension = LDC.term(f"quality-{key}")
        yield f"<{dimension}> <{RDF.type}> <{DQV.Dimension}>{tail}"
        yield f"<{dimension}> <{DQV.inCategory}> <{QUALITY_CATEGORY}>{tail}"
        yield f"<{dimension}> <{SKOS.prefLabel}> {_literal(english, 'en')}{tail}"
        yield f"<{dimension}> <{SKOS.prefLabel}> {_literal(french, 'fr')}{tail}"
    for indicator in INDICATORS:
        yield f"<{indicator.metric}> <{RDF.type}> <{DQV.Metric}>{tail}"
        yield f"<{indicator.metric}> <{DQV.inDimension}> <{indicator.dimension_iri}>{tail}"
        yield f"<{indicator.metric}> <{SKOS.prefLabel}> {_literal(indicator.label, 'en')}{tail}"
        yield (f"<{indicator.metric}> <{SKOS.prefLabel}> "
               f"{_literal(indicator.label_fr, 'fr')}{tail}")
        yield (f'<{indicator.metric}> <{MAX_POINTS}> "{indicator.points}"^^<{XSD.integer}>'
               f"{tail}")
    yield f"<{SCORE_METRIC}> <{RDF.type}> <{DQV.Metric}>{tail}"
    yield f"<{SCORE_METRIC}> <{SKOS.prefLabel}> {_literal('Quality score', 'en')}{tail}"
    yield f"<{SCORE_METRIC}> <{SKOS.prefLabel}> {_literal('Score de qualité', 'fr')}{tail}"
