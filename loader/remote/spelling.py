"""Respell a remote store's typed literals the way ldcat writes them (and Oxigraph reads them).

Virtuoso reads values back in its own spelling (``"…T15:00:00.300"`` for ``"…T15:00:00.3"``,
``"1"`` for ``true``), so the same record would give different bytes, content hashes and ETags
from the embedded store and from Virtuoso. Answers are respelled in their serialized form
(SPARQL XML, N-Triples) before they are parsed: the values are unchanged.

>>> respell_ntriples(b'"2025-03-12T15:00:00.300"^^<http://www.w3.org/2001/XMLSchema#dateTime>')
b'"2025-03-12T15:00:00.3"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from loader.mapping.lexical import canonical_datetime, canonical_decimal

XSD = rb"http://www\.w3\.org/2001/XMLSchema#"
_BOOLEANS = {"1": "true", "0": "false"}


def _canonical_boolean(lexical: str) -> str:
    return _BOOLEANS.get(lexical, lexical)


CANONICAL: dict[bytes, Callable[[str], str]] = {
    b"dateTime": canonical_datetime,
    b"decimal": canonical_decimal,
    b"boolean": _canonical_boolean,
}
_XML = re.compile(rb'(<literal datatype="' + XSD + rb'(dateTime|decimal|boolean)">)([^<]*)'
                  rb'(</literal>)')
_NTRIPLES = re.compile(rb'"([^"\\]*)"(\^\^<' + XSD + rb'(dateTime|decimal|boolean)>)')


def respell_xml(body: bytes) -> bytes:
    """SPARQL XML results with their dateTime, decimal and boolean literals respelled."""
    return _XML.sub(lambda m: m.group(1) + _respelled(m.group(2), m.group(3)) + m.group(4),
                    body)


def respell_ntriples(body: bytes) -> bytes:
    """N-Triples with their dateTime, decimal and boolean literals respelled."""
    return _NTRIPLES.sub(
        lambda m: b'"' + _respelled(m.group(3), m.group(1)) + b'"' + m.group(2), body)


def _respelled(datatype: bytes, lexical: bytes) -> bytes:
    return CANONICAL[datatype](lexical.decode("utf-8")).encode("utf-8")
