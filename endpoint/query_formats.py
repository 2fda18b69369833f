"""The answer formats of the SPARQL endpoint, per query form, and how a request picks one.

A ``format`` query parameter (``json``, ``csv``, ``ttl``...) wins over the ``Accept`` header,
as in ``ldcat query --format``.
"""

from __future__ import annotations

from dataclasses import dataclass

from endpoint.negotiation import choose


@dataclass(frozen=True, slots=True)
class AnswerFormat:
    """One serialization: its short name, media type and pyoxigraph format name."""

    name: str
    media_type: str
    oxigraph: str
    """``QueryResultsFormat`` or ``RdfFormat`` attribute name."""
    text: bool = True
    """Sent with ``charset=utf-8``."""

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type


RESULT_FORMATS = (
    AnswerFormat("json", "application/sparql-results+json", "JSON", text=False),
    AnswerFormat("xml", "application/sparql-results+xml", "XML", text=False),
    AnswerFormat("csv", "text/csv", "CSV"),
    AnswerFormat("tsv", "text/tab-separated-values", "TSV"),
)
"""For SELECT and ASK (JSON first: the default)."""

RDF_FORMATS = (
    AnswerFormat("ttl", "text/turtle", "TURTLE"),
    AnswerFormat("nt", "application/n-triples", "N_TRIPLES"),
    AnswerFormat("rdf", "application/rdf+xml", "RDF_XML", text=False),
    AnswerFormat("jsonld", "application/ld+json", "JSON_LD", text=False),
    AnswerFormat("trig", "application/trig", "TRIG"),
    AnswerFormat("nq", "application/n-quads", "N_QUADS"),
    AnswerFormat("n3", "text/n3", "N3"),
)
"""For CONSTRUCT and DESCRIBE (Turtle first: the default)."""

_ALIASES = {"application/json": "json", "text/plain": "nt", "application/xml": "xml",
            "text/xml": "xml"}
"""Media types clients commonly send for a format with a more specific type."""


def formats_for(form: str) -> tuple[AnswerFormat, ...]:
    """The formats a query form can be answered in."""
    return RESULT_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS


def by_name(form: str, name: str) -> AnswerFormat | None:
    """The format called ``name`` (short name or media type) for this query form."""
    name = name.strip().lower()
    for answer_format in formats_for(form):
        if name in (answer_format.name, answer_format.media_type):
            return answer_format
    return None


def negotiate(form: str, accept: str | None) -> AnswerFormat | None:
    """The format the ``Accept`` header prefers for this form, or ``None`` (406)."""
    formats = formats_for(form)
    offered = [answer_format.media_type for answer_format in formats]
    aliases = [alias for alias, name in _ALIASES.items()
               if any(answer_format.name == name for answer_format in formats)]
    chosen = choose(accept, offered + aliases)
    if chosen is None:
        return None
    name = _ALIASES.get(chosen)
    return by_name(form, name) if name else by_name(form, chosen)
