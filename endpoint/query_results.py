"""Query results as a table for people: SPARQL 1.1 Query Results JSON in, rows of cells out.

Graph results (CONSTRUCT, DESCRIBE) become the same JSON shape with ``subject``, ``predicate``
and ``object`` columns (:func:`graph_results_json`), so one table shows both kinds.

>>> table = result_table(b'{"head": {"vars": ["s"]}, "results": {"bindings": '
...                      b'[{"s": {"type": "uri", "value": "http://www.w3.org/ns/dcat#Dataset"}}]}}')
>>> table.rows[0][0].label
'dcat:Dataset'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from ontology.namespaces import PREFIXES, XSD

MAX_TABLE_ROWS = 1000
"""Rows a page shows; the download links give the rest."""

LINKABLE = re.compile(r"^https?://", re.IGNORECASE)
LOCAL_NAME = re.compile(r"^[A-Za-z_][\w-]*(?:\.[\w-]+)*$")
XSD_STRING = XSD.string


@dataclass(frozen=True)
class Cell:
    """One RDF term in a result table (``kind`` is ``uri``, ``literal``, ``bnode``, ``triple``
    or ``empty`` for an unbound variable)."""

    kind: str
    value: str = ""
    label: str = ""
    """The value as shown: a prefixed name where a known prefix fits, else the value."""
    href: str | None = None
    """A link target, only for http(s) IRIs."""
    lang: str | None = None
    datatype: str | None = None
    datatype_label: str | None = None


EMPTY = Cell(kind="empty")


@dataclass(frozen=True)
class ResultTable:
    """A SELECT table (``variables`` and ``rows``) or an ASK answer (``boolean``)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: int
    """Rows in the whole result; ``len(rows)`` is at most the display limit."""
    boolean: bool | None = None


def compact(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``iri`` as ``prefix:local`` when a prefix fits and the local part is a plain name."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and LOCAL_NAME.match(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def cell(term: Mapping[str, Any] | None) -> Cell:
    """A cell from one term of SPARQL JSON results (``None`` for an unbound variable)."""
    if term is None:
        return EMPTY
    kind = str(term.get("type", ""))
    if kind == "triple":
        inner = term.get("value", {})
        parts = [cell(inner.get(name)).label for name in ("subject", "predicate", "object")]
        text = "<< " + " ".join(parts) + " >>"
        return Cell(kind="triple", value=text, label=text)
    value = str(term.get("value", ""))
    if kind == "uri":
        return Cell(kind="uri", value=value, label=compact(value),
                    href=value if LINKABLE.match(value) else None)
    if kind == "bnode":
        return Cell(kind="bnode", value=value, label=f"_:{value}")
    datatype = term.get("datatype")
    return Cell(kind="literal", value=value, label=value, lang=term.get("xml:lang"),
                datatype=datatype, datatype_label=compact(datatype) if datatype else None)


def result_table(result_json: bytes, max_rows: int = MAX_TABLE_ROWS) -> ResultTable:
    """The table of a SPARQL JSON result; ``ValueError`` when it is not one."""
    try:
        document = json.loads(result_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not SPARQL JSON results: {error}") from error
    if not isinstance(document, dict):
        raise ValueError("not SPARQL JSON results: not an object")
    if isinstance(document.get("boolean"), bool):
        return ResultTable(variables=(), rows=(), total=0, boolean=document["boolean"])
    variables = tuple(str(name) for name in document.get("head", {}).get("vars", []))
    bindings = document.get("results", {}).get("bindings", [])
    rows = tuple(tuple(cell(binding.get(name)) for name in variables)
                 for binding in bindings[:max_rows])
    return ResultTable(variables=variables, rows=rows, total=len(bindings))


def _term_json(term: object) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype.value == XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def graph_results_json(data: bytes, media_type: str) -> bytes:
    """Serialised triples (any RDF media type pyoxigraph reads) as SPARQL JSON results with
    ``subject``, ``predicate`` and ``object`` columns; ``ValueError`` for unknown types."""
    rdf_format = RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise ValueError(f"cannot show {media_type} results")
    bindings = [{"subject": _term_json(item.subject), "predicate": _term_json(item.predicate),
                 "object": _term_json(item.object)}
                for item in parse(data, format=rdf_format)]
    return json.dumps({"head": {"vars": ["subject", "predicate", "object"]},
                       "results": {"bindings": bindings}}).encode()
