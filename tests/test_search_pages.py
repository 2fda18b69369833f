"""The site pages around the records, over HTTP on the demo store: ``/search`` (HTML and JSON,
negotiation, bad input, 304), the home page, ``/sitemap.xml`` and its files, and the error
pages browsers get (the JSON error shape for everyone else)."""

from __future__ import annotations

import json
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from endpoint import sitemap
from endpoint.app import create_app_for_store
from loader.generations import StoreLayout
from loader.load import LoadOptions, load
from loader.report import LoadReport
from loader.search_index import index_path
from tests.conftest import BASE, DATASET_HEADER, csv_text, dataset_row
from tests.test_record_pages import HOSTILE, JS_URL, SCRIPT, assert_inert

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"accept": "application/json"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> TestClient:
    return TestClient(create_app_for_store(demo_store[0]))


def assert_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["error"] == code
    assert body["message"]


# --- /search -----------------------------------------------------------------------------

def test_search_json_shape_and_links(http: TestClient) -> None:
    body = http.get("/search.json", params={"q": "transport", "page_size": "2"}).json()
    assert body["total"] >= 3
    assert body["page"] == 1
    assert body["pages"] == -(-body["total"] // 2)
    assert len(body["results"]) == 2
    hit = body["results"][0]
    assert hit["iri"].startswith(f"{BASE}/datasets/")
    assert hit["url"] == hit["iri"] + ".html"
    assert hit["organization"][0]["label"]
    assert set(body["facets"]) == {"organization", "license", "format", "theme"}
    assert body["links"]["next"] == f"{BASE}/search?q=transport&page_size=2&page=2"
    assert "prev" not in body["links"]
    following = http.get(body["links"]["next"].removeprefix(BASE), headers=JSON).json()
    assert following["links"]["prev"] == f"{BASE}/search?q=transport&page_size=2"
    assert not {r["iri"] for r in following["results"]} & {r["iri"] for r in body["results"]}
    facet = body["facets"]["format"][0]
    narrowed = http.get(facet["href"].removeprefix(BASE), headers=JSON).json()
    assert narrowed["total"] == facet["count"]
    assert narrowed["query"]["filters"] == [{"facet": "format", "key": facet["key"]}]
    for result in narrowed["results"]:
        assert facet["key"] in [value["key"] for value in result["format"]]
        assert http.get(result["iri"].removeprefix(BASE) + ".ttl").status_code == 200


@pytest.mark.parametrize(("url", "headers", "expected"), [
    ("/search", {}, "text/html"),
    ("/search", BROWSER, "text/html"),
    ("/search", JSON, "application/json"),
    ("/search", {"accept": "application/json;q=0.5, text/html;q=0.4"}, "application/json"),
    ("/search.json", BROWSER, "application/json"),
    ("/search.html", JSON, "text/html"),
    ("/search?_mediatype=json", BROWSER, "application/json"),
    ("/search?_mediatype=text/html", JSON, "text/html"),
])
def test_search_negotiation(http: TestClient, url: str, headers: dict[str, str],
                            expected: str) -> None:
    response = http.get(url, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)
    assert "Accept" in [part.strip() for part in response.headers["vary"].split(",")]


@pytest.mark.parametrize("url", ["/search.xml", "/search?_mediatype=text/turtle"])
def test_search_formats_it_lacks_are_406(http: TestClient, url: str) -> None:
    assert_error(http.get(url), 406, "not_acceptable")
    assert_error(http.get("/search", headers={"accept": "image/png"}), 406, "not_acceptable")


def test_a_page_past_the_last_is_404(http: TestClient) -> None:
    response = http.get("/search", params={"page": "500"}, headers=JSON)
    assert response.status_code == 404, response.text
    assert "past the last page" in response.json()["message"]


@pytest.mark.parametrize("params", [
    {"page": "-1"}, {"page": "0"}, {"page": "abc"}, {"page": "99999999999"},
    {"page_size": "0"}, {"page_size": "101"}, {"page_size": "1000000"},
    {"colour": "red"}, {"archived": "maybe"}, {"sort": "random"}, {"q": "x" * 501},
    {"q": "-transport"},
])
def test_bad_search_input_is_400(http: TestClient, params: dict[str, str]) -> None:
    response = http.get("/search", params=params, headers=JSON)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error", "message", "status"}
    page = http.get("/search", params=params, headers=BROWSER)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Requête incorrecte" in page.text
    assert_inert_page(page.text)


def test_search_page_html(http: TestClient) -> None:
    page = http.get("/search", params={"q": "meteo"}, headers=BROWSER).text
    assert '<html lang="fr">' in page
    assert page.count("<h1>") == 1
    assert 'role="search"' in page
    assert 'value="meteo"' in page
    results = re.findall(r'<h3><a href="(/datasets/[^"]+)">', page)
    total = http.get("/search.json", params={"q": "meteo"}).json()["total"]
    assert len(results) == total > 0
    assert re.search(rf"{total} jeux? de données", page)
    facet_links = re.findall(r'<a href="(/search\?q=meteo&amp;[^"]+)"', page)
    assert facet_links
    assert '<meta name="robots" content="noindex, follow">' in page


def test_search_escapes_the_query(http: TestClient) -> None:
    page = http.get("/search", params={"q": SCRIPT}, headers=BROWSER)
    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert "&lt;script&gt;" in page.text
    assert_inert_page(page.text)


def test_search_conditional_get(http: TestClient) -> None:
    first = http.get("/search.json", params={"q": "bus"})
    tag = first.headers["etag"]
    again = http.get("/search.json", params={"q": "bus"}, headers={"if-none-match": tag})
    assert again.status_code == 304
    other = http.get("/search.json", params={"q": "train"}, headers={"if-none-match": tag})
    assert other.status_code == 200


def test_hostile_dataset_in_results_is_inert(tmp_path: Path,
                                             write_csv: Callable[..., Path]) -> None:
    datasets = write_csv("datasets.csv", csv_text(DATASET_HEADER, [dataset_row(
        "evil", title=f"Alerte {HOSTILE}", description=f"Alerte {HOSTILE} [x]({JS_URL})",
        organization=HOSTILE, tags=f"alerte,{SCRIPT}")]))
    store = tmp_path / "store"
    load([datasets], store, LoadOptions(base_iri=BASE, workers=1))
    http = TestClient(create_app_for_store(store))
    page = http.get("/search", params={"q": "alerte"}, headers=BROWSER).text
    assert "/datasets/evil" in page
    assert "&lt;script&gt;" in page
    assert_inert_page(page)
    home = http.get("/", headers=BROWSER).text
    assert_inert_page(home)
    body = http.get("/search.json", params={"q": "alerte"}).json()
    assert body["results"][0]["title"] == f"Alerte {HOSTILE}"


def assert_inert_page(page: str) -> None:
    """No script at all on the site pages (they carry no JSON-LD block), nothing active."""
    assert "<script" not in page.replace("&lt;script", "")
    assert_inert(page.replace("</head>", '<script type="application/ld+json">{}</script>'
                              "</head>", 1))


# --- home --------------------------------------------------------------------------------

def test_home_counts_facets_and_links(http: TestClient,
                                      demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    response = http.get("/", headers=BROWSER)
    assert response.status_code == 200
    page = response.text
    assert '<html lang="fr">' in page
    assert page.count("<h1>") == 1
    assert 'role="search"' in page
    assert 'action="/search"' in page
    generation = StoreLayout(store).current()
    assert generation is not None
    published = generation.manifest["published"]
    for kind, label in (("datasets", "jeux de données"), ("resources", "ressources"),
                        ("organizations", "organisations"), ("reuses", "réutilisations"),
                        ("dataservices", "services de données")):
        assert f'<span class="number">{published[kind]}</span> {label}' in page
    for link in ("/sparql", "/exports/", "/catalog", "/feed", "/themes/transport"):
        assert f'href="{link}"' in page
    facets = dict(re.findall(r'<ul class="facet" data-facet="(\w+)">(.*?)</ul>', page, re.S))
    assert set(facets) == {"organization", "license", "format", "theme"}
    href, count = re.findall(r'<a href="([^"]+)">[^<]+</a> <span class="count">(\d+)</span>',
                             facets["license"])[0]
    answer = http.get(href.replace("&amp;", "&"), headers=JSON).json()
    assert answer["total"] == int(count)
    assert "<script" not in page
    assert http.get("/", headers={"if-none-match": response.headers["etag"]}).status_code == 304


# --- sitemap -----------------------------------------------------------------------------

def _urls(http: TestClient, path: str) -> list[tuple[str, str | None]]:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return [(url.findtext(f"{SITEMAP}loc") or "", url.findtext(f"{SITEMAP}lastmod"))
            for url in root]


def test_sitemap_lists_every_record_page(http: TestClient, demo_store: tuple[Path, LoadReport],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemap, "URLS_PER_FILE", 40)
    store, _ = demo_store
    response = http.get("/sitemap.xml")
    assert response.status_code == 200
    index = ET.fromstring(response.content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    files = [item.findtext(f"{SITEMAP}loc") or "" for item in index]
    assert f"{BASE}/sitemap-datasets-1.xml" in files
    assert f"{BASE}/sitemap-datasets-2.xml" in files  # 56 datasets, 40 a file
    assert f"{BASE}/sitemap-resources-4.xml" in files  # 131 resources
    urls: list[tuple[str, str | None]] = []
    for file in files:
        found = _urls(http, file.removeprefix(BASE))
        assert 0 < len(found) <= 40
        urls.extend(found)
    locations = [loc for loc, _ in urls]
    assert len(locations) == len(set(locations))
    published = StoreLayout(store).current().manifest["published"]  # type: ignore[union-attr]
    for kind in ("datasets", "resources", "organizations", "users", "reuses", "dataservices",
                 "themes"):
        assert sum(f"{BASE}/{kind}/" in loc for loc in locations) == published[kind], kind
    dated = [lastmod for loc, lastmod in urls if "/datasets/" in loc]
    assert all(lastmod and re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod) for lastmod in dated)
    for loc in locations[:: max(1, len(locations) // 15)]:
        assert http.get(loc.removeprefix(BASE), headers=BROWSER).status_code == 200, loc
    robots = http.get("/robots.txt").text.splitlines()
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
    assert "Disallow: /search" in robots
    assert_error(http.get("/sitemap-datasets-3.xml"), 404, "not_found")
    assert_error(http.get("/sitemap-secrets-1.xml"), 404, "not_found")


# --- errors ------------------------------------------------------------------------------

def test_error_pages_for_browsers_json_for_programs(tmp_path: Path,
                                                    http: TestClient) -> None:
    first = tmp_path / "first.csv"
    first.write_text(csv_text(DATASET_HEADER, [dataset_row("keep"), dataset_row("drop")]))
    second = tmp_path / "second.csv"
    second.write_text(csv_text(DATASET_HEADER, [dataset_row("keep")]))
    store = tmp_path / "store"
    load([first], store, LoadOptions(base_iri=BASE, workers=1))
    load([second], store, LoadOptions(base_iri=BASE, workers=1))
    client = TestClient(create_app_for_store(store))
    cases = [("/datasets/drop", 410, "gone", "Fiche retirée"),
             ("/datasets/never", 404, "not_found", "Page introuvable"),
             ("/no/such/page", 404, "not_found", "Page introuvable"),
             ("/search?page=x", 400, "bad_parameter", "Requête incorrecte"),
             ("/datasets/keep?_mediatype=text/csv", 406, "not_acceptable",
              "Format non disponible")]
    for path, status, code, title in cases:
        assert_error(client.get(path, headers=JSON), status, code)
        page = client.get(path, headers=BROWSER)
        assert page.status_code == status, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert f"<h1>{title}</h1>" in page.text
        assert '<html lang="fr">' in page.text
        assert "pages.css" in page.text
        assert_inert_page(page.text)
    alternates = client.get("/datasets/keep?_mediatype=text/csv", headers=BROWSER).text
    assert 'href="/datasets/keep.ttl"' in alternates
    # the URL names a format: the answer stays in the JSON shape, browser or not
    assert_error(client.get("/datasets/never.ttl", headers=BROWSER), 404, "not_found")
    assert_error(client.get("/search.json?page=x", headers=BROWSER), 400, "bad_parameter")
    head = client.head("/datasets/never", headers=BROWSER)
    assert head.status_code == 404
    assert json.loads(http.get("/nope/x").text)["status"] == 404


def test_search_waits_for_an_index_being_built(tmp_path: Path,
                                               demo_store: tuple[Path, LoadReport]) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store[0], store, symlinks=True)
    generation = StoreLayout(store).current()
    assert generation is not None
    index_path(generation.path).unlink()
    client = TestClient(create_app_for_store(store))
    pending = client.get("/search.json", params={"q": "transport"})
    if pending.status_code == 503:  # the build may already be done on a fast machine
        assert pending.json()["error"] == "index_building"
        assert pending.headers["retry-after"].isdigit()
        home = client.get("/", headers=BROWSER)
        assert home.status_code == 200
    for _ in range(600):
        answer = client.get("/search.json", params={"q": "transport"})
        if answer.status_code == 200:
            break
        time.sleep(0.1)
    assert answer.status_code == 200
    assert answer.json()["total"] > 0
