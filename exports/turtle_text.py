"""Turtle written straight from canonical N-Triples text, without parsing it into terms.

A record's description is ~80 statements. Parsing its N-Triples into pyoxigraph terms only to
serialise them again costs more than reading the record, so :func:`turtle_from_ntriples`
rewrites the text: statements grouped by subject (in order of first appearance, the record's
own subject first when it comes first) and, within a subject, repeated predicates joined with
``,``; IRIs shortened to prefixed names where the local part is plainly safe; ``rdf:type``
written ``a``. Every other token is copied: an N-Triples term is also a Turtle term (same
IRI, blank node and string escapes), so the output parses to exactly the input's triples.

The input must be N-Triples as pyoxigraph writes it (one statement a line, terms separated by
one space, each line ending `` .``): what the records' text holds, once its graph terms are
cut (:func:`exports.page_text.ntriples`).

>>> print(turtle_from_ntriples(
...     b'<http://e.org/d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
...     b'<http://www.w3.org/ns/dcat#Dataset> .\\n'
...     b'<http://e.org/d> <http://www.w3.org/ns/dcat#keyword> "a"@fr .\\n'
...     b'<http://e.org/d> <http://www.w3.org/ns/dcat#keyword> "b"@fr .\\n',
...     {"dcat": "http://www.w3.org/ns/dcat#"}).decode())
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<BLANKLINE>
<http://e.org/d> a dcat:Dataset ;
    dcat:keyword "a"@fr, "b"@fr .
<BLANKLINE>
"""

from __future__ import annotations

import re
from functools import lru_cache

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
"""A subset of Turtle's PN_LOCAL that needs no escape: letters, digits, ``_ - .`` (not last)."""


class _Shortener:
    """IRI terms to prefixed names for one prefix table, remembered (records share most)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.by_namespace = {namespace: prefix for prefix, namespace in prefixes.items()}
        self.known: dict[str, str] = {}
        self.verbs: dict[str, str] = {_RDF_TYPE: "a"}
        """Predicates (a few hundred at most) as written in verb position."""

    def verb(self, predicate: str) -> str:
        """``predicate`` in verb position (``rdf:type`` is ``a``), remembered."""
        verb = self.verbs[predicate] = self(predicate)
        return verb

    def __call__(self, term: str) -> str:
        short = self.known.get(term)
        if short is None:
            iri = term[1:-1]
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            prefix = self.by_namespace.get(iri[:cut])
            short = term
            if prefix is not None and cut < len(iri) and _SAFE_LOCAL.fullmatch(iri, cut):
                short = f"{prefix}:{iri[cut:]}"
            if len(self.known) >= 100_000:  # object IRIs are many: keep the table bounded
                self.known.clear()
            self.known[term] = short
        return short


@lru_cache(maxsize=8)
def _shortener(prefixes: tuple[tuple[str, str], ...]) -> _Shortener:
    return _Shortener(dict(prefixes))


def turtle_from_ntriples(ntriples: bytes, prefixes: dict[str, str]) -> bytes:
    """``ntriples`` (canonical N-Triples, see the module) as Turtle using ``prefixes``.

    Only the prefixes the output uses are declared.
    """
    shorten = _shortener(tuple(prefixes.items()))
    verbs, known = shorten.verbs, shorten.known
    by_subject: dict[str, list[str]] = {}
    last_predicate: dict[str, str] = {}
    names: list[str] = []  # every IRI written, to declare the prefixes used
    for line in ntriples.decode("utf-8").split(" .\n"):
        if not line:
            continue
        subject, predicate, obj = line.split(" ", 2)
        if obj[-1] == ">":
            if obj[0] == "<":
                obj = known.get(obj) or shorten(obj)
                names.append(obj)
            else:  # a typed literal: "lexical"^^<datatype>
                marker = obj.rfind("^^<") + 2
                datatype = known.get(obj[marker:]) or shorten(obj[marker:])
                names.append(datatype)
                obj = obj[:marker] + datatype
        parts = by_subject.get(subject)
        if parts is None:
            verb = verbs.get(predicate) or shorten.verb(predicate)
            by_subject[subject] = [verb + " " + obj]
            names.append(verb)
        elif last_predicate[subject] == predicate:
            parts[-1] += ", " + obj
        else:
            verb = verbs.get(predicate) or shorten.verb(predicate)
            parts.append(verb + " " + obj)
            names.append(verb)
        last_predicate[subject] = predicate
    heads = [shorten(subject) if subject[0] == "<" else subject for subject in by_subject]
    used = {name.partition(":")[0] for name in set(names + heads) if name[0] not in "<_"}
    declared = "".join(f"@prefix {prefix}: <{namespace}> .\n"
                       for prefix, namespace in prefixes.items() if prefix in used)
    if not by_subject:
        return b""
    body = "".join([head + " " + " ;\n    ".join(parts) + " .\n"
                    for head, parts in zip(heads, by_subject.values(), strict=True)])
    return (declared + "\n" + body).encode("utf-8")
