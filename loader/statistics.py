"""Counts describing a generation, computed once when it is published.

VoID (``/-/void``), the service description and the home page read them from the
generation's manifest instead of running whole-store aggregates per request (Oxigraph's
weakest kind of query).

>>> from pyoxigraph import Store, Quad, NamedNode
>>> store = Store()
>>> g, s = NamedNode("http://e/g"), NamedNode("http://e/s")
>>> store.add(Quad(s, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
...                NamedNode("http://e/C"), g))
>>> compute_statistics(store)["classes"]
{'http://e/C': 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pyoxigraph import Literal, QuerySolutions, Store


def _rows(store: Store, query: str) -> QuerySolutions:
    result = store.query(query)
    if not isinstance(result, QuerySolutions):
        raise TypeError("statistics queries are SELECT queries")
    return result


def _integer(term: object) -> int:
    return int(term.value) if isinstance(term, Literal) else 0


def property_counts(store: Store) -> Counter[str]:
    """Triples per property over every named graph (the slow part: one scan of the store)."""
    return Counter({row["p"].value: _integer(row["n"]) for row in _rows(
        store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")})


def compute_statistics(store: Store, graphs: int | None = None,
                       properties: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Quads, record graphs (``graphs``, when the caller knows it), entities per class and
    triples per property (``properties`` when the caller counted them, as the load does:
    the records' before it adds the quality graphs, whose it knows from writing them)."""
    classes = {row["c"].value: _integer(row["n"]) for row in _rows(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")}
    if properties is None:
        properties = property_counts(store)
    return {
        "quads": len(store),
        "graphs": graphs,
        "classes": dict(sorted(classes.items())),
        "properties": dict(sorted(properties.items())),
    }
