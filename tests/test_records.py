"""Record routes: every kind × format × profile, negotiation, validators and 304, 404/410,
slug redirects, 406 with the alternates."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.profiles import PROFILES
from endpoint.record_formats import RECORD_FORMATS
from loader.load import LoadOptions, load
from loader.report import LoadReport
from ontology.namespaces import DCAT, DCATAP, LDC, RDF, SCHEMA, SPDX, XSD
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row

DATASET = "5ca3280b619abab5be11b720"
PARSERS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "rdf": RdfFormat.RDF_XML,
           "jsonld": RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> TestClient:
    return TestClient(create_app_for_store(demo_store[0]))


def sample_paths(http: TestClient) -> dict[str, str]:
    """One record path of each kind the demo publishes."""
    query = ("SELECT ?g WHERE { GRAPH ?g { ?g a ?type } FILTER(STRSTARTS(STR(?g), "
             f"'{BASE}/{{kind}}/') && ?type != <http://www.w3.org/ns/dqv#QualityMetadata>) }}"
             " LIMIT 1")
    paths = {}
    for kind in ("datasets", "organizations", "users", "reuses", "dataservices", "themes"):
        answer = http.get("/sparql", params={"query": query.replace("{kind}", kind)}).json()
        paths[kind] = answer["results"]["bindings"][0]["g"]["value"].replace(BASE, "")
    query = f"SELECT ?r WHERE {{ ?r a <{DCAT.Distribution}> }} LIMIT 1"
    answer = http.get("/sparql", params={"query": query}).json()
    paths["resources"] = answer["results"]["bindings"][0]["r"]["value"].replace(BASE, "")
    return paths


def test_every_kind_format_and_profile_parses_with_headers(http: TestClient) -> None:
    for kind, path in sample_paths(http).items():
        for record_format in RECORD_FORMATS:
            profiles = [None] if record_format.name == "html" else PROFILES
            for profile in profiles:
                params = {"_profile": profile.token} if profile else {}
                if record_format.name == "jsonld":
                    params["_context"] = "inline"  # pyoxigraph's parser fetches nothing
                response = http.get(path + record_format.suffix, params=params)
                where = f"{kind} {record_format.name} {profile}"
                assert response.status_code == 200, where
                assert response.headers["content-type"] == record_format.content_type, where
                assert response.headers["vary"].startswith("Accept, Accept-Profile")
                assert response.headers["etag"].startswith('"')
                assert response.headers["last-modified"].endswith(" GMT")
                assert f'<{path}.ttl>; rel="alternate"; type="text/turtle"' \
                    in response.headers["link"]
                if profile is None:
                    assert response.text.startswith("<!doctype html>"), where
                    assert "content-profile" not in response.headers
                    continue
                assert response.headers["content-profile"] == f"<{profile.uri}>", where
                triples = list(parse(response.content, format=PARSERS[record_format.name],
                                     base_iri=BASE))
                assert triples, where
                subjects = {triple.subject for triple in triples}
                assert NamedNode(BASE + path) in subjects, where


def test_link_header_lists_every_alternate(http: TestClient) -> None:
    links = http.get(f"/datasets/{DATASET}.ttl").headers["link"].split(", <")
    assert len(links) == 1 + 4 * len(PROFILES)
    assert any('.rdf?_profile=dcat-ap-2.1.1>; rel="alternate"; type="application/rdf+xml"; '
               'profile="https://semiceu.github.io/DCAT-AP/releases/2.1.1/"' in link
               for link in links)


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
    ("*/*", "text/html"),
    (None, "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/*;q=0.9, text/turtle", "text/turtle"),
    ("application/*", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples;q=1, */*;q=0.1", "application/n-triples"),
    ("text/html;q=0, */*", "application/ld+json"),
])
def test_accept_q_values_and_wildcards(http: TestClient, accept: str | None,
                                       expected: str) -> None:
    headers = {"accept": accept} if accept is not None else {}
    response = http.get(f"/datasets/{DATASET}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_suffix_beats_parameters_beat_headers(http: TestClient) -> None:
    path = f"/datasets/{DATASET}"
    by_suffix = http.get(path + ".nt", params={"_mediatype": "text/turtle"},
                         headers={"accept": "application/rdf+xml"})
    assert by_suffix.headers["content-type"].startswith("application/n-triples")
    by_param = http.get(path, params={"_mediatype": "text/turtle", "_profile": "schema.org"},
                        headers={"accept": "application/rdf+xml",
                                 "accept-profile": "<https://semiceu.github.io/DCAT-AP/"
                                                   "releases/2.1.1/>"})
    assert by_param.headers["content-type"].startswith("text/turtle")
    assert by_param.headers["content-profile"] == "<https://schema.org/>"
    by_header = http.get(path, headers={
        "accept": "text/turtle",
        "accept-profile": "<https://schema.org/>;q=0.4, "
                          "<https://semiceu.github.io/DCAT-AP/releases/2.1.1/>;q=0.8"})
    assert by_header.headers["content-profile"] == \
        "<https://semiceu.github.io/DCAT-AP/releases/2.1.1/>"
    unknown_profile = http.get(path, headers={"accept": "text/turtle",
                                              "accept-profile": "<http://nope.example/>"})
    assert unknown_profile.headers["content-profile"] == \
        "<https://semiceu.github.io/DCAT-AP/releases/3.0.1/>"


def test_not_acceptable_lists_the_alternates(http: TestClient) -> None:
    path = f"/datasets/{DATASET}"
    for response in (http.get(path, headers={"accept": "image/png"}),
                     http.get(path, params={"_mediatype": "text/csv"}),
                     http.get(path + ".ttl", params={"_profile": "nope"})):
        assert response.status_code == 406
        body = response.json()
        assert body["error"] == "not_acceptable"
        assert body["status"] == 406
        hrefs = {alternate["href"] for alternate in body["alternates"]}
        assert f"{path}.ttl" in hrefs
        assert f"{path}.jsonld?_profile=schema.org" in hrefs
        assert "link" in response.headers


def test_conditional_requests_answer_304(http: TestClient) -> None:
    for path in (f"/datasets/{DATASET}.ttl", f"/datasets/{DATASET}.jsonld",
                 f"/datasets/{DATASET}"):
        first = http.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = http.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert http.get(path, headers={"if-none-match": f'"x", W/{etag}'}).status_code == 304
        assert http.get(path, headers={"if-none-match": '"other"'}).status_code == 200
        assert http.get(path, headers={"if-modified-since": modified}).status_code == 304
        assert http.get(path, headers={"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"}
                        ).status_code == 200
        assert http.get(path, headers={"if-modified-since": "garbage"}).status_code == 200
        # If-None-Match decides when both are sent.
        assert http.get(path, headers={"if-none-match": '"other"',
                                       "if-modified-since": modified}).status_code == 200
    turtle = http.get(f"/datasets/{DATASET}.ttl").headers["etag"]
    assert turtle != http.get(f"/datasets/{DATASET}.nt").headers["etag"]
    assert turtle != http.get(f"/datasets/{DATASET}.ttl?_profile=schema.org").headers["etag"]


def test_dcat_ap_2_profile_changes(http: TestClient) -> None:
    query = (f"SELECT ?d WHERE {{ ?d <{DCAT.distribution}> ?r . ?r <{SPDX.checksum}> ?c }} "
             "LIMIT 1")
    dataset = http.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    path = dataset["d"]["value"].replace(BASE, "")
    current = list(parse(http.get(path + ".nt").content, format=RdfFormat.N_TRIPLES))
    older = list(parse(http.get(path + ".nt", params={"_profile": "dcat-ap-2.1.1"}).content,
                       format=RdfFormat.N_TRIPLES))
    sizes = [t.object for t in older if t.predicate == NamedNode(DCAT.byteSize)]
    assert sizes
    assert all(isinstance(size, Literal) and size.datatype == NamedNode(XSD.decimal)
               for size in sizes)
    algorithms = {t.object.value for t in older if t.predicate == NamedNode(SPDX.algorithm)}
    assert algorithms
    assert all(value.startswith("http://spdx.org/rdf/terms#") for value in algorithms)
    assert not [t for t in older if t.predicate in (NamedNode(DCATAP.hvdCategory),
                                                     NamedNode(DCATAP.applicableLegislation))]
    assert len(older) <= len(current)


def test_schema_org_profile(http: TestClient) -> None:
    triples = list(parse(http.get(f"/datasets/{DATASET}.nt?_profile=schema.org").content,
                         format=RdfFormat.N_TRIPLES))
    dataset = NamedNode(f"{BASE}/datasets/{DATASET}")
    types = {t.object for t in triples
             if t.subject == dataset and t.predicate == NamedNode(RDF.type)}
    assert types == {NamedNode(SCHEMA.Dataset)}
    predicates = {t.predicate.value for t in triples if t.subject == dataset}
    assert {SCHEMA.name, SCHEMA.description, SCHEMA.publisher, SCHEMA.distribution} <= predicates
    downloads = {t.subject for t in triples if t.object == NamedNode(SCHEMA.DataDownload)}
    assert downloads
    assert all(any(t.subject == d and t.predicate == NamedNode(SCHEMA.contentUrl)
                   for t in triples) for d in downloads)


def test_publisher_name_comes_with_the_dataset(http: TestClient) -> None:
    triples = list(parse(http.get(f"/datasets/{DATASET}.nt").content,
                         format=RdfFormat.N_TRIPLES))
    dataset = NamedNode(f"{BASE}/datasets/{DATASET}")
    publisher = next(t.object for t in triples
                     if t.subject == dataset and t.predicate.value.endswith("/publisher"))
    assert any(t.subject == publisher and t.predicate.value.endswith("/name") for t in triples)


def test_profiles_page(http: TestClient) -> None:
    body = http.get("/-/profiles").json()
    assert body["default"] == "https://semiceu.github.io/DCAT-AP/releases/3.0.1/"
    assert [profile["token"] for profile in body["profiles"]] == [
        "dcat-ap-3", "dcat-ap-2.1.1", "schema.org"]


def test_slug_redirects_to_the_id(http: TestClient) -> None:
    query = f"SELECT ?s ?slug WHERE {{ ?s <{LDC.slug}> ?slug FILTER(CONTAINS(STR(?s), " \
            "'/datasets/')) } LIMIT 1"
    row = http.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    target = row["s"]["value"].replace(BASE, "")
    response = http.get(f"/datasets/{row['slug']['value']}.ttl?_profile=schema.org",
                        follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"{target}.ttl?_profile=schema.org"
    assert http.get(f"/organizations/{row['slug']['value']}").status_code == 404


def test_withdrawn_records_are_410(tmp_path: Path) -> None:
    header = DATASET_HEADER
    first = tmp_path / "first.csv"
    first.write_text(csv_text(header, [dataset_row("keep"), dataset_row("drop")]), "utf-8")
    second = tmp_path / "second.csv"
    second.write_text(csv_text(header, [dataset_row("keep")]), "utf-8")
    store = tmp_path / "store"
    options = LoadOptions(base_iri=BASE, workers=1)
    load([first], store, options)
    http = TestClient(create_app_for_store(store))
    assert http.get("/datasets/drop.ttl").status_code == 200
    load([second], store, options)
    gone = http.get("/datasets/drop.ttl")
    assert gone.status_code == 410
    assert gone.json()["error"] == "gone"
    assert http.get("/datasets/keep.ttl").status_code == 200
    assert http.get("/datasets/never").status_code == 404
    assert http.get("/datasets/jeu-keep", follow_redirects=False).headers["location"] == \
        "/datasets/keep"
