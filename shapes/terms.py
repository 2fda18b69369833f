"""RDF terms as N-Triples strings, judged the way the SPARQL engine judges them in the store.

The partitioned validator keeps every term as the string ``str(term)`` gives for a pyoxigraph
term (``<iri>``, ``_:b``, ``"lex"@fr``, ``"lex"^^<dt>``). Literals are first put in the form
Oxigraph *stores* them (:func:`stored`): Oxigraph canonicalises well-formed numeric, boolean,
date and duration literals (``"012"^^xsd:integer`` is kept as ``"12"``, derived integer types
become ``xsd:integer``), so the results and the tests on lexical forms match the SPARQL engine's.
The common forms are recognised here; any other typed literal takes one round trip through an
in-memory store (cached).

>>> stored('"012"^^<http://www.w3.org/2001/XMLSchema#integer>')
'"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
>>> literal_parts('"a\\\\"b"@fr')
('a"b', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString', 'fr')
>>> well_formed("2021-02-30", "http://www.w3.org/2001/XMLSchema#date")
False
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from pyoxigraph import Literal, QuerySolutions, RdfFormat, Store, parse

from shapes.lexical import XSD, sparql_string
from shapes.lexical import well_formed as well_formed_sparql

XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_UNCHANGED = {XSD + name for name in ("string", "hexBinary", "anyURI", "base64Binary",
                                      "normalizedString", "token", "language", "NMTOKEN",
                                      "Name", "NCName")}
"""XSD datatypes Oxigraph keeps as written."""
_TZ = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
_CANONICAL = {
    XSD + "integer": re.compile(r"0|-?[1-9][0-9]{0,17}"),
    XSD + "decimal": re.compile(r"(0|-?[1-9][0-9]{0,17})(\.[0-9]{0,17}[1-9])?"),
    XSD + "dateTime": re.compile(r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                                 r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{0,8}[1-9])?"
                                 + _TZ),
    XSD + "date": re.compile(r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + _TZ),
    XSD + "boolean": re.compile(r"true|false"),
}
"""Forms that Oxigraph stores unchanged (canonical when valid, kept as is when not)."""
_ZERO_OFFSET = re.compile(r"[+-]00:00$")
_DERIVED_INTEGERS = {XSD + name for name in (
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long",
    "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def literal_parts(term: str) -> tuple[str, str, str]:
    """(lexical form, datatype IRI, language) of a literal in N-Triples syntax."""
    return _literal_parts(term)


@lru_cache(maxsize=1 << 18)
def _literal_parts(term: str) -> tuple[str, str, str]:
    end = term.rindex('"')
    body = term[1:end]
    if "\\" in body:
        body = _unescape(body)
    suffix = term[end + 1:]
    if not suffix:
        return body, XSD_STRING, ""
    if suffix[0] == "@":
        return body, RDF_LANGSTRING, suffix[1:]
    return body, suffix[3:-1], ""


def _unescape(body: str) -> str:
    literal = next(iter(parse(f'<urn:s> <urn:p> "{body}" .'.encode(),
                              format=RdfFormat.N_TRIPLES))).object
    assert isinstance(literal, Literal)
    return literal.value


def lexical(term: str) -> str:
    """``STR(term)``: an IRI without brackets, a literal's lexical form."""
    if term[0] == "<":
        return term[1:-1]
    if term[0] == '"':
        return _literal_parts(term)[0]
    return term[2:]


class Canonical:
    """Maps literal terms to their stored form (one instance per process: it caches)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, term: str) -> str:
        """``term`` as Oxigraph stores it (call only for typed literals: ``...>`` endings)."""
        known = self._cache.get(term)
        if known is not None:
            return known
        found = self._cache[term] = self._stored(term)
        return found

    def _stored(self, term: str) -> str:
        end = term.rindex('"')
        datatype = term[end + 4:-1]
        if datatype in _UNCHANGED or not datatype.startswith(XSD):
            return term
        body = term[1:end]
        pattern = _CANONICAL.get(datatype)
        if pattern is not None and pattern.fullmatch(body) and not _ZERO_OFFSET.search(body):
            return term
        if datatype in _DERIVED_INTEGERS and _CANONICAL[XSD_INTEGER].fullmatch(body):
            return f'"{body}"^^<{XSD_INTEGER}>'
        return _round_trip(term)


_STORE: list[Store] = []


def _round_trip(term: str) -> str:
    if not _STORE:
        _STORE.append(Store())
    store = _STORE[0]
    store.load(f"<urn:s> <urn:p> {term} .".encode(), format=RdfFormat.N_TRIPLES)
    found = str(next(iter(store)).object)
    store.clear()
    return found


def stored(term: str) -> str:
    """``term`` in the form Oxigraph stores it (any term)."""
    if term[0] == '"' and term[-1] == ">":
        return _DEFAULT(term)
    if term[0] == '"' and "@" in term[term.rindex('"'):]:
        end = term.rindex('"')
        return term[:end + 1] + term[end + 1:].lower()
    return term


_DEFAULT = Canonical()

_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})" + _TZ)
_DATETIME = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                       r"(\.[0-9]+)?" + _TZ)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_HEX = re.compile(r"([0-9a-fA-F]{2})*")
_RANGES: dict[str, tuple[int | None, int | None]] = {
    XSD + "integer": (None, None), XSD + "nonNegativeInteger": (0, None),
    XSD + "positiveInteger": (1, None), XSD + "nonPositiveInteger": (None, 0),
    XSD + "negativeInteger": (None, -1),
}


def well_formed(body: str, datatype: str) -> bool:
    """Whether lexical form ``body`` is valid for ``datatype``, as :mod:`shapes.lexical`
    decides it in SPARQL (common forms here, the others by Oxigraph itself, cached)."""
    return _well_formed(body, datatype)


@lru_cache(maxsize=1 << 18)
def _well_formed(body: str, datatype: str) -> bool:
    if not datatype.startswith(XSD) or datatype == XSD_STRING:
        return True
    if _surely_well_formed(body, datatype):
        return True
    return _by_oxigraph(body, datatype)


def _surely_well_formed(body: str, datatype: str) -> bool:
    """True for the common valid forms; False means "ask Oxigraph"."""
    if datatype == XSD + "dateTime":
        match = _DATETIME.fullmatch(body)
        if match is None:
            return False
        year, month, day, hour, minute, second = match.group(1, 2, 3, 4, 5, 6)
        return len(year) == 4 and year[0] != "-" and _valid_date(year, month, day) and \
            int(hour) < 24 and int(minute) < 60 and int(second) < 60
    if datatype == XSD + "date":
        found = _DATE.fullmatch(body)
        if found is None:
            return False
        year, month, day = found.group(1, 2, 3)
        return len(year) == 4 and year[0] != "-" and _valid_date(year, month, day)
    if datatype in _RANGES:
        if not _INTEGER.fullmatch(body):
            return False
        low, high = _RANGES[datatype]
        value = int(body)
        return -(1 << 63) <= value < (1 << 63) and (low is None or value >= low) and \
            (high is None or value <= high)
    if datatype == XSD + "decimal":
        return _DECIMAL.fullmatch(body) is not None and len(body) < 19
    if datatype == XSD + "hexBinary":
        return _HEX.fullmatch(body) is not None
    return False


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _by_oxigraph(body: str, datatype: str) -> bool:
    if not _STORE:
        _STORE.append(Store())
    literal = f"{sparql_string(body)}^^<{datatype}>"
    query = (f"SELECT ?ok WHERE {{ BIND({literal} AS ?v) "
             f"BIND(COALESCE({well_formed_sparql('?v', datatype)}, false) AS ?ok) }}")
    solutions = _STORE[0].query(query)
    assert isinstance(solutions, QuerySolutions)
    for solution in solutions:
        ok = solution["ok"]
        return ok is not None and ok.value == "true"
    return False
