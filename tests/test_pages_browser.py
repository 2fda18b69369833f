"""The site in a real headless Chromium (Debian's ``chromium``, driven by Playwright) against a
real uvicorn server over the demo store: the dataset page, the home page's search and a facet
click, with and without JavaScript, on a desktop and a phone viewport. Console errors, page
errors and failed sub-resources fail the test. Screenshots are written under
``test-artifacts/browser/`` (git-ignored; ``LDCAT_TEST_ARTIFACTS`` moves it)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from loader.report import LoadReport
from tests.browser_support import launch_chromium, serve_store
from tests.conftest import PROJECT
from tests.test_records import DATASET

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("LDCAT_TEST_ARTIFACTS", PROJECT / "test-artifacts")) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def live_server(demo_store: tuple[Path, LoadReport]) -> Iterator[str]:
    """The app over the demo store, served by uvicorn on a free port of 127.0.0.1."""
    yield from serve_store(demo_store[0])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright; skips when either is absent."""
    yield from launch_chromium()


class Watched:
    """A page whose console errors, page errors and failed requests are collected."""

    def __init__(self, browser: Browser, javascript: bool, viewport: ViewportSize) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport=viewport)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.error_documents: set[str] = set()
        """Pages expected to answer an error status (the browser logs it on the console)."""
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _request_failed(self, request: Any) -> None:
        # a navigation cancels what the page was still fetching (Chromium reports
        # net::ERR_ABORTED: the favicon, when Enter submits the search form at once); an
        # answer the site got wrong is a response (below) or another network error
        if request.failure == "net::ERR_ABORTED" and request.resource_type != "document":
            return
        self.problems.append(f"failed: {request.url} ({request.failure})")

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if message.location.get("url") in self.error_documents \
                and message.text.startswith("Failed to load resource"):
            return
        self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status}: {response.url}")

    def close(self) -> None:
        self.context.close()


def fits_the_screen(page: Page) -> bool:
    """No horizontal scrolling of the whole page (tables scroll inside their box)."""
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"))


def result_count(page: Page) -> int:
    summary = page.inner_text("#summary").replace("\u202f", "").replace(" ", "")
    match = re.match(r"(\d+)jeux?dedonnées", summary)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_dataset_page_renders(browser: Browser, live_server: str, artifacts: Path,
                              viewport: ViewportSize) -> None:
    watched = Watched(browser, javascript=True, viewport=viewport)
    page = watched.page
    response = page.goto(f"{live_server}/datasets/{DATASET}")
    assert response is not None
    assert response.status == 200
    assert page.inner_text("h1") == "Horaires théoriques du réseau régional BreizhGo (GTFS)"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".description strong", has_text="théorique").count() == 1
    assert page.locator("section[aria-labelledby=h-distributions] table tbody tr").count() == 3
    assert page.locator("a[href='/organizations/537cce197ca09d514c02741a']").count() >= 1
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the CSS applied
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts / f"dataset-{viewport['width']}.png"),
                    full_page=True)
    assert watched.problems == []
    watched.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_home_search_and_a_facet_click(browser: Browser, live_server: str, artifacts: Path,
                                       demo_store: tuple[Path, LoadReport],
                                       javascript: bool) -> None:
    http = TestClient(create_app_for_store(demo_store[0]))
    expected = http.get("/search.json", params={"q": "transport"}).json()
    watched = Watched(browser, javascript=javascript, viewport=PHONE if not javascript
                      else DESKTOP)
    page = watched.page
    page.goto(live_server + "/")
    assert page.locator("h1").count() == 1
    assert page.locator("ul.counts li").count() == 6
    page.screenshot(path=str(artifacts / f"home-{'js' if javascript else 'nojs'}.png"),
                    full_page=True)
    page.fill("main input#q", "transport")
    with page.expect_navigation():
        page.press("main input#q", "Enter")
    assert urlsplit(page.url).path == "/search"
    assert parse_qs(urlsplit(page.url).query) == {"q": ["transport"]}
    assert result_count(page) == expected["total"] > 0
    titles = page.locator("ol.results h3 a").all_inner_texts()
    assert titles == [hit["title"] for hit in expected["results"]]
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts / f"search-{'js' if javascript else 'nojs'}.png"),
                    full_page=True)

    facet = page.locator("ul.facet[data-facet=organization] li").first
    label = facet.locator("a").inner_text()
    count = int(facet.locator(".count").inner_text())
    assert count < expected["total"]
    with page.expect_navigation():
        facet.locator("a").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["transport"]
    assert len(query["organization"]) == 1
    assert result_count(page) == count
    assert page.locator("ol.results > li").count() == count
    assert page.locator("ul.active-filters a", has_text=label).count() == 1
    assert page.locator("ul.facet[data-facet=organization] li.selected").count() == 1
    page.screenshot(path=str(artifacts / f"facet-{'js' if javascript else 'nojs'}.png"),
                    full_page=True)
    with page.expect_navigation():
        page.locator("ul.active-filters a").first.click()
    assert result_count(page) == expected["total"]
    assert watched.problems == []
    watched.close()


def test_error_page_in_the_browser(browser: Browser, live_server: str, artifacts: Path) -> None:
    watched = Watched(browser, javascript=True, viewport=PHONE)
    page = watched.page
    watched.error_documents = {f"{live_server}/datasets/no-such-dataset",
                               f"{live_server}/search?page=0"}
    response = page.goto(f"{live_server}/datasets/no-such-dataset")
    assert response is not None
    assert response.status == 404
    assert page.inner_text("h1") == "Page introuvable"
    page.fill("header input[name=q]", "meteo")
    with page.expect_navigation():
        page.press("header input[name=q]", "Enter")
    assert result_count(page) > 0
    page.goto(f"{live_server}/search?page=0")
    assert page.inner_text("h1") == "Requête incorrecte"
    page.screenshot(path=str(artifacts / "error-400.png"), full_page=True)
    assert watched.problems == []
    watched.close()
