"""The SPARQL benchmark's catalogue query mix, its parameters sampled from the store, and
answer digests to check that every server gives the same answers.

Every query reads the default graph, which each server is set up to make the union of the
record graphs (ldcat: always; Oxigraph: ``--union-default-graph``; Virtuoso: no ``FROM`` means
every graph), so the same text gives the same answers everywhere.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store

PREFIXES = ("PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
            "PREFIX dct: <http://purl.org/dc/terms/>\n")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCAT_DATASET = NamedNode("http://www.w3.org/ns/dcat#Dataset")
DCAT_KEYWORD = NamedNode("http://www.w3.org/ns/dcat#keyword")
DCT_PUBLISHER = NamedNode("http://purl.org/dc/terms/publisher")
DCT_TITLE = NamedNode("http://purl.org/dc/terms/title")
SIMPLE_KEYWORD = re.compile(r"[a-z0-9][a-z0-9-]{2,29}")
TITLE_WORD = re.compile(r"[A-Za-z]{5,}")

SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"

#: Query kinds, each measured apart; the mix interleaves :data:`MIX_KINDS`.
KINDS = ("ask", "lookup", "org_count", "keyword", "paging", "construct", "aggregate")
MIX_KINDS = ("lookup", "org_count", "keyword", "paging", "construct")
KIND_DESCRIPTIONS = {
    "ask": "trivial ASK: is this IRI a dcat:Dataset",
    "lookup": "a dataset by IRI: all its properties",
    "org_count": "number of datasets of one organisation",
    "keyword": "FILTER CONTAINS over dcat:keyword or dct:title, LIMIT 20",
    "paging": "datasets ORDER BY dct:modified, LIMIT 20 OFFSET n",
    "construct": "CONSTRUCT a dataset's description with its distributions",
    "aggregate": "datasets per publisher, top 10 (the same text every time)",
    "mix": "lookup, org_count, keyword, paging, construct interleaved",
}
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


@dataclass(frozen=True, slots=True)
class Query:
    """One query text of a kind, with the result format asked for."""

    kind: str
    text: str

    @property
    def accept(self) -> str:
        """SPARQL JSON results for SELECT/ASK, N-Triples for CONSTRUCT."""
        return GRAPH_ACCEPT if self.kind == "construct" else SELECT_ACCEPT


@dataclass(frozen=True, slots=True)
class Sample:
    """Real parameters drawn from the store with a fixed seed."""

    datasets: list[str]
    organisations: list[str]
    keywords: list[str]
    title_words: list[str]


def _sample(values: Iterable[str], size: int, rng: random.Random) -> list[str]:
    ordered = sorted(set(values))
    return rng.sample(ordered, min(size, len(ordered)))


def sample_store(generation: Path, seed: int = 5, size: int = 200) -> Sample:
    """Dataset and organisation IRIs, keywords and title words from the generation at
    ``generation`` (opened read-only), deterministic for a seed."""
    store = Store.read_only(str(generation))
    rng = random.Random(seed)
    datasets = _sample((quad.subject.value for quad in
                        store.quads_for_pattern(None, RDF_TYPE, DCAT_DATASET)
                        if isinstance(quad.subject, NamedNode)), size, rng)
    organisations = _sample((quad.object.value for quad in
                             store.quads_for_pattern(None, DCT_PUBLISHER, None)
                             if isinstance(quad.object, NamedNode)), size // 4, rng)
    keywords = _sample((quad.object.value for quad in
                        store.quads_for_pattern(None, DCAT_KEYWORD, None)
                        if isinstance(quad.object, Literal)
                        and SIMPLE_KEYWORD.fullmatch(quad.object.value)), size // 4, rng)
    words: set[str] = set()
    for iri in datasets:
        for quad in store.quads_for_pattern(NamedNode(iri), DCT_TITLE, None):
            if isinstance(quad.object, Literal):
                words.update(TITLE_WORD.findall(quad.object.value))
    return Sample(datasets, organisations, keywords, _sample(words, size // 4, rng))


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_queries(sample: Sample, pages: int = 100) -> dict[str, list[Query]]:
    """Every kind's query texts (and ``mix``), parameterised by ``sample``."""
    queries: dict[str, list[Query]] = {
        "ask": [Query("ask", f"{PREFIXES}ASK {{ <{iri}> a dcat:Dataset }}")
                for iri in sample.datasets],
        "lookup": [Query("lookup", f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
                   for iri in sample.datasets],
        "org_count": [Query("org_count", f"{PREFIXES}SELECT (COUNT(?dataset) AS ?n) WHERE "
                            f"{{ ?dataset a dcat:Dataset ; dct:publisher <{iri}> }}")
                      for iri in sample.organisations],
        "keyword": [],
        "paging": [Query("paging", f"{PREFIXES}SELECT ?dataset ?modified WHERE {{ ?dataset a "
                         "dcat:Dataset ; dct:modified ?modified } ORDER BY DESC(?modified) "
                         f"?dataset LIMIT 20 OFFSET {20 * page}")
                   for page in range(pages)],
        "construct": [Query("construct", f"{PREFIXES}CONSTRUCT {{ <{iri}> ?p ?o . ?distribution "
                            f"?dp ?do }} WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ <{iri}> "
                            "dcat:distribution ?distribution . ?distribution ?dp ?do } }")
                      for iri in sample.datasets],
        "aggregate": [Query("aggregate", f"{PREFIXES}SELECT ?publisher (COUNT(?dataset) AS ?n) "
                            "WHERE { ?dataset a dcat:Dataset ; dct:publisher ?publisher } "
                            "GROUP BY ?publisher ORDER BY DESC(?n) LIMIT 10")],
    }
    for keyword, word in zip(sample.keywords, sample.title_words, strict=False):
        queries["keyword"].append(Query("keyword", f"{PREFIXES}SELECT ?dataset ?keyword WHERE "
                                        "{ ?dataset dcat:keyword ?keyword . "
                                        f"FILTER(CONTAINS(?keyword, {_string(keyword)})) }} "
                                        "LIMIT 20"))
        queries["keyword"].append(Query("keyword", f"{PREFIXES}SELECT ?dataset ?title WHERE "
                                        "{ ?dataset dct:title ?title . "
                                        f"FILTER(CONTAINS(?title, {_string(word)})) }} LIMIT 20"))
    mix_lists = [queries[kind] for kind in MIX_KINDS if queries[kind]]
    longest = max((len(items) for items in mix_lists), default=0)
    queries["mix"] = [items[index % len(items)] for index in range(longest)
                      for items in mix_lists]
    return queries


def answer_digest(kind: str, body: bytes) -> str:
    """A short summary two servers' answers must share: row count (and aggregate values) for
    SELECT, the boolean for ASK, the number of triples for CONSTRUCT. ``ValueError`` if the
    body is not a complete answer of that form."""
    if kind == "construct":
        lines = [line for line in body.decode("utf-8").splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
        if any(not line.rstrip().endswith(".") for line in lines):
            raise ValueError("not N-Triples")
        return f"{len(lines)} triples"
    data = json.loads(body)
    if "boolean" in data:
        return str(bool(data["boolean"])).lower()
    rows = data["results"]["bindings"]
    counts = sorted((int(row["n"]["value"]) for row in rows if "n" in row), reverse=True)
    return f"{len(rows)} rows" + (f", n={counts}" if counts else "")
