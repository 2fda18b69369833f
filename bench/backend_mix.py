"""The request mix of the backend benchmark (bench/backends.py) and the digests that tell
whether two ldcat servers gave the same answer.

The mix is what a public endpoint gets: the SPARQL kinds of :mod:`sparql_queries` on
``/sparql``, dataset records (``/datasets/{id}``) in Turtle and in JSON-LD, and pages of the
root catalogue (``/catalog?page=N``, Turtle). Every kind is interleaved round-robin, so each
connection of the closed loop walks through all of them.

A digest is a canonical summary of an answer: the same graph (or solution set, or JSON-LD
document) gives the same digest whatever the store, the triple order or the blank node labels.

>>> digest("ask", b'{"head": {}, "boolean": true}')
'true'
>>> digest("construct", b'_:a <http://p> "x" .\\n') == \\
...     digest("construct", b'_:z <http://p> "x" .\\n')
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from itertools import chain, zip_longest

from loadgen import PathRequest, Request
from pyoxigraph import BlankNode, RdfFormat, Triple, parse
from sparql_queries import KINDS as SPARQL_KINDS
from sparql_queries import Sample, build_queries

TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
PAGE_KINDS = ("record_ttl", "record_jsonld", "catalog")
KINDS = (*SPARQL_KINDS, *PAGE_KINDS)
KIND_DESCRIPTIONS = {
    "record_ttl": "GET /datasets/{id}, Accept: text/turtle",
    "record_jsonld": "GET /datasets/{id}, Accept: application/ld+json (framed, compacted)",
    "catalog": "GET /catalog?page=N (100 datasets with their distributions), Turtle",
}
UNORDERED_LIMIT = frozenset({"keyword"})
"""Kinds with ``LIMIT`` and no ``ORDER BY``: stores may pick different rows, so only the row
count is compared."""


def build_mix(sample: Sample, base_iri: str, catalog_pages: int,
              sparql_pages: int = 100) -> dict[str, list[Request]]:
    """Every kind's requests (paths relative to the server), parameterised by ``sample``."""
    queries = build_queries(sample, pages=sparql_pages)
    mix: dict[str, list[Request]] = {
        kind: [Request("/sparql", query.text, query.accept, kind) for query in queries[kind]]
        for kind in SPARQL_KINDS}
    paths = [iri[len(base_iri):] for iri in sample.datasets if iri.startswith(base_iri)]
    mix["record_ttl"] = [PathRequest(path, "", TURTLE, "record_ttl") for path in paths]
    mix["record_jsonld"] = [PathRequest(path, "", JSON_LD, "record_jsonld") for path in paths]
    mix["catalog"] = [PathRequest(f"/catalog?page={page}", "", TURTLE, "catalog")
                      for page in range(1, catalog_pages + 1)]
    return mix


def interleave(by_kind: dict[str, list[Request]]) -> list[Request]:
    """One list taking each kind in turn (kinds with fewer requests start over), as long as
    the longest kind's list times the number of kinds.

    >>> [r.kind for r in interleave({"a": [Request("/", "1", "", "a")],
    ...                              "b": [Request("/", str(n), "", "b") for n in range(2)]})]
    ['a', 'b', 'a', 'b']
    """
    lists = [items for items in by_kind.values() if items]
    longest = max((len(items) for items in lists), default=0)
    return list(chain.from_iterable(
        (items[index % len(items)] for items in lists) for index in range(longest)))


def pick(by_kind: dict[str, list[Request]], per_kind: int) -> list[Request]:
    """The first ``per_kind`` requests of each kind, kind after kind (the agreement check)."""
    return [request for items in by_kind.values() for request in items[:per_kind]]


def _term(term: object) -> str:
    return "_:" if isinstance(term, BlankNode) else str(term)


def _graph(body: bytes, rdf_format: RdfFormat) -> str:
    lines = sorted(" ".join(_term(term) for term in (item if isinstance(item, Triple)
                                                     else item.triple))
                   for item in parse(body, format=rdf_format))
    return f"{len(lines)} triples {_sha(lines)}"


def _canonical(value: object) -> object:
    """JSON with blank node ids blanked and arrays sorted (ldcat's arrays are sets)."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value),
                      key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, str) and value.startswith("_:"):
        return "_:"
    return value


def _sha(parts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def digest(kind: str, body: bytes) -> str:
    """A canonical summary of an answer of ``kind``; ``ValueError`` (or ``SyntaxError``) if it
    is not a complete answer of that kind."""
    if kind == "construct":
        return _graph(body, RdfFormat.N_TRIPLES)
    if kind in ("record_ttl", "catalog"):
        return _graph(body, RdfFormat.TURTLE)
    data = json.loads(body)
    if kind == "record_jsonld":
        return f"JSON-LD {_sha([json.dumps(_canonical(data), sort_keys=True)])}"
    if "boolean" in data:
        return str(bool(data["boolean"])).lower()
    rows = data["results"]["bindings"]
    if kind in UNORDERED_LIMIT:
        return f"{len(rows)} rows"
    canonical = sorted(json.dumps(_canonical(row), sort_keys=True) for row in rows)
    return f"{len(rows)} rows {_sha(canonical)}"


def disagreements(answers: dict[str, list[str]]) -> list[int]:
    """Positions at which the servers' digests (server -> digest per request) differ.

    >>> disagreements({"a": ["x", "y"], "b": ["x", "z"]})
    [1]
    """
    columns = zip_longest(*answers.values())
    return [index for index, row in enumerate(columns) if len(set(row)) > 1]
