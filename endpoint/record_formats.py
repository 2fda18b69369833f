"""The formats a record is served in: suffix, media type, charset (the record routes' table).

The SPARQL route has its own table (:mod:`endpoint.query_formats`); this one is about whole
records and also holds HTML.

>>> FORMATS_BY_SUFFIX[".ttl"].content_type
'text/turtle; charset=utf-8'
>>> format_for_media_type("application/json").name
'jsonld'
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import RdfFormat


@dataclass(frozen=True, slots=True)
class RecordFormat:
    """One representation of a record."""

    name: str
    """The token of ``_mediatype`` shortcuts and ETags (``ttl``, ``html``...)."""
    suffix: str
    media_type: str
    label: str
    charset: bool
    """Whether ``Content-Type`` carries ``charset=utf-8`` (text types and N-Triples)."""
    rdf_format: RdfFormat | None = None
    """The pyoxigraph serialiser; ``None`` for HTML and framed JSON-LD."""
    aliases: tuple[str, ...] = ()
    """Other media types clients send for it (``application/json``, ``application/x-turtle``)."""

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


HTML = RecordFormat("html", ".html", "text/html", "HTML", charset=True,
                    aliases=("application/xhtml+xml",))
JSON_LD = RecordFormat("jsonld", ".jsonld", "application/ld+json", "JSON-LD", charset=False,
                       aliases=("application/json",))
TURTLE = RecordFormat("ttl", ".ttl", "text/turtle", "Turtle", charset=True,
                      rdf_format=RdfFormat.TURTLE, aliases=("application/x-turtle",))
RDF_XML = RecordFormat("rdf", ".rdf", "application/rdf+xml", "RDF/XML", charset=False,
                       rdf_format=RdfFormat.RDF_XML)
N_TRIPLES = RecordFormat("nt", ".nt", "application/n-triples", "N-Triples", charset=True,
                         rdf_format=RdfFormat.N_TRIPLES)

RECORD_FORMATS: tuple[RecordFormat, ...] = (HTML, JSON_LD, TURTLE, RDF_XML, N_TRIPLES)
"""In server preference order: HTML wins ties, so a browser's ``*/*`` gets the page."""
FORMATS_BY_SUFFIX = {record_format.suffix: record_format for record_format in RECORD_FORMATS}


def format_for_media_type(value: str) -> RecordFormat | None:
    """The format a media type (or an alias, or a token like ``ttl``) names, else ``None``."""
    value = value.split(";", 1)[0].strip().lower()
    for record_format in RECORD_FORMATS:
        if value in (record_format.media_type, record_format.name, *record_format.aliases):
            return record_format
    return None


def split_suffix(identifier: str) -> tuple[str, RecordFormat | None]:
    """``identifier`` without a format suffix, and the format the suffix names."""
    stem, dot, suffix = identifier.rpartition(".")
    if dot and stem:
        record_format = FORMATS_BY_SUFFIX.get("." + suffix)
        if record_format is not None:
            return stem, record_format
    return identifier, None
