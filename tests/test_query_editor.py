"""The SPARQL query editor page: rendering, the example queries, the /sparql hook, the asset
installer, and a real headless Chromium (Debian's ``chromium``, driven by Playwright) against a
real uvicorn server, with and without JavaScript."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from endpoint import assets
from endpoint.app import create_app_for_store
from endpoint.browser_editor import prefers_html
from endpoint.query_editor import default_query, download_links, editor_page, query_form
from endpoint.query_examples import examples, parse_example
from endpoint.query_results import graph_results_json, result_table
from loader.report import LoadReport
from ontology.namespaces import PREFIXES
from tests.browser_support import launch_chromium, serve_store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TITLES = ("PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
          "PREFIX dct: <http://purl.org/dc/terms/>\n"
          "SELECT ?dataset ?title WHERE { ?dataset a dcat:Dataset ; dct:title ?title }\n"
          "ORDER BY ?title LIMIT 7\n")


class Cells(HTMLParser):
    """Collects the text of each ``<td>`` of each body row, and every link target."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.hrefs: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "a":
            self.hrefs.extend(value or "" for name, value in attrs if name == "href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def body_rows(page: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(page)
    return [row for row in parser.rows if row]


def client(store: Path) -> TestClient:
    return TestClient(create_app_for_store(store))


def protocol_answer(http: TestClient, query: str) -> dict[str, Any]:
    """A query's answer through the protocol route, as SPARQL JSON (graphs as s/p/o rows)."""
    graph = query_form(query) in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph else "application/sparql-results+json"
    response = http.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    if graph:
        media_type = response.headers["content-type"].split(";")[0]
        return dict(json.loads(graph_results_json(response.content, media_type)))
    return dict(response.json())


# --- the page, as a pure function ---------------------------------------------------------

def test_hostile_values_are_escaped_and_never_scripted() -> None:
    hostile = "<script>alert('x')</script>"
    result = {"head": {"vars": ["s", "o"]}, "results": {"bindings": [{
        "s": {"type": "uri", "value": "javascript:alert(1)"},
        "o": {"type": "literal", "value": hostile, "datatype": 'http://x/"><b>'},
    }, {
        "s": {"type": "uri", "value": "https://example.org/a?b=1&c=<d>"},
        "o": {"type": "literal", "value": "</td></tr></table>", "xml:lang": "fr"},
    }]}}
    query = f"SELECT * WHERE {{ ?s ?o ?x }} # </textarea>{hostile}"
    page = editor_page(query=query, result_json=json.dumps(result).encode(), error=None)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "</textarea><script>" not in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in page
    parser = Cells()
    parser.feed(page)
    assert not any(href.lower().startswith("javascript:") for href in parser.hrefs)
    assert "https://example.org/a?b=1&c=<d>" in parser.hrefs
    assert body_rows(page) == [["javascript:alert(1)", hostile + '^^http://x/"><b>'],
                               ["https://example.org/a?b=1&c=<d>", "</td></tr></table>@fr"]]
    error_page = editor_page(query="x", result_json=None, error=hostile)
    assert "<script>alert" not in error_page
    assert 'role="alert"' in error_page


def test_a_real_result_becomes_the_table(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    query = examples()[0].query
    answer = protocol_answer(client(store), query)
    bindings = answer["results"]["bindings"]
    assert bindings
    page = editor_page(query=query, result_json=json.dumps(answer).encode(), error=None)
    rows = body_rows(page)
    assert len(rows) == len(bindings)
    for row, binding in zip(rows, bindings, strict=True):
        assert row[1] == binding["name"]["value"]
        assert row[2] == binding["datasets"]["value"] + "^^xsd:integer"
    parser = Cells()
    parser.feed(page)
    assert {binding["organisation"]["value"] for binding in bindings} <= set(parser.hrefs)
    assert f"{len(bindings)} rows" in page


def test_ask_error_and_row_limit() -> None:
    assert ">true<" in editor_page(query="ASK {}", result_json=b'{"head":{},"boolean":true}',
                                   error=None)
    broken = editor_page(query="SELECT", result_json=b"not json", error=None)
    assert "not SPARQL JSON results" in broken
    many = {"head": {"vars": ["n"]}, "results": {"bindings": [
        {"n": {"type": "literal", "value": str(n)}} for n in range(1500)]}}
    table = result_table(json.dumps(many).encode(), max_rows=1000)
    assert (len(table.rows), table.total) == (1000, 1500)
    page = editor_page(query="SELECT ?n {}", result_json=json.dumps(many).encode(), error=None)
    assert len(body_rows(page)) == 1000
    assert "1500 rows, the first 1000 shown" in page


def test_default_page_has_prefixes_examples_and_no_downloads() -> None:
    page = editor_page(query=None, result_json=None, error=None, highlighting=False)
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}:" in default_query()
        assert namespace in page
    for example in examples():
        assert example.title.replace("'", "&#39;").replace('"', "&#34;") in page
    assert "codemirror" not in page
    assert 'id="downloads" class="downloads" hidden' in page
    assert "codemirror.js" in editor_page(query=None, result_json=None, error=None,
                                          highlighting=True)


def test_query_form_and_download_links() -> None:
    assert query_form("# c\nPREFIX a: <x:y> BASE <z:>\n select * {}") == "SELECT"
    assert query_form("PREFIX : <http://e/> DESCRIBE :a") == "DESCRIBE"
    assert query_form("INSERT DATA {}") is None
    select = download_links("SELECT * {}")
    assert [label for label, _ in select] == ["JSON", "XML", "CSV", "TSV"]
    construct = dict(download_links("CONSTRUCT WHERE { ?s ?p ?o }"))
    assert list(construct) == ["Turtle", "N-Triples", "RDF/XML", "JSON-LD"]
    parameters = parse_qs(urlsplit(construct["Turtle"]).query)
    assert parameters == {"query": ["CONSTRUCT WHERE { ?s ?p ?o }"], "format": ["ttl"]}
    assert len(download_links("nonsense")) == 8


@pytest.mark.parametrize(("accept", "expected"), [
    (BROWSER_ACCEPT, True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
     "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
     "image/png,image/svg+xml,*/*;q=0.8", True),
    ("*/*", False),
    ("", False),
    ("application/sparql-results+json", False),
    ("text/html;q=0.5, application/sparql-results+json", False),
    ("text/html, */*", False),
    ("text/html;q=0, */*;q=0.1", False),
    ("text/*, text/html;q=0.9", False),
])
def test_prefers_html(accept: str, expected: bool) -> None:
    assert prefers_html(accept) is expected


# --- the example queries ------------------------------------------------------------------

def test_examples_are_a_dozen_with_titles() -> None:
    titles = [example.title for example in examples()]
    assert len(titles) >= 12
    assert len(set(titles)) == len(titles)
    with pytest.raises(ValueError, match="title"):
        parse_example("bad", "SELECT * {}")


@pytest.mark.parametrize("example", examples(), ids=lambda example: example.slug)
def test_every_example_answers_on_the_demo(demo_store: tuple[Path, LoadReport],
                                           example: Any) -> None:
    store, _ = demo_store
    answer = protocol_answer(client(store), example.query)
    assert answer.get("boolean") is True or answer["results"]["bindings"]


# --- the /sparql hook ---------------------------------------------------------------------

def test_browsers_get_the_editor_with_results(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    http = client(store)
    empty = http.get("/sparql", headers={"accept": BROWSER_ACCEPT})
    assert empty.status_code == 200
    assert empty.headers["content-type"] == "text/html; charset=utf-8"
    assert "accept" in empty.headers["vary"].lower()
    assert "script-src 'self'" in empty.headers["content-security-policy"]
    assert "PREFIX dcat:" in empty.text

    answered = http.get("/sparql", params={"query": TITLES}, headers={"accept": BROWSER_ACCEPT})
    expected = protocol_answer(http, TITLES)["results"]["bindings"]
    assert answered.status_code == 200
    assert [row[1] for row in body_rows(answered.text)] == [
        binding["title"]["value"] + "@fr" for binding in expected]
    assert "format=csv" in answered.text

    graph = http.get("/sparql", params={"query": examples()[-1].query},
                     headers={"accept": BROWSER_ACCEPT})
    assert graph.status_code == 200
    assert body_rows(graph.text)

    bad = http.get("/sparql", params={"query": "SELEKT ?x"}, headers={"accept": BROWSER_ACCEPT})
    assert bad.status_code == 400
    assert "SPARQL syntax error" in bad.text
    assert "SELEKT ?x" in bad.text


def test_programs_still_get_the_protocol(demo_store: tuple[Path, LoadReport],
                                         tmp_path: Path) -> None:
    store, _ = demo_store
    http = client(store)
    for headers in ({}, {"accept": "*/*"}, {"accept": "application/sparql-results+json"}):
        response = http.get("/sparql", params={"query": TITLES}, headers=headers)
        assert response.headers["content-type"].startswith("application/sparql-results+json")
    with_format = http.get("/sparql", params={"query": TITLES, "format": "json"},
                           headers={"accept": BROWSER_ACCEPT})
    assert not with_format.headers["content-type"].startswith("text/html")
    posted = http.post("/sparql", data={"query": TITLES},
                       headers={"accept": "application/sparql-results+json"})
    assert posted.json()["results"]["bindings"]
    nothing = client(tmp_path).get("/sparql", params={"query": TITLES},
                                   headers={"accept": BROWSER_ACCEPT})
    assert nothing.status_code == 503
    assert "Nothing has been published yet" in nothing.text


def test_static_files_are_served(demo_store: tuple[Path, LoadReport]) -> None:
    store, _ = demo_store
    http = client(store)
    script = http.get("/-/static/editor.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert http.get("/-/static/editor.css").status_code == 200
    assert http.get("/-/static/../sparql.py").status_code == 404


# --- the asset installer ------------------------------------------------------------------

def fake_tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_asset_installer_checks_integrity_and_takes_only_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    tarball = fake_tarball({"package/lib/a.js": b"// a", "package/../../evil": b"x",
                            "package/other.js": b"// not listed"})
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    asset = assets.NpmAsset(name="demo", version="1.0.0", integrity=f"sha512-{digest}",
                            files=("lib/a.js",))
    assert asset.tarball_url("https://registry.example/") == \
        "https://registry.example/demo/-/demo-1.0.0.tgz"
    with pytest.raises(ValueError, match="integrity"):
        assets.unpack(asset, tarball + b"tampered")
    assert not assets.installed(asset)
    assets.unpack(asset, tarball)
    assert assets.installed(asset)
    installed = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")
                       if path.is_file())
    assert installed == ["vendor/demo/VERSION", "vendor/demo/lib/a.js"]
    missing = assets.NpmAsset(name="demo", version="1.0.0", integrity=f"sha512-{digest}",
                              files=("lib/absent.js",))
    with pytest.raises(ValueError, match="not a file"):
        assets.unpack(missing, tarball)
    assert assets.installed(asset), "a failed install leaves the previous one in place"


# --- a real browser -----------------------------------------------------------------------



@pytest.fixture(scope="module")
def live_server(demo_store: tuple[Path, LoadReport]) -> Iterator[str]:
    """The app over the demo store, served by uvicorn on a free port of 127.0.0.1."""
    yield from serve_store(demo_store[0])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright; skips when either is absent."""
    yield from launch_chromium()


def expected_titles(demo_store: tuple[Path, LoadReport]) -> list[str]:
    store, _ = demo_store
    bindings = protocol_answer(client(store), TITLES)["results"]["bindings"]
    assert bindings
    return [binding["title"]["value"] + "@fr" for binding in bindings]


def table_titles(page: Any) -> list[str]:
    return [str(text) for text in
            page.locator("#results tbody tr td:nth-child(2)").all_inner_texts()]


@pytest.mark.parametrize("vendor", ["as installed", "blocked"])
def test_browser_runs_a_typed_query_in_place(browser: Browser, live_server: str,
                                             demo_store: tuple[Path, LoadReport],
                                             vendor: str) -> None:
    page = browser.new_page()
    problems: list[str] = []

    def console_error(message: ConsoleMessage) -> None:
        if message.type == "error":  # CSP violations and failed loads land here too
            problems.append(f"{message.text} ({message.location['url']})")

    page.on("pageerror", lambda error: problems.append(str(error)))
    if vendor == "blocked":
        page.route("**/-/static/vendor/**", lambda route: route.fulfill(status=404))
    else:
        page.on("console", console_error)
    page.goto(f"{live_server}/sparql")
    highlighting = vendor == "as installed" and assets.installed()
    if highlighting:
        page.wait_for_selector(".CodeMirror .cm-keyword")  # the default query is highlighted
        page.click(".CodeMirror-code")
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type(TITLES)
        assert page.locator(".CodeMirror .cm-keyword").count() >= 4
        assert page.locator(".CodeMirror .cm-variable-2, .CodeMirror .cm-atom").count() >= 1
    else:
        assert page.locator(".CodeMirror").count() == 0
        page.fill("textarea#query", TITLES)
    page.evaluate("window.sameDocument = true")
    page.click("button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    assert table_titles(page) == expected_titles(demo_store)
    assert page.evaluate("window.sameDocument") is True, "the page reloaded"
    assert parse_qs(urlsplit(page.url).query)["query"] == [TITLES]
    assert page.locator("#downloads a", has_text="CSV").count() == 1

    page.click(".examples a >> nth=0")  # an example fills the editor and runs
    page.wait_for_selector("#results th:nth-child(3)")  # its table has a third column
    assert page.locator("#results tbody tr").count() >= 1
    assert page.evaluate("window.sameDocument") is True
    assert problems == []

    if highlighting:
        page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue('SELEKT ?x')")
        page.click(".CodeMirror-code")
    else:
        page.fill("textarea#query", "SELEKT ?x")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results .error")
    assert "syntax error" in page.inner_text("#results .error")
    page.close()


def test_browser_without_javascript_submits_the_form(browser: Browser, live_server: str,
                                                     demo_store: tuple[Path, LoadReport]) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/sparql")
    assert page.locator(".CodeMirror").count() == 0
    page.fill("textarea#query", TITLES)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert table_titles(page) == expected_titles(demo_store)
    assert page.input_value("textarea#query") == TITLES
    with page.expect_navigation():
        page.click(".examples a >> nth=1")
    assert page.locator("#results tbody tr").count() >= 1
    context.close()
