"""The W3C SPARQL 1.1 Protocol test suite (``sparql11/protocol/manifest.ttl``), query side.

Each test below is one manifest entry, rebuilt from its request and expected response (the
requests' paths are written ``/sparql`` instead of ``/sparql/``). The data is the manifest's:
graphs ``data0.rdf`` ... ``data3.rdf``, each holding ``<graph IRI> a foaf:Document``. Query
tests must answer as the manifest says; update tests must get a 4xx, since the public endpoint
accepts no updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from httpx2 import Response
from pyoxigraph import (
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)
from starlette.testclient import TestClient

from tests.sparql_support import open_client, publish_quads

DATA = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DIRECT = {"content-type": "application/sparql-query"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
UPDATE = "application/sparql-update"


def _graphs(name: str, *numbers: int) -> str:
    return "&".join(f"{name}={quote(DATA.format(n), safe='')}" for n in numbers)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    quads = [Quad(NamedNode(DATA.format(n)), NamedNode(RDF_TYPE), NamedNode(FOAF_DOCUMENT),
                  NamedNode(DATA.format(n))) for n in range(4)]
    store = publish_quads(tmp_path_factory.mktemp("protocol"), quads)
    with open_client(store, query_workers=1) as client:
        yield client


def _boolean(response: Response) -> bool:
    assert 200 <= response.status_code < 400, response.text
    content_type = response.headers["content-type"]
    results_format = (QueryResultsFormat.XML if "xml" in content_type
                      else QueryResultsFormat.JSON)
    result = parse_query_results(response.content, format=results_format)
    assert isinstance(result, QueryBoolean)
    return bool(result)


def test_query_post_form(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 0)}",
                         content="query=ASK%20%7B%7D", headers=FORM)
    assert _boolean(response) is True


def test_query_dataset_default_graphs_get(http: TestClient) -> None:
    query = quote(f"ASK {{ <{DATA.format(1)}> a ?type . <{DATA.format(2)}> a ?type . }}",
                  safe="")
    response = http.get(f"/sparql?query={query}&{_graphs('default-graph-uri', 1, 2)}")
    assert _boolean(response) is True


def test_query_dataset_default_graphs_post(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 1, 2)}", headers=DIRECT,
                         content=f"ASK {{ <{DATA.format(1)}> a ?type . "
                                 f"<{DATA.format(2)}> a ?type . }}")
    assert _boolean(response) is True


NAMED_ASK = (f"ASK {{ GRAPH ?g1 {{ <{DATA.format(1)}> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA.format(2)}> a ?type }} }}")


def test_query_dataset_named_graphs_post(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('named-graph-uri', 1, 2)}", headers=DIRECT,
                         content=NAMED_ASK)
    assert _boolean(response) is True


def test_query_dataset_named_graphs_get(http: TestClient) -> None:
    response = http.get(f"/sparql?query={quote(NAMED_ASK, safe='')}&"
                        f"{_graphs('named-graph-uri', 1, 2)}")
    assert _boolean(response) is True


def test_query_dataset_full(http: TestClient) -> None:
    query = (f"ASK {{ <{DATA.format(3)}> a ?type GRAPH ?g1 {{ <{DATA.format(1)}> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA.format(2)}> a ?type }} }}")
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 3)}&"
                         f"{_graphs('named-graph-uri', 1, 2)}", headers=DIRECT, content=query)
    assert _boolean(response) is True


def test_query_multiple_dataset(http: TestClient) -> None:
    """The protocol's dataset overrides the query's FROM. (The manifest's request encodes
    the ``&`` between its two named graphs, an erratum; the intended request is sent.)"""
    query = (f"ASK FROM <{DATA.format(3)}> {{ GRAPH ?g1 {{ <{DATA.format(1)}> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA.format(2)}> a ?type }} }}")
    response = http.post(f"/sparql?{_graphs('named-graph-uri', 1, 2)}", headers=DIRECT,
                         content=query)
    assert _boolean(response) is True


def test_query_get(http: TestClient) -> None:
    response = http.get(f"/sparql?query=ASK%20%7B%7D&{_graphs('default-graph-uri', 0)}")
    assert _boolean(response) is True


def test_query_content_type_select(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 0)}", headers=DIRECT,
                         content="SELECT (1 AS ?value) {}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in (
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/tab-separated-values")
    rows = parse_query_results(response.content, format=QueryResultsFormat.JSON)
    assert isinstance(rows, QuerySolutions)
    assert [row["value"].value for row in rows] == ["1"]


def test_query_content_type_ask(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 0)}", headers=DIRECT,
                         content="ASK {}")
    assert _boolean(response) is True


@pytest.mark.parametrize("query", ["DESCRIBE <http://example.org/>",
                                   "CONSTRUCT { <s> <p> 1 } WHERE {}"])
def test_query_content_type_graph(http: TestClient, query: str) -> None:
    """query_content_type_describe and query_content_type_construct."""
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 0)}", headers=DIRECT,
                         content=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] in (
        "text/turtle", "application/rdf+xml", "application/n-triples")
    list(parse(response.content, format=RdfFormat.TURTLE))  # well-formed


def test_query_post_direct(http: TestClient) -> None:
    response = http.post(f"/sparql?{_graphs('default-graph-uri', 0)}", headers=DIRECT,
                         content="ASK {}")
    assert _boolean(response) is True


def _assert_refused(response: Response) -> None:
    status = response.status_code
    assert 400 <= status < 500, status
    body = response.json()
    assert body["status"] == status
    assert body["error"]
    assert body["message"]


def test_bad_query_method(http: TestClient) -> None:
    _assert_refused(http.put("/sparql", content="query=ASK%20%7B%7D", headers=FORM))


def test_bad_multiple_queries(http: TestClient) -> None:
    _assert_refused(http.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D"))


def test_bad_query_wrong_media_type(http: TestClient) -> None:
    _assert_refused(http.post("/sparql", content="ASK {}",
                              headers={"content-type": "text/plain"}))


@pytest.mark.parametrize("body", ["query=ASK%20%7B%7D", "ASK {}"])
def test_bad_query_missing_type(http: TestClient, body: str) -> None:
    """bad_query_missing_form_type and bad_query_missing_direct_type."""
    _assert_refused(http.post("/sparql", content=body.encode("utf-8")))


def test_bad_query_non_utf8(http: TestClient) -> None:
    _assert_refused(http.post("/sparql", content="ASK {}".encode("utf-16"),
                              headers={"content-type": "application/sparql-query; "
                                                       "charset=UTF-16"}))


def test_bad_query_syntax(http: TestClient) -> None:
    _assert_refused(http.get("/sparql?query=ASK%20%7B"))


UPDATE_TEXT = (f"PREFIX dc: <http://purl.org/dc/terms/>\nCLEAR ALL ;\nINSERT DATA {{ GRAPH "
               f"<{DATA.format(1)}> {{ <{DATA.format(1)}> a <{FOAF_DOCUMENT}> }} }}")


@pytest.mark.parametrize(("path", "headers", "body"), [
    # update_post_form, update_post_direct, update_dataset_* and update_base_uri
    ("/sparql", FORM, f"update={quote(UPDATE_TEXT, safe='')}"),
    ("/sparql", {"content-type": UPDATE}, UPDATE_TEXT),
    (f"/sparql?{_graphs('using-graph-uri', 1)}", {"content-type": UPDATE}, UPDATE_TEXT),
    (f"/sparql?{_graphs('using-named-graph-uri', 1)}", {"content-type": UPDATE}, UPDATE_TEXT),
    ("/sparql", {"content-type": UPDATE}, "BASE <http://example.org/>\nCLEAR GRAPH <g>"),
    # bad_multiple_updates, bad_update_wrong_media_type, bad_update_missing_form_type,
    # bad_update_non_utf8, bad_update_syntax, bad_update_dataset_conflict
    ("/sparql", FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"),
    ("/sparql", {"content-type": "text/plain"}, "CLEAR NAMED"),
    ("/sparql", {}, "update=CLEAR%20NAMED"),
    ("/sparql", {"content-type": f"{UPDATE}; charset=UTF-16"}, "CLEAR NAMED"),
    ("/sparql", {"content-type": UPDATE}, "CLEAR XYZ"),
    (f"/sparql?{_graphs('using-graph-uri', 1)}", {"content-type": UPDATE},
     f"CLEAR ALL ; INSERT {{ <s> <p> 1 }} USING <{DATA.format(2)}> WHERE {{}}"),
    # an update sent as a query, by every query route
    ("/sparql", DIRECT, UPDATE_TEXT),
    ("/sparql", FORM, f"query={quote(UPDATE_TEXT, safe='')}"),
])
def test_updates_are_refused(http: TestClient, path: str, headers: dict[str, str],
                             body: str) -> None:
    _assert_refused(http.post(path, content=body.encode("utf-8"), headers=headers))
    after = http.get(f"/sparql?query=ASK%20%7B%7D&{_graphs('default-graph-uri', 1)}")
    assert _boolean(after) is True


def test_bad_update_get(http: TestClient) -> None:
    response = http.get("/sparql?update=CLEAR%20ALL")
    _assert_refused(response)
    assert "ldcat load" in response.json()["message"]


def test_data_survives_the_update_attempts(http: TestClient) -> None:
    query = f"ASK {{ GRAPH <{DATA.format(1)}> {{ <{DATA.format(1)}> a <{FOAF_DOCUMENT}> }} }}"
    assert _boolean(http.post("/sparql", headers=DIRECT, content=query)) is True
