"""HTML pages of records (Jinja2, no JavaScript needed)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from endpoint.record_documents import RecordDocument
from loader.generations import Generation
from loader.repo import Repo


@cache
def environment() -> Environment:
    """The templates of the record pages (autoescaped, strict about undefined names)."""
    return Environment(loader=PackageLoader("endpoint", "templates"),
                       autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render_html(repo: Repo, generation: Generation, document: RecordDocument) -> bytes:
    """The record's page."""
    rows = [(str(triple.subject), str(triple.predicate), str(triple.object))
            for triple in document.triples]
    page = environment().get_template("record_generic.html").render(
        iri=document.iri, kind=document.kind, rows=rows)
    return page.encode("utf-8")
