"""Harvesting DCAT catalogues (``ldcat load URL|FILE``), over real HTTP on 127.0.0.1 only:
ldcat from ldcat, a static tree of paged files, refused redirects and links, a local file,
a garbage page."""

from __future__ import annotations

import http.server
import os
import re
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, serialize
from rdflib.compare import isomorphic

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from ldcat.cli import demo_sources, main
from loader.gate import GateOptions
from loader.generations import Generation, StoreLayout
from loader.load import LoadOptions, load
from loader.mapping.provenance import source_graph
from loader.readers.dcat_rdf import Harvest, parse_page, read_url
from loader.readers.dcat_records import cut_records
from loader.record_text import RecordText
from loader.report import SourceError
from tests.sparql_support import open_client, running_server

TITLE_ONLY = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<urn:test:TitleShape> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dct:title ; sh:minCount 1 ] .
"""
"""A one-rule shape set: the gate still runs (and rejects a dataset without a title) but
stays fast on a busy machine; the full ldcat set is exercised by tests/test_gate.py."""
DEFAULT_BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shapes") / "title.ttl"
    path.write_text(TITLE_ONLY, "utf-8")
    return path


def options(shapes: Path, base_iri: str | None = None) -> LoadOptions:
    return LoadOptions(base_iri=base_iri, workers=1,
                       gate=GateOptions(shapes=str(shapes), on_invalid="keep"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def uvicorn_on(store: Path, port: int) -> AbstractContextManager[str]:
    """ldcat's app over ``store`` served by a real uvicorn on 127.0.0.1:``port``."""
    return running_server(create_app_for_store(store, EndpointSettings(query_workers=1)), port)


MEDIA_TYPES = {".ttl": "text/turtle", ".jsonld": "application/ld+json",
               ".rdf": "application/rdf+xml",
               ".trig": "application/trig", ".txt": "text/html"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return MEDIA_TYPES.get(Path(path).suffix) or super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_handler(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def static_tree(folder: Path) -> Iterator[str]:
    """``folder`` served by ``http.server`` on 127.0.0.1."""
    handler = type("Static", (_Quiet,), {"__init__": lambda self, *a, **k:
                                         _Quiet.__init__(self, *a, directory=str(folder), **k)})
    with serve_handler(handler) as url:
        yield url


class Recorder(socketserver.ThreadingTCPServer):
    """A listener that only counts the connections it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        super().__init__(("127.0.0.1", 0), socketserver.BaseRequestHandler)

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket],
                        client_address: object) -> None:
        self.connections += 1
        super().process_request(request, client_address)


@contextmanager
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def current(store: Path) -> Generation:
    generation = StoreLayout(store).current()
    assert generation is not None
    return generation


def record_graph(store: Path, iri: str) -> rdflib.Graph:
    """A record graph as published (its kept text), as an rdflib graph."""
    layout = StoreLayout(store)
    text = RecordText.open(layout.text_dir(current(store).id))
    assert text is not None
    try:
        quads = text.quads(iri)
    finally:
        text.close()
    data = serialize([quad.triple for quad in quads], format=RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


# ------------------------------------------------------------------ (a) ldcat -> ldcat

PUBLISHER = rdflib.URIRef("http://purl.org/dc/terms/publisher")


def test_ldcat_to_ldcat_passes_the_default_gate_with_isomorphic_record_graphs(
        tmp_path: Path, shapes: Path) -> None:
    """Harvested under ldcat's default gate (ldcat's shapes, invalid records rejected): every
    dataset and the agents its publisher links name come back, none rejected, isomorphic."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    store_a, store_b = tmp_path / "a", tmp_path / "b"
    load(demo_sources(), store_a, options(shapes, base))
    graphs_a = StoreLayout(store_a).graphs(current(store_a))
    datasets = sorted(iri for iri, entry in graphs_a.items() if entry.kind == "datasets")
    published = {iri: record_graph(store_a, iri) for iri in [*datasets, f"{base}/catalog"]}
    agents = sorted({str(agent) for iri in datasets
                     for agent in published[iri].objects(rdflib.URIRef(iri), PUBLISHER)})
    assert agents
    assert all(graphs_a[agent].kind in ("organizations", "users") for agent in agents)
    published.update({agent: record_graph(store_a, agent) for agent in agents})
    url = f"{base}/catalog?page_size=10"
    with uvicorn_on(store_a, port):
        report = load([url], store_b, LoadOptions(workers=1))
        first_index = StoreLayout(store_b).graphs(current(store_b))
        again = load([url], store_b, options(shapes))
        flat = load([f"{base}/catalog?page_size=100&_mediatype=ttl"], tmp_path / "c",
                    LoadOptions(workers=1))
    for gated in (report, flat):
        assert gated.validation["on_invalid"] == "reject"
        assert gated.validation["counts"].get("Violation", 0) == 0, gated.issues
        assert gated.validation["records_left_out"] == 0
        assert not gated.rejected
    (harvest,) = report.harvests
    assert len(harvest["pages"]) == -(-len(datasets) // 10) > 1
    kinds = Counter(graphs_a[agent].kind for agent in agents)
    assert harvest["records"] == {"datasets": len(datasets), **kinds}
    assert not [note for note in harvest["notes"] if "met again" in note]
    graphs_b = StoreLayout(store_b).graphs(current(store_b))
    for iri in [*datasets, *agents]:
        assert graphs_b[iri].kind == graphs_a[iri].kind, iri
        a, b = published[iri], record_graph(store_b, iri)
        assert len(a) >= 3, iri
        assert isomorphic(a, b), iri
    # provenance: one graph for the source, kind "sources", listing every record and page
    provenance = source_graph(DEFAULT_BASE, url)
    assert graphs_b[provenance].kind == "sources"
    prov = record_graph(store_b, provenance)
    members = {str(o) for o in prov.objects(rdflib.URIRef(provenance),
                                            rdflib.URIRef("http://www.w3.org/ns/prov#hadMember"))}
    assert members == {*datasets, *agents}
    derived = set(prov.objects(rdflib.URIRef(provenance),
                               rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert derived == {rdflib.URIRef(page) for page in harvest["pages"]}
    assert rdflib.URIRef(url) in derived
    # a second snapshot of the same source: same graphs, same hashes
    assert again.generation != report.generation
    assert graphs_b == first_index
    # Turtle has no graphs: the records are cut from the page's union. Together they hold
    # every triple of ldcat's graphs; a triple a dataset's graph says about an agent
    # (<organisation> a rdfs:Resource, for a high-value dataset's contact) goes to the
    # agent's record; and a record gets, legitimately, typing stubs of the IRIs it links that
    # the page types elsewhere: vocabulary terms ldcat declares once in its catalogue graph
    # (<.../language/FRA> a dct:LinguisticSystem)
    assert flat.harvests[0]["records"] == harvest["records"]
    typings = {t for graph in published.values() for t in graph.triples((None, rdflib.RDF.type,
                                                                          None))}
    cut = {iri: record_graph(tmp_path / "c", iri) for iri in [*datasets, *agents]}
    moved: set[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]] = set()
    for iri in [*datasets, *agents]:
        a, c = published[iri], cut[iri]
        missing = set(a) - set(c)
        assert {s for s, _, _ in missing} <= {rdflib.URIRef(agent) for agent in agents}, iri
        moved |= missing
        extra = set(c) - set(a)
        assert extra <= typings, iri
        if iri in datasets:
            assert {s for s, _, _ in extra} <= set(c.objects()), iri
    assert all(triple in cut[str(triple[0])] for triple in moved)


# ------------------------------------------------------------------ (b) static paged files

PAGE_1 = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://portal.example/catalog> a dcat:Catalog ; dct:title "Portal" ;
    dcat:dataset <http://portal.example/d/1>, <http://portal.example/d/2> ;
    hydra:view <page1.ttl> .
<page1.ttl> hydra:next <page2.jsonld> .
<http://portal.example/d/1> a dcat:Dataset ; dct:title "One"@en ;
    dct:publisher <http://portal.example/org> ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Desk" ; vcard:hasEmail <mailto:d@example.org> ] ;
    dcat:distribution <http://portal.example/d/1/csv> ;
    dcat:landingPage <http://portal.example/d/1.html> .
<http://portal.example/d/1.html> a foaf:Document .
<http://portal.example/org> a foaf:Organization ; foaf:name "Org" .
<http://portal.example/d/1/csv> a dcat:Distribution ; dcat:accessURL <http://files.example/1.csv> ;
    dct:temporal [ dcat:startDate "2020-01-01" ] .
<http://portal.example/d/2> a dcat:Dataset ; dct:title "Two"@en .
[] a dcat:Dataset ; dct:title "Anonymous" .
"""
PAGE_2 = """{
  "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
               "hydra": "http://www.w3.org/ns/hydra/core#", "foaf": "http://xmlns.com/foaf/0.1/"},
  "@graph": [
    {"@id": "page2.jsonld", "hydra:nextPage": {"@id": "page3.trig"}},
    {"@id": "http://portal.example/org", "@type": "foaf:Organization", "foaf:name": "Org"},
    {"@id": "http://portal.example/d/3", "@type": "dcat:Dataset", "dct:title": "Three"},
    {"@id": "http://portal.example/d/2", "@type": "dcat:Dataset", "dct:title": "Two again"}
  ]
}"""
PAGE_3 = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://portal.example/s/1> {
    <http://portal.example/s/1> a dcat:DataService ; dct:title "Service" ;
        dcat:servesDataset <http://portal.example/d/3> .
    <http://portal.example/s/1#note> dct:description "kept: the source's own record graph" .
}
<page3.trig> hydra:next <page1.ttl> .
<http://portal.example/s/1> dct:description "outside the record's graph: not taken" .
"""
EXPECTED_ONE = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://portal.example/catalog> dcat:dataset <http://portal.example/d/1> .
<http://portal.example/d/1> a dcat:Dataset ; dct:title "One"@en ;
    dct:publisher <http://portal.example/org> ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Desk" ; vcard:hasEmail <mailto:d@example.org> ] ;
    dcat:distribution <http://portal.example/d/1/csv> ;
    dcat:landingPage <http://portal.example/d/1.html> .
<http://portal.example/d/1.html> a foaf:Document .
<http://portal.example/d/1/csv> a dcat:Distribution ; dcat:accessURL <http://files.example/1.csv> ;
    dct:temporal [ dcat:startDate "2020-01-01" ] .
"""


def write_tree(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page1.ttl").write_text(PAGE_1, "utf-8")
    (folder / "page2.jsonld").write_text(PAGE_2, "utf-8")
    (folder / "page3.trig").write_text(PAGE_3, "utf-8")
    return folder


def test_static_tree_of_paged_files(tmp_path: Path, shapes: Path) -> None:
    with static_tree(write_tree(tmp_path / "site")) as site:
        report = load([f"{site}/page1.ttl"], tmp_path / "store", options(shapes))
        with pytest.raises(SourceError, match=r"more than 2 pages; stopped at .*page3\.trig"):
            list(read_url(f"{site}/page1.ttl", Harvest(site), max_pages=2))
    (harvest,) = report.harvests
    assert harvest["pages"] == [f"{site}/page1.ttl", f"{site}/page2.jsonld",
                                f"{site}/page3.trig"]
    assert harvest["records"] == {"datasets": 3, "dataservices": 1, "organizations": 1}
    notes = "\n".join(harvest["notes"])
    assert "record http://portal.example/d/2 met again" in notes  # reported, kept once
    assert "http://portal.example/org met again" not in notes  # the same agent again
    assert "blank node" in notes
    assert "next link back to" in notes  # page 3 -> page 1: the loop guard ends the walk
    store = tmp_path / "store"
    expected = rdflib.Graph().parse(data=EXPECTED_ONE, format="turtle")
    assert isomorphic(record_graph(store, "http://portal.example/d/1"), expected)
    two = record_graph(store, "http://portal.example/d/2")
    assert {str(title) for title in two.objects(None, rdflib.URIRef(
        "http://purl.org/dc/terms/title"))} == {"Two"}
    organization = record_graph(store, "http://portal.example/org")
    assert {(str(p), str(o)) for _, p, o in organization} == {
        (str(rdflib.RDF.type), "http://xmlns.com/foaf/0.1/Organization"),
        ("http://xmlns.com/foaf/0.1/name", "Org")}
    service = record_graph(store, "http://portal.example/s/1")  # as the TriG page's graph
    assert len(service) == 4
    assert "not taken" not in service.serialize(format="nt")
    graphs = StoreLayout(store).graphs(current(store))
    assert graphs["http://portal.example/s/1"].kind == "dataservices"
    assert graphs["http://portal.example/org"].kind == "organizations"


AGENTS_PAGE = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://p.example/catalog> a dcat:Catalog ; dct:publisher <http://p.example/catalog#publisher>,
        <http://p.example/org> ;
    dcat:dataset <http://p.example/d/1>, <http://p.example/d/2> .
<http://p.example/catalog#publisher> a foaf:Agent ; foaf:name "The portal" .
<http://p.example/org> a foaf:Organization, foaf:Agent ; foaf:name "Org" .
<http://p.example/people/ann> a foaf:Person, foaf:Agent ; foaf:name "Ann" .
<http://p.example/desk> a vcard:Kind ; vcard:fn "Desk" .
<http://p.example/d/1> a dcat:Dataset ; dct:publisher <http://p.example/org> ;
    dct:creator [ a foaf:Organization ; foaf:name "A lab" ] ;
    dcat:contactPoint <http://p.example/desk> .
<http://p.example/d/2> a dcat:Dataset ; dct:creator <http://p.example/people/ann> ;
    dcat:contactPoint <http://p.example/desk> .
"""


def test_agents_are_records_and_contact_points_belong_to_each_record() -> None:
    """An agent with an IRI is a record of its own (organisation or user); one without an IRI,
    a shared contact point and the catalogue's ``#publisher`` belong to what names them."""
    quads = parse_page(AGENTS_PAGE.encode(), RdfFormat.TURTLE, "http://p.example/", "page")
    cut = cut_records(quads)
    assert not cut.skipped
    kinds = {record.iri: record.kind for record in cut.records}
    assert kinds == {"http://p.example/d/1": "datasets", "http://p.example/d/2": "datasets",
                     "http://p.example/org": "organizations",
                     "http://p.example/people/ann": "users"}
    graphs = {record.iri: {(t.subject, t.predicate.value, t.object) for t in record.triples}
              for record in cut.records}
    org = NamedNode("http://p.example/org")
    assert {p for s, p, _ in graphs[org.value]} == {str(rdflib.RDF.type),
                                                    "http://xmlns.com/foaf/0.1/name"}
    assert all(s == org for s, _, _ in graphs[org.value])  # not the catalogue's link to it
    desk = NamedNode("http://p.example/desk")
    for dataset in ("http://p.example/d/1", "http://p.example/d/2"):
        assert (desk, "http://www.w3.org/2006/vcard/ns#fn", Literal("Desk")) in graphs[dataset]
    assert Literal("A lab") in {o for _, _, o in graphs["http://p.example/d/1"]}
    assert not any(s == org for s, _, _ in graphs["http://p.example/d/1"])


# ------------------------------------------------------------------ (c) other origins refused

def test_redirect_to_another_origin_is_refused_before_any_connection(tmp_path: Path,
                                                                     shapes: Path) -> None:
    with recorder() as listener:
        target = f"http://127.0.0.1:{listener.server_address[1]}/catalog.ttl"

        class Redirect(_Quiet):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

        refused = rf"redirect \(302\) to {re.escape(target)} refused"
        with serve_handler(Redirect) as site, pytest.raises(SourceError, match=refused):
            load([f"{site}/catalog.ttl"], tmp_path / "store", options(shapes))
        time.sleep(0.2)
        assert listener.connections == 0
    assert StoreLayout(tmp_path / "store").current() is None


def test_next_link_remote_context_and_external_entity_are_refused(tmp_path: Path,
                                                                    shapes: Path) -> None:
    with recorder() as listener:
        other = f"http://127.0.0.1:{listener.server_address[1]}"
        site_dir = tmp_path / "site"
        site_dir.mkdir()
        (site_dir / "page1.ttl").write_text(
            "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"
            f"<page1.ttl> hydra:next <{other}/page2.ttl> .\n", "utf-8")
        (site_dir / "context.jsonld").write_text(
            f'{{"@context": "{other}/context.jsonld", "@id": "http://e/d", "title": "x"}}',
            "utf-8")
        (site_dir / "entity.rdf").write_text(
            f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{other}/e">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://e/d">'
            "<dct:title>&ext;</dct:title></rdf:Description></rdf:RDF>", "utf-8")
        with static_tree(site_dir) as site:
            outside = re.escape(f"{other}/page2.ttl: refused: outside")
            with pytest.raises(SourceError, match=outside):
                load([f"{site}/page1.ttl"], tmp_path / "store", options(shapes))
            with pytest.raises(SourceError, match=r"context\.jsonld: not valid JSON-LD"):
                load([f"{site}/context.jsonld"], tmp_path / "store", options(shapes))
            with pytest.raises(SourceError, match=r"entity\.rdf: not valid RDF/XML"):
                load([f"{site}/entity.rdf"], tmp_path / "store", options(shapes))
        time.sleep(0.2)
        assert listener.connections == 0


# ------------------------------------------------------------------ (d) a local file

def test_local_file_with_csv_sources_through_the_cli(tmp_path: Path, shapes: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = write_tree(tmp_path / "files") / "page1.ttl"
    organizations = next(path for path in demo_sources() if path.name == "organizations.csv")
    store = tmp_path / "store"
    code = main(["load", str(catalogue), str(organizations), "--store", str(store),
                 "--workers", "1", "--shapes", str(shapes), "--on-invalid", "keep"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert f"harvested {catalogue}: 1 pages, 2 datasets" in output
    graphs = StoreLayout(store).graphs(current(store))
    assert graphs["http://portal.example/d/1"].kind == "datasets"
    assert sum(entry.kind == "organizations" for entry in graphs.values()) >= 16
    assert graphs[source_graph(DEFAULT_BASE, str(catalogue))].kind == "sources"
    expected = rdflib.Graph().parse(data=EXPECTED_ONE, format="turtle")
    assert isomorphic(record_graph(store, "http://portal.example/d/1"), expected)
    # through the coordinator: the published store and the kept text agree
    generation = current(store)
    graph = NamedNode("http://portal.example/d/1")
    published = Store.read_only(str(generation.path))
    assert len(list(published.quads_for_pattern(None, None, None, graph))) == len(expected)


def test_the_provenance_graph_dereferences(tmp_path: Path, shapes: Path) -> None:
    """``/sources/{key}`` is served like any record: negotiated formats, alternates, ETag and
    304, an HTML page listing the records taken; an unknown key is 404."""
    catalogue = write_tree(tmp_path / "files") / "page1.ttl"
    store = tmp_path / "store"
    load([str(catalogue)], store, options(shapes))
    iri = source_graph(DEFAULT_BASE, str(catalogue))
    path = iri.removeprefix(DEFAULT_BASE)
    with open_client(store, query_workers=1) as http:
        turtle = http.get(path, headers={"accept": "text/turtle"})
        assert turtle.status_code == 200
        assert turtle.headers["content-type"].startswith("text/turtle")
        assert "accept" in turtle.headers["vary"].lower()
        assert f'<{path}.jsonld>; rel="alternate"' in turtle.headers["link"]
        served = rdflib.Graph().parse(data=turtle.text, format="turtle")
        assert isomorphic(served, record_graph(store, iri))
        assert http.get(path, headers={"accept": "text/turtle", "if-none-match":
                                       turtle.headers["etag"]}).status_code == 304
        document = http.get(f"{path}.jsonld").json()
        assert document["id"] == iri  # ldcat's context aliases @id
        assert "prov:hadMember" in document  # the context's prefixes cover PROV-O
        assert "prov:Collection" in document["type"]
        page = http.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<a href="http://portal.example/d/1">One</a>' in page.text
        assert "page1.ttl" in page.text
        assert http.get("/sources/0123456789abcdef").status_code == 404


def test_the_sitemap_lists_only_pages_under_the_base(tmp_path: Path, shapes: Path) -> None:
    """Harvested records keep their source's IRIs: the sitemap does not list them (as paths
    cut from those IRIs, which would not resolve here)."""
    store = tmp_path / "store"
    load([str(write_tree(tmp_path / "files") / "page1.ttl")], store, options(shapes))
    with open_client(store, query_workers=1) as http:
        index = http.get("/sitemap.xml").text
        locations = [location for file in re.findall(r"<loc>([^<]+)</loc>", index)
                     for location in re.findall(r"<loc>([^<]+)</loc>", http.get(
                         file.removeprefix(DEFAULT_BASE)).text)]
    assert f"{DEFAULT_BASE}/themes/transport" in locations
    assert not [location for location in locations if "/d/" in location
                or location.endswith("/org")]


# ------------------------------------------------------------------ (e) garbage

def test_garbage_page_fails_the_load_and_keeps_the_published_generation(
        tmp_path: Path, shapes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site_dir = write_tree(tmp_path / "site")
    store = tmp_path / "store"
    with static_tree(site_dir) as site:
        load([f"{site}/page1.ttl"], store, options(shapes))
        published = current(store).id
        (site_dir / "page2.jsonld").write_text('{"@id": "http://e/x", "http://e/p": [', "utf-8")
        code = main(["load", f"{site}/page1.ttl", "--store", str(store), "--workers", "1",
                     "--shapes", str(shapes)])
        message = capsys.readouterr().err.strip()
        assert code == 2
        assert message.startswith(f"ldcat load: {site}/page2.jsonld: not valid JSON-LD")
        assert "\n" not in message
        (site_dir / "page2.jsonld").write_text("<html>not rdf</html>", "utf-8")
        (site_dir / "page2.txt").write_text("<html></html>", "utf-8")
        (site_dir / "page1.ttl").write_text(PAGE_1.replace("page2.jsonld", "page2.txt"), "utf-8")
        with pytest.raises(SourceError, match=r"page2\.txt: media type text/html is not an RDF"):
            load([f"{site}/page1.ttl"], store, options(shapes))
        with pytest.raises(SourceError, match=r"missing\.ttl: HTTP 404"):
            load([f"{site}/missing.ttl"], store, options(shapes))
    with pytest.raises(SourceError, match="unreachable"):
        load([f"{site}/page1.ttl"], store, options(shapes))
    assert current(store).id == published
    assert StoreLayout(store).graphs(current(store))["http://portal.example/d/1"]


def test_update_replaces_harvested_records_as_given(tmp_path: Path, shapes: Path) -> None:
    """``--update`` with a harvest: the record is replaced by its new description (no
    distribution carried over from the published one), the others are kept."""
    folder = write_tree(tmp_path / "files")
    store = tmp_path / "store"
    load([str(folder / "page1.ttl")], store, options(shapes))
    changed = folder / "changed.ttl"
    changed.write_text(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        '<http://portal.example/d/1> a dcat:Dataset ; dct:title "One, again"@en .\n', "utf-8")
    report = load([str(changed)], store, LoadOptions(workers=1, update=True, gate=GateOptions(
        shapes=str(shapes), on_invalid="keep")))
    assert report.harvests[0]["records"] == {"datasets": 1}
    one = record_graph(store, "http://portal.example/d/1")
    assert len(one) == 2
    graphs = StoreLayout(store).graphs(current(store))
    assert "http://portal.example/d/2" in graphs
    assert graphs[source_graph(DEFAULT_BASE, str(changed))].kind == "sources"
