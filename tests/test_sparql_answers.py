"""What the endpoint answers on the demo catalogue: formats by Accept (q-values, wildcards) or
``format``, the union default graph and record graphs, the service description and VoID with
real counts, and the lexer's reading of queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)
from starlette.testclient import TestClient

from endpoint.negotiation import choose
from endpoint.sparql_syntax import SparqlSyntaxError, analyze, with_limit
from loader.generations import StoreLayout
from loader.report import LoadReport
from ontology.namespaces import DCAT, RDF, VOID
from tests.sparql_support import open_client

SD = "http://www.w3.org/ns/sparql-service-description#"
SELECT = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } ORDER BY ?d LIMIT 3"
CONSTRUCT = "CONSTRUCT WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 3"


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    with open_client(demo_store[0], query_workers=1) as client:
        yield client


@pytest.fixture(scope="module")
def store(demo_store: tuple[Path, LoadReport]) -> Store:
    generation = StoreLayout(demo_store[0]).current()
    assert generation is not None
    return Store.read_only(str(generation.path))


@pytest.mark.parametrize(("accept", "media_type", "results_format"), [
    (None, "application/sparql-results+json", QueryResultsFormat.JSON),
    ("*/*", "application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", "application/sparql-results+xml",
     QueryResultsFormat.XML),
    ("text/csv;q=0.4, text/tab-separated-values;q=0.9", "text/tab-separated-values",
     QueryResultsFormat.TSV),
    ("text/*;q=0.5, application/sparql-results+json;q=0.1", "text/csv",
     QueryResultsFormat.CSV),
    ("application/json", "application/sparql-results+json", QueryResultsFormat.JSON),
])
def test_select_formats_by_accept(http: TestClient, accept: str | None, media_type: str,
                                  results_format: QueryResultsFormat) -> None:
    headers = {"accept": accept} if accept else {}
    response = http.get("/sparql", params={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in response.headers["vary"].lower()
    if results_format != QueryResultsFormat.CSV:
        rows = parse_query_results(response.content, format=results_format)
        assert isinstance(rows, QuerySolutions)
        assert len(list(rows)) == 3
    else:
        assert response.text.count("\r\n") == 4


@pytest.mark.parametrize(("name", "rdf_format"), [
    ("ttl", RdfFormat.TURTLE), ("nt", RdfFormat.N_TRIPLES), ("rdf", RdfFormat.RDF_XML),
    ("jsonld", RdfFormat.JSON_LD), ("trig", RdfFormat.TRIG), ("nq", RdfFormat.N_QUADS),
    ("n3", RdfFormat.N3),
])
def test_graph_answers_in_every_rdf_format(http: TestClient, name: str,
                                           rdf_format: RdfFormat) -> None:
    by_accept = http.get("/sparql", params={"query": CONSTRUCT},
                         headers={"accept": f"{rdf_format.media_type}, */*;q=0.1"})
    by_name = http.get("/sparql", params={"query": CONSTRUCT, "format": name})
    for response in (by_accept, by_name):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == rdf_format.media_type
        assert len(list(parse(response.content, format=rdf_format))) == 3


def test_nothing_acceptable_is_406_and_bad_format_400(http: TestClient) -> None:
    refused = http.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"})
    assert refused.status_code == 406
    assert "application/sparql-results+json" in refused.json()["message"]
    bad = http.get("/sparql", params={"query": SELECT, "format": "ttl"})
    assert bad.status_code == 400
    assert "json" in bad.json()["message"]


def test_ask_and_describe(http: TestClient, store: Store) -> None:
    dataset = next(iter(store.quads_for_pattern(None, NamedNode(RDF.type),
                                                NamedNode(DCAT.Dataset), None))).subject
    ask = http.get("/sparql", params={"query": f"ASK {{ {dataset} a ?t }}"})
    result = parse_query_results(ask.content, format=QueryResultsFormat.JSON)
    assert isinstance(result, QueryBoolean)
    assert bool(result)
    described = http.get("/sparql", params={"query": f"DESCRIBE {dataset}"},
                         headers={"accept": "text/turtle"})
    triples = list(parse(described.content, format=RdfFormat.TURTLE))
    expected = {quad.triple for quad in store.quads_for_pattern(dataset, None, None, None)}
    assert {triple.predicate for triple in triples} == {t.predicate for t in expected}
    assert len(triples) == len(expected)


def test_default_graph_is_the_union_and_graph_sees_records(http: TestClient,
                                                           store: Store) -> None:
    graphs = {quad.graph_name for quad in store.quads_for_pattern(None, None, None, None)}
    response = http.get("/sparql", params={
        "query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    rows = parse_query_results(response.content, format=QueryResultsFormat.JSON)
    assert isinstance(rows, QuerySolutions)
    assert int(next(iter(rows))["n"].value) == len(graphs)
    union = http.get("/sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"})
    rows = parse_query_results(union.content, format=QueryResultsFormat.JSON)
    assert isinstance(rows, QuerySolutions)
    datasets = {q.subject for q in store.quads_for_pattern(None, NamedNode(RDF.type),
                                                             NamedNode(DCAT.Dataset), None)}
    assert int(next(iter(rows))["n"].value) == len(datasets)


def test_service_description(http: TestClient) -> None:
    response = http.get("/sparql", headers={"accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(parse(response.content, format=RdfFormat.TURTLE))
    endpoint = next(t.subject for t in triples if t.object == NamedNode(SD + "Service"))
    assert endpoint.value.endswith("/sparql")
    objects = {t.object for t in triples if t.subject == endpoint}
    assert NamedNode(SD + "SPARQL11Query") in objects
    assert NamedNode(SD + "UnionDefaultGraph") in objects
    assert NamedNode("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in objects
    as_xml = http.get("/sparql", headers={"accept": "application/rdf+xml"})
    assert len(list(parse(as_xml.content, format=RdfFormat.RDF_XML))) == len(triples)


def test_void_counts_are_the_store_counts(http: TestClient, store: Store) -> None:
    response = http.get("/-/void", headers={"accept": "application/n-triples"})
    assert response.status_code == 200
    triples = list(parse(response.content, format=RdfFormat.N_TRIPLES))
    dataset = next(t.subject for t in triples if t.object == NamedNode(VOID.Dataset))
    values = {t.predicate.value: t.object for t in triples if t.subject == dataset}
    assert int(values[VOID.triples].value) == len(store)
    partitions = {t.object for t in triples if t.predicate == NamedNode(VOID.classPartition)}
    entities = {}
    for partition in partitions:
        about = {t.predicate.value: t.object for t in triples if t.subject == partition}
        entities[about[VOID.term("class")].value] = int(about[VOID.entities].value)
    datasets = {q.subject for q in store.quads_for_pattern(None, NamedNode(RDF.type),
                                                             NamedNode(DCAT.Dataset), None)}
    assert entities[DCAT.Dataset] == len(datasets)
    assert int(values[VOID.classes].value) == len(entities)
    assert http.get("/-/void").headers["content-type"].startswith("text/turtle")
    etag = response.headers["etag"]
    assert http.get("/-/void", headers={"accept": "application/n-triples",
                                        "if-none-match": etag}).status_code == 304
    assert http.get("/-/void", headers={"accept": "text/turtle",
                                        "if-none-match": etag}).status_code == 200


def test_negotiation_rules() -> None:
    offered = ["text/turtle", "application/ld+json"]
    assert choose("application/ld+json;q=0.9, text/turtle;q=0.8", offered) == \
        "application/ld+json"
    assert choose("text/turtle;q=0, */*", offered) == "application/ld+json"
    assert choose("text/*", offered) == "text/turtle"
    assert choose("", offered) == "text/turtle"
    assert choose("application/xml", offered) is None


@pytest.mark.parametrize(("text", "form", "services"), [
    ("SELECT * { ?s ?p 'SERVICE <http://x/> { }' }", "SELECT", ()),
    ('SELECT * { ?s ?p """\nSERVICE <http://x/> {}\n""" }', "SELECT", ()),
    ("PREFIX s: <http://e/> SELECT * { ?s s:SERVICE ?o }", "SELECT", ()),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://x/> {}", "SELECT", ()),
    ("SELECT * { ?s <http://e/SERVICE> ?o }", "SELECT", ()),
    ("select * { sErViCe <http://x/> { ?s ?p ?o } }", "SELECT", ("http://x/",)),
    ("DESCRIBE ?s { SERVICE SILENT <http://x/> {} }", "DESCRIBE", ("http://x/",)),
    ("ASK { SERVICE ?e {} }", "ASK", (None,)),
    ("PREFIX p: <http://x/> CONSTRUCT WHERE { SERVICE p:a\\~b {} }", "CONSTRUCT",
     ("http://x/a~b",)),
])
def test_lexer_finds_service_calls_only(text: str, form: str,
                                        services: tuple[str | None, ...]) -> None:
    info = analyze(text)
    assert info.form == form
    assert info.services == services


def test_lexer_refuses_what_it_cannot_read() -> None:
    for text in ["SELECT * { ?s ?p 'open", "", "# only a comment", "SELEC * {}", "\x00"]:
        with pytest.raises(SparqlSyntaxError):
            analyze(text)


@pytest.mark.parametrize("text", [
    "SELECT ?d WHERE { ?d a ?t } ORDER BY ?d",
    "SELECT ?d WHERE { ?d a ?t } ORDER BY ?d LIMIT 1000",
    "SELECT ?d WHERE { ?d a ?t { SELECT ?t WHERE { ?x a ?t } LIMIT 1 } } OFFSET 2",
    "SELECT ?d WHERE { ?d a ?t } VALUES ?t { <http://www.w3.org/ns/dcat#Dataset> }",
    "SELECT ?d WHERE { ?d a ?t } # comment at the end",
])
def test_row_cap_rewrite_keeps_the_query(store: Store, text: str) -> None:
    """``with_limit`` gives the first rows of the same answer, never a different query."""
    full = store.query(text, use_default_graph_as_union=True)
    capped = store.query(with_limit(analyze(text), 5), use_default_graph_as_union=True)
    assert isinstance(full, QuerySolutions)
    assert isinstance(capped, QuerySolutions)
    full_rows = [tuple(row) for row in full]
    capped_rows = [tuple(row) for row in capped]
    assert len(capped_rows) == min(5, len(full_rows))
    if "ORDER BY" in text:
        assert capped_rows == full_rows[:5]
    else:
        assert set(capped_rows) <= set(full_rows)
