"""Declared datatypes that Oxigraph's storage does not keep, restored on the way out.

Oxigraph normalises derived numeric datatypes when it stores a literal:
``"12"^^xsd:nonNegativeInteger`` comes back as ``"12"^^xsd:integer`` (oxigraph issues #526,
#1413). DCAT-AP requires ``dcat:byteSize`` to be ``xsd:nonNegativeInteger``, so every path
that takes triples out of the store (record pages, exports, validation) passes them through
:func:`restore_datatypes`. Values are unchanged; only the datatype the vocabulary declares is
put back.

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> triple = Triple(NamedNode("http://x.org/d"), NamedNode(DCAT.byteSize),
...                 Literal("12", datatype=NamedNode(XSD.integer)))
>>> restore_datatypes([triple])[0].object.datatype.value
'http://www.w3.org/2001/XMLSchema#nonNegativeInteger'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Quad, Triple

from ontology.namespaces import DCAT, XSD

DECLARED_DATATYPES: dict[str, str] = {
    DCAT.byteSize: XSD.nonNegativeInteger,
}
"""Property IRI -> the datatype ldcat writes for it (only those Oxigraph would lose)."""

_INTEGER = NamedNode(XSD.integer)
_RESTORE = {NamedNode(prop): NamedNode(dt) for prop, dt in DECLARED_DATATYPES.items()}

Statement = TypeVar("Statement", Triple, Quad)


def restore_datatypes(statements: Iterable[Statement]) -> list[Statement]:
    """``statements`` with the declared datatypes of :data:`DECLARED_DATATYPES` put back."""
    restored: list[Statement] = []
    for statement in statements:
        datatype = _RESTORE.get(statement.predicate)
        obj = statement.object
        if datatype is not None and isinstance(obj, Literal) and obj.datatype == _INTEGER:
            literal = Literal(obj.value, datatype=datatype)
            if isinstance(statement, Quad):
                statement = Quad(statement.subject, statement.predicate, literal,
                                 statement.graph_name)
            else:
                statement = Triple(statement.subject, statement.predicate, literal)
        restored.append(statement)
    return restored
