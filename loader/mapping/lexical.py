"""Canonical lexical forms, as Oxigraph stores them.

Oxigraph keeps typed values, not their spelling: ``"1.00"^^xsd:decimal`` is read back as
``"1"``, ``"…T11:00:05.500000"`` as ``"…T11:00:05.5"``, ``+00:00`` as ``Z``. ldcat writes
the canonical spelling from the start, so a record reads the same from the store, from the
records' text (:mod:`loader.record_text`), in dumps and in SPARQL answers, and its content
hash does not change with the store.

>>> canonical_datetime("2025-12-03T11:00:05.555000+00:00")
'2025-12-03T11:00:05.555Z'
>>> canonical_decimal("1.00"), canonical_decimal("0.50"), canonical_decimal("12")
('1', '0.5', '12')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ontology.namespaces import XSD

_FRACTION = re.compile(r"(\d\d:\d\d:\d\d)\.(\d*?)0*(?=$|[Z+-])")
_UTC = re.compile(r"[+-]00:00$")


def canonical_datetime(lexical: str) -> str:
    """``lexical`` (an ``xsd:dateTime``) without trailing fractional zeros, UTC as ``Z``."""
    lexical = _FRACTION.sub(lambda m: m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
                            lexical, count=1)
    return _UTC.sub("Z", lexical)


def canonical_decimal(lexical: str) -> str:
    """``lexical`` (an ``xsd:decimal``) without leading or trailing zeros; unchanged if it is
    not a decimal."""
    try:
        value = Decimal(lexical)
    except InvalidOperation:
        return lexical
    if not value.is_finite():
        return lexical
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


CANONICAL: dict[str, Callable[[str], str]] = {
    f"<{XSD.dateTime}>": canonical_datetime,
    f"<{XSD.decimal}>": canonical_decimal,
}
"""Datatype token (``<iri>``) -> its canonicaliser, for the datatypes ldcat writes whose
spelling Oxigraph changes."""
