"""Compact JSON-LD of one record, framed by hand: the record as one object, its known parts
nested, other nodes side-loaded under ``included``.

No JSON-LD processor runs per request: the shape is known, so the triples are walked once.
A value is written short (``"title": "Budget"``) only when the key's definition in the context
expands it back to exactly the stored term; otherwise as a value object (``{"@value": ...,
"@language": "en"}``) or a node reference (``{"id": ...}``). Expanding the output therefore
gives the record's triples back, which the tests check with PyLD.

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> from endpoint.jsonld_context import LDCAT_CONTEXT
>>> from ontology.namespaces import DCAT, DCT
>>> d = NamedNode("https://x.org/datasets/1")
>>> frame([Triple(d, NamedNode(DCT.title), Literal("Budget", language="fr")),
...        Triple(d, NamedNode(DCAT.keyword), Literal("budget"))], d.value, LDCAT_CONTEXT, "c")
{'@context': 'c', 'id': 'https://x.org/datasets/1', 'title': 'Budget', 'keyword': ['budget']}
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from endpoint.jsonld_context import ID, PLAIN, TEXT, TYPED, Context, Term
from ontology.namespaces import RDF, XSD

Node = NamedNode | BlankNode
JsonValue = Any
_TYPE = RDF.type
_CANONICAL_INTEGER = re.compile(r"0|[1-9][0-9]{0,14}")
_INTEGER_TYPES = frozenset({XSD.integer, XSD.nonNegativeInteger})


def _node_id(node: Node) -> str:
    return f"_:{node.value}" if isinstance(node, BlankNode) else node.value


def _native(value: str, datatype: str) -> JsonValue:
    """A JSON number or boolean when it expands back to the same lexical form."""
    if datatype in _INTEGER_TYPES and _CANONICAL_INTEGER.fullmatch(value):
        return int(value)
    if datatype == XSD.boolean and value in ("true", "false"):
        return value == "true"
    return value


def _literal(term: Term | None, literal: Literal, context: Context) -> JsonValue:
    language = literal.language
    datatype = literal.datatype.value
    if term is not None:
        if term.kind == TEXT and language == term.language:
            return literal.value
        if term.kind == TYPED and not language and datatype == term.datatype:
            return _native(literal.value, datatype)
        if term.kind == PLAIN and not language and datatype == XSD.string:
            return literal.value
    elif not language and datatype == XSD.string:
        return literal.value
    if language:
        return {"@value": literal.value, "@language": language}
    if datatype == XSD.string:
        return {"@value": literal.value}
    return {"@value": literal.value, "@type": context.compact(datatype)}


class _Framer:
    def __init__(self, triples: Iterable[Triple], context: Context) -> None:
        self.context = context
        self.by_subject: dict[Node, list[Triple]] = defaultdict(list)
        for triple in triples:
            if isinstance(triple.subject, NamedNode | BlankNode):
                self.by_subject[triple.subject].append(triple)
        self.done: set[Node] = set()

    def reverse(self, root: Node) -> dict[str, list[str]]:
        """Take the triples pointing at ``root`` through a reverse key out of the walk."""
        found: dict[str, list[str]] = defaultdict(list)
        for subject, triples in list(self.by_subject.items()):
            kept = []
            for triple in triples:
                term = self.context.reverse.get(triple.predicate.value)
                if term is not None and triple.object == root and subject != root:
                    found[term.key].append(_node_id(subject))
                else:
                    kept.append(triple)
            if kept:
                self.by_subject[subject] = kept
            else:
                del self.by_subject[subject]
        return {key: sorted(values) for key, values in found.items()}

    def node(self, subject: Node) -> dict[str, JsonValue]:
        self.done.add(subject)
        context = self.context
        result: dict[str, JsonValue] = {"id": _node_id(subject)}
        grouped: dict[str, list[NamedNode | BlankNode | Literal]] = defaultdict(list)
        for triple in self.by_subject.pop(subject, []):
            if not isinstance(triple.object, Triple):
                grouped[triple.predicate.value].append(triple.object)
        types = sorted(context.type_key(value.value) for value in grouped.pop(_TYPE, []))
        if types:
            result["type"] = types[0] if len(types) == 1 else types
        keyed: list[tuple[str, Term | None, list[NamedNode | BlankNode | Literal]]] = []
        for predicate, values in grouped.items():
            term = context.forward.get(predicate)
            keyed.append((term.key if term else context.compact(predicate), term, values))
        keyed.sort(key=lambda item: (context.order.get(item[0], len(context.order)), item[0]))
        for key, term, values in keyed:
            items = [self.value(term, value) for value in sorted(values, key=str)]
            result[key] = items if (term is not None and term.many) or len(items) > 1 \
                else items[0]
        return result

    def value(self, term: Term | None, value: NamedNode | BlankNode | Literal) -> JsonValue:
        if isinstance(value, Literal):
            return _literal(term, value, self.context)
        if term is not None and term.embed and value in self.by_subject \
                and value not in self.done:
            return self.node(value)
        if term is not None and term.kind == ID and isinstance(value, NamedNode):
            return value.value
        return {"id": _node_id(value)}


def frame(triples: Iterable[Triple], root: str, context: Context,
          context_ref: str | dict[str, Any]) -> dict[str, JsonValue]:
    """The record ``root`` as one JSON-LD object (``@context`` is ``context_ref``).

    Keys come in the context's order; the record's ``@reverse`` keys (``inCatalog``,
    ``servedBy``) after its own; nodes nothing nests go to ``included``, sorted by id.
    """
    framer = _Framer(triples, context)
    root_node = NamedNode(root)
    reverse = framer.reverse(root_node)
    document: dict[str, JsonValue] = {"@context": context_ref}
    document.update(framer.node(root_node))
    document.update(reverse)
    rest = sorted(framer.by_subject, key=_node_id)
    included = [framer.node(subject) for subject in rest if subject not in framer.done]
    if included:
        document["included"] = included
    return document
