"""No leaks: hidden canary datasets (private, deleted, archived and private, and resources the
export marks private), with a marker in every field, loaded with 100 real datasets, are found
**0** times through every public interface; a public control dataset built the same way is
found through each of them, so every probe can fail.

Interfaces probed: SPARQL (every named graph, the default graph, a full CONSTRUCT), every
record in HTML and N-Triples, one record of each kind and the reuse naming the canaries in
every format x profile, the canaries' own IRIs (404 in every format), every /catalog page in
every format and its filters, ``ldcat export`` files of every format and profile and the same
through /exports/, /feed and its pages, /-/void, every other parameterless GET route of the
app (so /search, /sitemap.xml and system pages are covered once they exist), and a crawl of
the links those pages give (sitemaps' <loc>, hrefs). The raw store files are scanned too.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, urlencode, urlsplit

import pytest
from pyoxigraph import NamedNode, Store
from starlette.routing import Route
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.profiles import PROFILES
from endpoint.record_formats import RECORD_FORMATS
from endpoint.settings import EndpointSettings
from ldcat.cli import main as ldcat_main
from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from ontology.namespaces import DCAT
from tests.canaries import CONTROL, CONTROL_DATASET, HIDDEN_DATASETS, LEAK, write_sources
from tests.conftest import BASE, load_bench_module
from tests.samples import every_row, export_rows

MARKERS = (LEAK, CONTROL)
RDF_ACCEPT = ("text/turtle", "application/n-triples", "application/rdf+xml",
              "application/ld+json")


@dataclass
class Probes:
    """What every probe answered: interface -> URL -> body (decompressed, lower case, with
    what the request itself said removed)."""

    bodies: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, interface: str, name: str, body: bytes, echoed: tuple[str, ...] = ()) -> None:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        text = body.decode("utf-8", errors="replace").lower()
        for echo in echoed:
            for form in {echo, quote(echo, safe=""), quote(echo), quote_plus(echo),
                         html.escape(echo), json.dumps(echo)[1:-1]}:
                text = text.replace(form.lower(), "")
        self.bodies.setdefault(interface, {})[name] = text

    def found(self, marker: str) -> dict[str, list[str]]:
        """Per interface, the URLs whose body holds ``marker``."""
        return {interface: [name for name, text in bodies.items() if marker in text]
                for interface, bodies in self.bodies.items()}


@dataclass(frozen=True)
class LeakStore:
    store: Path
    sources: list[Path]
    public_dataset: str
    exports: Path


@pytest.fixture(scope="module")
def leak_store(tmp_path_factory: pytest.TempPathFactory, real_export: Path) -> LeakStore:
    """100 real datasets (generated resources) + the canaries, loaded and exported."""
    folder = tmp_path_factory.mktemp("leaks")
    export_rows(real_export, every_row, 100, folder / "datasets.csv")
    load_bench_module("generate_resources").generate(folder / "datasets.csv",
                                                     folder / "resources.csv")
    with (folder / "datasets.csv").open(encoding="utf-8") as handle:
        handle.readline()
        public_dataset = handle.readline().split(";", 1)[0].strip('"')
    sources = [folder / "datasets.csv", folder / "resources.csv",
               *write_sources(folder / "canaries", public_dataset)]
    store = folder / "store"
    report = load(sources, store, LoadOptions(base_iri=BASE, workers=2))
    assert report.hidden["datasets"] == 3
    assert ldcat_main(["export", "--store", str(store)]) == 0  # every format and profile
    generation = StoreLayout(store).current()
    assert generation is not None
    return LeakStore(store, sources, public_dataset, store / "exports" / generation.id)


def test_markers_are_in_the_sources(leak_store: LeakStore) -> None:
    """The canaries really are in what was loaded, in every field (the probes can fail)."""
    page = json.loads(leak_store.sources[2].read_text("utf-8"))
    canaries = [item for item in page["data"] if item["id"] in HIDDEN_DATASETS.values()]
    assert len(canaries) == 3
    assert sorted((item["private"], bool(item["deleted"]), bool(item["archived"]))
                  for item in canaries) == [(False, True, False), (True, False, False),
                                            (True, False, True)]

    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    skipped = {"created_at", "last_modified", "deleted", "archived", "frequency", "license",
               "backend", "filetype", "type", "format", "mime", "value", "start", "end",
               "granularity", "temporal_coverage", "quality"}
    for item in canaries:
        for key, value in item.items():
            if key in skipped or value is None or isinstance(value, bool | int | float):
                continue
            texts = list(strings(value))
            assert any(LEAK in text.lower() for text in texts), key
        for resource in item["resources"]:
            assert all(LEAK in resource[key] for key in ("id", "title", "description", "url"))
    rows = leak_store.sources[3].read_text("utf-8").lower()
    assert rows.count(LEAK) >= 4 * 6
    for identifier in HIDDEN_DATASETS.values():
        assert identifier in leak_store.sources[4].read_text("utf-8")


def _record_iris(store_dir: Path) -> list[str]:
    layout = StoreLayout(store_dir)
    generation = layout.current()
    assert generation is not None
    iris = set(layout.graphs(generation))
    store = Store.read_only(str(generation.path))
    iris.update(quad.object.value for quad in store.quads_for_pattern(
        None, NamedNode(DCAT.distribution), None, None) if isinstance(quad.object, NamedNode))
    return sorted(iri for iri in iris if iri.startswith(BASE + "/") and "#" not in iri
                  and iri != f"{BASE}/catalog")  # the root catalogue is /catalog, probed apart


def _sparql(http: TestClient, probes: Probes, name: str, query: str,
            accept: str = "application/sparql-results+json") -> None:
    response = http.post("/sparql", data={"query": query}, headers={"accept": accept})
    assert response.status_code == 200, (name, response.text)
    probes.add("sparql", name, response.content)


def _probe_sparql(http: TestClient, probes: Probes) -> None:
    for marker in MARKERS:
        text = 'LCASE(CONCAT(STR(?g), " ", STR(?s), " ", STR(?p), " ", STR(?o)))'
        _sparql(http, probes, f"named graphs {marker}",
                f'SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS({text}, "{marker}")) '
                "} }")
        default = text.replace('STR(?g), " ", ', "")
        _sparql(http, probes, f"default graph {marker}",
                f'SELECT * WHERE {{ ?s ?p ?o FILTER(CONTAINS({default}, "{marker}")) }}')
    _sparql(http, probes, "construct named", "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g "
            "{ ?s ?p ?o } }", "application/n-triples")
    _sparql(http, probes, "construct default", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "application/n-triples")
    _sparql(http, probes, "graphs", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    _sparql(http, probes, "describe", f"DESCRIBE <{BASE}/catalog>", "text/turtle")


def _get(http: TestClient, probes: Probes, interface: str, url: str,
         accept: str | None = None, echoed: tuple[str, ...] = (),
         expect: tuple[int, ...] = (200,)) -> bytes:
    response = http.get(url, headers={"accept": accept} if accept else {})
    assert response.status_code in expect, (url, accept, response.status_code,
                                            response.text[:300])
    probes.add(interface, f"{url} [{accept}]", response.content, echoed)
    return response.content


def _probe_records(http: TestClient, probes: Probes, store_dir: Path) -> None:
    iris = _record_iris(store_dir)
    resources = [iri for iri in iris if iri.startswith(f"{BASE}/resources/")]
    graphs = [iri for iri in iris if not iri.startswith(f"{BASE}/resources/")]
    for iri in graphs:  # every record graph; a tenth of the distributions (all in the dumps)
        path = iri.removeprefix(BASE)
        _get(http, probes, "records", path + ".html")
        _get(http, probes, "records", path + ".nt")
    for iri in resources[::10]:
        _get(http, probes, "records", iri.removeprefix(BASE) + ".html")
    kinds: dict[str, str] = {}
    for iri in iris:
        kinds.setdefault(iri.removeprefix(BASE).split("/")[1], iri)
    chosen = [*kinds.values(), f"{BASE}/reuses/reuse-naming-canaries",
              f"{BASE}/datasets/{CONTROL_DATASET}"]
    for iri in chosen:
        path = iri.removeprefix(BASE)
        for record_format in RECORD_FORMATS:
            for profile in PROFILES:
                _get(http, probes, "records",
                     f"{path}{record_format.suffix}?_profile={profile.token}")
    # the canaries' own IRIs: 404, whatever the format
    hidden_paths = [f"/datasets/{identifier}" for identifier in HIDDEN_DATASETS.values()]
    hidden_paths += [f"/resources/{identifier}-res-1" for identifier in HIDDEN_DATASETS.values()]
    hidden_paths += [f"/resources/{identifier}-csvres" for identifier in HIDDEN_DATASETS.values()]
    hidden_paths += [f"/organizations/{LEAK}-org-{HIDDEN_DATASETS['private']}",
                     f"/users/{LEAK}-owner", f"/datasets/{HIDDEN_DATASETS['private']}-slug"]
    for path in hidden_paths:
        segment = path.rsplit("/", 1)[1]
        for record_format in RECORD_FORMATS:
            _get(http, probes, "records", path + record_format.suffix, echoed=(segment,),
                 expect=(404,))
        _get(http, probes, "records", path, accept="text/turtle", echoed=(segment,),
             expect=(404,))


def _probe_catalog(http: TestClient, probes: Probes) -> None:
    for suffix in ("ttl", "nt", "rdf", "jsonld"):
        url: str | None = f"/catalog.{suffix}?page_size=1000"
        while url is not None:
            body = _get(http, probes, "catalog", url)
            match = re.search(rb'hydra[#:/]*next[^<]*<([^>]+)>|"next"\s*:\s*"([^"]+)"', body)
            url = None
            if match:
                target = (match.group(1) or match.group(2)).decode()
                if target.startswith(BASE):
                    url = target.removeprefix(BASE).replace("/catalog?", f"/catalog.{suffix}?")
    for name, value in (("keyword", f"{LEAK}-tag-one"),
                        ("organization", f"{LEAK}-org-{HIDDEN_DATASETS['private']}")):
        body = _get(http, probes, "catalog", f"/catalog.nt?{name}={value}", echoed=(value,),
                    expect=(200, 404))
        assert b"<http://www.w3.org/ns/dcat#Dataset>" not in body


def _probe_exports(http: TestClient, probes: Probes, exports: Path) -> None:
    files = sorted(exports.iterdir())
    assert len([f for f in files if f.name.endswith(".gz")]) >= 5
    for path in files:
        probes.add("ldcat export", path.name, path.read_bytes())
    manifest = json.loads(_get(http, probes, "exports", "/exports/", "application/json"))
    _get(http, probes, "exports", "/exports/", "text/turtle")
    names = [value for value in re.findall(r'"file":\s*"([^"]+)"', json.dumps(manifest))]
    assert len(names) >= 5, manifest
    for name in names:
        _get(http, probes, "exports", f"/exports/{name}")


def _probe_feed(http: TestClient, probes: Probes) -> None:
    for accept in ("application/trig", "application/ld+json", "application/n-quads"):
        seen: set[str] = set()
        queue = ["/feed"]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            body = _get(http, probes, "feed", url, accept)
            for target in re.findall(rb"(?:%s)(/feed/g\d+/\d+)" % re.escape(BASE.encode()),
                                     body):
                queue.append(target.decode())
        assert len(seen) >= 2


def _probe_void_and_routes(http: TestClient, probes: Probes) -> list[str]:
    for accept in RDF_ACCEPT:
        _get(http, probes, "void", "/-/void", accept)
    paths = [route.path for route in http.app.routes  # type: ignore[attr-defined]
             if isinstance(route, Route) and "{" not in route.path
             and "GET" in (route.methods or {"GET"})]
    for path in paths:
        for accept in ("text/html", "application/json", "text/turtle"):
            _get(http, probes, "routes", path, accept, expect=(200, 400, 404, 406))
    if "/search" in paths:
        # queries that are not the marker alone: removing their echo from the answer leaves
        # every other occurrence of the marker (a hit's title, id, tag) to be found
        for query in (f"{LEAK} title", f"{LEAK} description", f"{LEAK}-tag-one",
                      f"{LEAK} organization", f"{CONTROL} title"):
            for accept in ("text/html", "application/json"):
                _get(http, probes, "search", "/search?" + urlencode({"q": query}), accept,
                     echoed=(query,))
    return paths


def _crawl(http: TestClient, probes: Probes, start: Sequence[str], limit: int = 300) -> int:
    """Follow same-site links (href, <loc>) from ``start`` pages not probed yet."""
    done = {name.split(" [", 1)[0] for bodies in probes.bodies.values() for name in bodies}
    queue = list(start)
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = http.get(url)
        if response.status_code != 200:
            continue
        probes.add("crawl", url, response.content)
        for link in re.findall(r'(?:href="|<loc>)([^"<]+)', response.text):
            link = html.unescape(link)
            if link.startswith(BASE):
                link = link.removeprefix(BASE)
            parts = urlsplit(link)
            if link.startswith("/") and not link.startswith("//") and link not in done \
                    and not parts.path.startswith("/sparql") and unquote(link) not in done:
                queue.append(link)
    return len(seen)


def test_hidden_records_leak_through_no_public_interface(leak_store: LeakStore) -> None:
    probes = Probes()
    generation = StoreLayout(leak_store.store).current()
    assert generation is not None
    store = Store.read_only(str(generation.path))
    probes.add("store files", "every quad", "\n".join(map(str, store)).encode())
    app = create_app_for_store(leak_store.store, EndpointSettings(query_workers=1))
    with TestClient(app, base_url=BASE) as http:
        _probe_sparql(http, probes)
        _probe_records(http, probes, leak_store.store)
        _probe_catalog(http, probes)
        _probe_exports(http, probes, leak_store.exports)
        _probe_feed(http, probes)
        paths = _probe_void_and_routes(http, probes)
        starts = [path for path in ("/", "/sitemap.xml", "/search") if path in paths]
        crawled = _crawl(http, probes, starts)
    leaks = {interface: urls for interface, urls in probes.found(LEAK).items() if urls}
    assert leaks == {}, leaks
    control = probes.found(CONTROL)
    for interface in ("store files", "sparql", "records", "catalog", "ldcat export", "exports",
                      "feed"):
        assert control[interface], f"the control marker is not found through {interface}"
    if "/search" in paths:
        assert control["search"], "search does not find the public control dataset"
    requests = sum(len(bodies) for bodies in probes.bodies.values())
    print(f"{requests} bodies probed, {crawled} crawled; routes: {paths}")
    assert requests > 400
