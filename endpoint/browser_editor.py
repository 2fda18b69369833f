"""Where ``/sparql`` hands browsers the query editor page instead of a protocol answer.

A ``GET`` whose ``Accept`` ranks HTML above every format the protocol serves (as browsers'
navigation ``Accept`` does), with no ``format`` or ``update`` parameter, gets the editor page:
empty, or holding ``?query=`` and its results (or the error). Everything else is left to the
protocol route. The page is sent with ``Vary: Accept`` and a strict content security policy.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from endpoint.negotiation import parse_accept, quality_of
from endpoint.protocol import ProtocolError
from endpoint.query_editor import editor_page
from endpoint.query_results import graph_results_json
from loader.repo import NoGeneration

Runner = Callable[[str, str], tuple[bytes, str]]
"""Runs a query: ``(query, accept) -> (body, media type)``; raises ``SyntaxError`` or a
:class:`~endpoint.protocol.ProtocolError` (refusals, with their status) for a query it will not
answer, and :class:`~loader.repo.NoGeneration` when nothing is published."""

HTML_TYPES = ("text/html", "application/xhtml+xml")
PROTOCOL_TYPES = (
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "application/json", "application/xml", "text/turtle",
    "application/n-triples", "application/rdf+xml", "application/ld+json", "application/trig",
    "application/n-quads",
)
RUN_ACCEPT = "application/sparql-results+json, application/n-triples"
SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                   "connect-src 'self'; form-action 'self'; base-uri 'none'; "
                   "frame-ancestors 'none'")


def prefers_html(accept: str) -> bool:
    """Whether ``accept`` names HTML explicitly and ranks it above every protocol format.

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("*/*"), prefers_html("application/sparql-results+json")
    (False, False)
    """
    ranges = parse_accept(accept)
    html = max((media_range.quality for media_range in ranges
                if f"{media_range.type}/{media_range.subtype}" in HTML_TYPES), default=0.0)
    return html > 0 and html > max(quality_of(ranges, media_type)
                                   for media_type in PROTOCOL_TYPES)


def wants_editor(request: Request) -> bool:
    """Whether ``request`` is a browser asking ``/sparql`` for a page."""
    parameters = request.query_params
    return (request.method == "GET" and "format" not in parameters
            and "update" not in parameters and prefers_html(request.headers.get("accept", "")))


async def editor_response(request: Request, run: Runner) -> HTMLResponse:
    """The editor page for ``request``, with ``?query=`` run through ``run`` when given.

    A syntax error is shown on the page with status 400; no published generation, 503.
    """
    query = request.query_params.get("query")
    endpoint_path = request.url.path
    result_json, error, status = None, None, 200
    if query:
        try:
            body, media_type = await run_in_threadpool(run, query, RUN_ACCEPT)
            result_json = (body if media_type.startswith("application/sparql-results+json")
                           else graph_results_json(body, media_type))
        except SyntaxError as problem:
            error, status = f"SPARQL syntax error: {problem}", 400
        except ProtocolError as refusal:
            error, status = refusal.message, refusal.status
        except NoGeneration:
            error, status = "Nothing has been published yet.", 503
    page = editor_page(query=query or None, result_json=result_json, error=error,
                       endpoint_path=endpoint_path)
    return HTMLResponse(page, status_code=status,
                        headers={"Vary": "Accept", "Content-Security-Policy": SECURITY_POLICY})
