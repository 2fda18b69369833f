"""Writing N-Quads text directly: the fast path from records to the store.

Text is normalised here, once, so every output format carries the same graph: characters that
XML 1.0 forbids are dropped and CRLF / CR become LF (pyoxigraph's RDF/XML writer would emit
them raw). IRIs given to :class:`GraphWriter` must already be valid: ldcat mints its own and the
readers check every URL taken from a source.

>>> writer = GraphWriter("http://x.org/g")
>>> writer.literal("http://x.org/s", "http://x.org/p", 'a "b"\\r\\nc\\x07', lang="fr")
>>> writer.text()
'<http://x.org/s> <http://x.org/p> "a \\\\"b\\\\"\\\\nc"@fr <http://x.org/g> .\\n'
"""

from __future__ import annotations

import hashlib
import re

from loader.mapping.lexical import CANONICAL
from ontology.namespaces import RDF, XSD

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NEEDS_ESCAPE = re.compile(r'["\\\n\r]')
_RDF_TYPE = f"<{RDF.type}>"

XSD_DATETIME = f"<{XSD.dateTime}>"
XSD_DATE = f"<{XSD.date}>"
XSD_DECIMAL = f"<{XSD.decimal}>"
XSD_NONNEG = f"<{XSD.nonNegativeInteger}>"
XSD_HEXBINARY = f"<{XSD.hexBinary}>"
XSD_BOOLEAN = f"<{XSD.boolean}>"
XSD_ANYURI = f"<{XSD.anyURI}>"


def clean_text(value: str) -> str:
    """Text as ldcat publishes it: no XML-forbidden characters, LF line ends, no outer blanks.

    >>> clean_text(" a\\r\\nb\\rc\\x00 ")
    'a\\nb\\nc'
    """
    if not value.isascii() or not value.isprintable():
        value = _XML_FORBIDDEN.sub("", value)
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def escape_literal(value: str) -> str:
    """The body of an N-Quads string literal."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r"))


class GraphWriter:
    """Accumulates the N-Quads lines of one named graph (one record)."""

    __slots__ = ("_graph", "graph_iri", "lines")

    def __init__(self, graph_iri: str) -> None:
        self.graph_iri = graph_iri
        self._graph = f" <{graph_iri}> .\n"
        self.lines: list[str] = []

    def iri(self, subject: str, predicate: str, obj: str) -> None:
        """Add ``<subject> <predicate> <obj>``."""
        self.lines.append(f"<{subject}> <{predicate}> <{obj}>{self._graph}")

    def type(self, subject: str, *classes: str) -> None:
        """Add ``<subject> rdf:type <class>`` for each class."""
        for rdf_class in classes:
            self.lines.append(f"<{subject}> {_RDF_TYPE} <{rdf_class}>{self._graph}")

    def literal(self, subject: str, predicate: str, value: str, *, lang: str = "",
                datatype: str = "") -> None:
        """Add a literal (cleaned text); empty text adds nothing.

        ``datatype`` is a ready ``<iri>`` token such as :data:`XSD_DATE`.
        """
        value = clean_text(value)
        if not value:
            return
        body = escape_literal(value)
        if lang:
            term = f'"{body}"@{lang}'
        elif datatype:
            term = f'"{body}"^^{datatype}'
        else:
            term = f'"{body}"'
        self.lines.append(f"<{subject}> <{predicate}> {term}{self._graph}")

    def typed(self, subject: str, predicate: str, lexical: str, datatype: str) -> None:
        """Add a typed literal of a checked value (no cleaning needed), in its canonical
        spelling (:mod:`loader.mapping.lexical`)."""
        canonical = CANONICAL.get(datatype)
        if canonical is not None:
            lexical = canonical(lexical)
        self.lines.append(f'<{subject}> <{predicate}> "{lexical}"^^{datatype}{self._graph}')

    def text(self) -> str:
        """The graph's N-Quads."""
        return "".join(self.lines)


def content_hash(data: bytes) -> int:
    """A 128-bit hash of a block of N-Quads; blocks of one graph combine by addition.

    Adding block hashes (mod 2**128) gives a graph hash that does not depend on the order in
    which a dataset's own lines and its resources' lines arrived.
    """
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big")


HASH_MODULUS = 1 << 128
