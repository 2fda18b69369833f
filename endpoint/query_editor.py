"""The SPARQL query editor page for browsers: a plain HTML form first, JavaScript on top.

Without JavaScript the page is a ``GET`` form whose answer is this same page with the results
rendered by the server. With JavaScript, ``/-/static/editor.js`` runs queries with ``fetch`` and
renders the table in place; with the CodeMirror assets installed (``python3 endpoint/assets.py``)
the text area becomes a highlighting editor. Missing assets are simply not referenced.

>>> page = editor_page(query="ASK {}", result_json=b'{"head": {}, "boolean": true}', error=None)
>>> "<textarea" in page and "true" in page
True
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from endpoint import assets
from endpoint.query_examples import examples
from endpoint.query_results import MAX_TABLE_ROWS, ResultTable, result_table
from ontology.namespaces import PREFIXES

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/-/static"

RESULT_FORMATS = (("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV"))
GRAPH_FORMATS = (("ttl", "Turtle"), ("nt", "N-Triples"), ("rdf", "RDF/XML"),
                 ("jsonld", "JSON-LD"))

_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*|(?:PREFIX\s+[\w.-]*:\s*|BASE\s+)<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(query: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` from the query's first keyword after
    its prologue (comments, ``PREFIX``, ``BASE``); ``None`` when there is none.

    >>> query_form("PREFIX dct: <http://purl.org/dc/terms/> # c\\nconstruct { ?s ?p ?o } {}")
    'CONSTRUCT'
    """
    prologue = _PROLOGUE.match(query)
    form = _FORM.match(query, prologue.end() if prologue else 0)
    return form.group(1).upper() if form else None


def download_links(query: str, endpoint_path: str = "/sparql") -> list[tuple[str, str]]:
    """(label, URL) pairs fetching ``query``'s result in each format its form allows."""
    form = query_form(query)
    formats = (RESULT_FORMATS if form in ("SELECT", "ASK")
               else GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE")
               else RESULT_FORMATS + GRAPH_FORMATS)
    return [(label, f"{endpoint_path}?{urlencode({'query': query, 'format': name})}")
            for name, label in formats]


def default_query() -> str:
    """What the editor holds at first: every known prefix and a small SELECT."""
    width = max(len(prefix) for prefix in PREFIXES)
    lines = [f"PREFIX {prefix + ':':<{width + 1}} <{namespace}>"
             for prefix, namespace in PREFIXES.items()]
    return "\n".join([*lines, "", "SELECT ?dataset ?title ?modified", "WHERE {",
                      "  ?dataset a dcat:Dataset ;", "           dct:title ?title .",
                      "  OPTIONAL { ?dataset dct:modified ?modified }", "}",
                      "ORDER BY DESC(?modified)", "LIMIT 20", ""])


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("endpoint", "templates"),
                       autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def _summary(table: ResultTable | None) -> str:
    if table is None:
        return ""
    if table.boolean is not None:
        return "ASK answered " + ("true" if table.boolean else "false")
    noun = "row" if table.total == 1 else "rows"
    if len(table.rows) < table.total:
        return f"{table.total} {noun}, the first {len(table.rows)} shown (download for all)"
    return f"{table.total} {noun}"


def editor_page(*, query: str | None, result_json: bytes | None, error: str | None,
                endpoint_path: str = "/sparql", highlighting: bool | None = None) -> str:
    """The whole editor page (HTML5) holding ``query`` (or :func:`default_query`).

    ``result_json`` is a SPARQL 1.1 Query Results JSON document (SELECT or ASK; graph results
    converted by :func:`endpoint.query_results.graph_results_json`), shown as a table of at most
    :data:`~endpoint.query_results.MAX_TABLE_ROWS` rows; ``error`` is shown instead when given.
    ``highlighting`` says whether to load CodeMirror; by default, whether it is installed.
    Every value from the query or the results is escaped.
    """
    table = None
    if result_json is not None and error is None:
        try:
            table = result_table(result_json, MAX_TABLE_ROWS)
        except ValueError as problem:
            error = str(problem)
    if highlighting is None:
        highlighting = assets.installed()
    text = default_query() if query is None else query
    return _environment().get_template("query_editor.html").render(
        query=text,
        endpoint_path=endpoint_path,
        static=STATIC_PATH,
        highlighting=highlighting,
        table=table,
        summary=_summary(table),
        error=error,
        downloads=download_links(query, endpoint_path) if query else [],
        examples=[(example.title, f"{endpoint_path}?{urlencode({'query': example.query})}")
                  for example in examples()],
        prefixes=PREFIXES,
        max_rows=MAX_TABLE_ROWS,
    )


def editor_routes() -> list[BaseRoute]:
    """The editor's static files (ldcat's script and style, installed vendor assets)."""
    return [Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="static")]
