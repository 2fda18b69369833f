"""HTML record pages: content of each kind, paging, and an XSS test where every text field of
a record (and its links) is hostile."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from endpoint import record_pages
from endpoint.app import create_app_for_store
from loader.load import LoadOptions, load
from loader.report import LoadReport
from tests.conftest import (
    BASE,
    DATASET_HEADER,
    RESOURCE_HEADER,
    csv_text,
    dataset_row,
    resource_row,
)
from tests.test_records import DATASET, sample_paths

SCRIPT = '<script>alert("x")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
CLOSER = "</script><script>alert(2)</script>"
JS_URL = "javascript:alert(1)"
HOSTILE = f"{SCRIPT} {IMAGE} {CLOSER} <b>gras</b>"


@pytest.fixture(scope="module")
def http(demo_store: tuple[Path, LoadReport]) -> TestClient:
    return TestClient(create_app_for_store(demo_store[0]))


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(page: str) -> None:
    """No script but the one JSON-LD block, no event handler, no javascript: link, no tag
    from the data."""
    parser = Tags()
    parser.feed(page)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [[("type", "application/ld+json")]], scripts
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    json.loads(block)
    assert "<" not in block
    for tag, attrs in parser.tags:
        assert tag not in ("img", "b", "iframe", "object"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)


def test_every_kind_has_a_page(http: TestClient) -> None:
    for kind, path in sample_paths(http).items():
        response = http.get(path, headers={"accept": "text/html"})
        assert response.status_code == 200, kind
        page = response.text
        assert '<html lang="fr">' in page
        assert page.count("<h1>") == 1
        assert '<meta name="viewport"' in page
        assert f'href="{path}.ttl"' in page
        assert_inert(page)


def test_dataset_page_content(http: TestClient) -> None:
    page = http.get(f"/datasets/{DATASET}.html").text
    assert "<h1>Horaires théoriques du réseau régional BreizhGo (GTFS)</h1>" in page
    assert "<strong>théorique</strong>" in page  # Markdown rendered
    assert '<a href="/organizations/537cce197ca09d514c02741a">Région Bretagne</a>' in page
    assert "hebdomadaire" in page
    assert "Licence Ouverte" in page
    assert "2025-09-01 – 2026-07-04" in page
    assert "Fichiers et accès (3)" in page
    assert "2,8 Mo" in page
    assert "Réutilisations (1)" in page
    assert '<a href="/themes/transport">' in page
    schema = json.loads(page.split('<script type="application/ld+json">')[1]
                        .split("</script>")[0])
    assert schema["type"] == "Dataset"
    assert schema["@context"]["@vocab"] == "https://schema.org/"


def test_organisation_datasets_are_paged(http: TestClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_pages, "PAGE_SIZE", 4)
    query = ("SELECT ?o (COUNT(?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
             "<http://purl.org/dc/terms/publisher> ?o } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1")
    row = http.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    path = row["o"]["value"].replace(BASE, "")
    total = int(row["n"]["value"])
    page = http.get(path + ".html").text
    assert f"Jeux de données ({total})" in page
    assert total > 4
    seen = set()
    for number in range(1, -(-total // 4) + 1):
        page = http.get(path + ".html", params={"page": str(number)}).text
        links = re.findall(r'<li><a href="(/datasets/[^"]+)">', page)
        assert len(links) == min(4, total - 4 * (number - 1))
        seen.update(links)
    assert len(seen) == total
    assert 'rel="next"' in http.get(path + ".html").text
    for bad in ("abc", "-3", "999999"):
        assert http.get(path + ".html", params={"page": bad}).status_code == 200


def test_hostile_record_renders_inert(tmp_path: Path,
                                      write_csv: Callable[..., Path]) -> None:
    description = (f"# Titre\n{HOSTILE}\n\n[clic]({JS_URL}) <a href=\"{JS_URL}\">a</a> "
                   f"![i]({JS_URL}) [ok](https://example.org/)")
    datasets = write_csv("datasets.csv", csv_text(DATASET_HEADER, [dataset_row(
        "evil", title=HOSTILE, acronym=HOSTILE, description=description, url=JS_URL,
        organization=HOSTILE, tags=f"{SCRIPT},{IMAGE}", frequency=HOSTILE, license=HOSTILE,
        resources_count=1, **{"spatial.zones": HOSTILE, "spatial.granularity": HOSTILE,
                              "temporal_coverage.start": HOSTILE})]))
    resources = write_csv("resources.csv", csv_text(RESOURCE_HEADER, [resource_row(
        "evil", "r1", title=HOSTILE, description=HOSTILE, url=JS_URL, format=HOSTILE,
        mime=HOSTILE)]))
    store = tmp_path / "store"
    load([datasets, resources], store, LoadOptions(base_iri=BASE, workers=1))
    http = TestClient(create_app_for_store(store))
    dataset = http.get("/datasets/evil.html")
    assert dataset.status_code == 200
    assert "&lt;script&gt;" in dataset.text
    assert 'href="https://example.org/"' in dataset.text
    assert_inert(dataset.text)
    for path in ("/organizations/org1.html", "/resources/r1.html"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert_inert(response.text)
