"""``/sparql``: a first SPARQL 1.1 Protocol query endpoint (GET and POST).

The SPARQL endpoint issue makes it complete and safe (time limits in killable workers, result
caps, SERVICE allow-list); this version answers queries and refuses updates.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import parse_qs

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.browser_editor import editor_response, wants_editor
from endpoint.errors import error_response
from loader.repo import NoGeneration, Repo

UPDATE_KEYWORDS = ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add")


async def _query_text(request: Request) -> str | None:
    if request.method == "GET":
        return request.query_params.get("query")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/sparql-query":
        return (await request.body()).decode("utf-8", errors="strict")
    if content_type == "application/x-www-form-urlencoded":
        body = (await request.body()).decode("utf-8", errors="strict")
        form = parse_qs(body, keep_blank_values=True, errors="strict")
        if "update" in form:
            return "\x00update"
        values = form.get("query", [])
        return values[0] if values else None
    return None


async def sparql(request: Request) -> Response:
    """Answer a SPARQL query with JSON (SELECT/ASK) or Turtle/N-Triples (CONSTRUCT/DESCRIBE)."""
    repo: Repo = request.app.state.repo
    # >>> query editor hook (issue 5, item 6): a browser asking for HTML gets the editor page,
    # with ?query= run and its results or error shown (endpoint/browser_editor.py).
    if wants_editor(request):
        return await editor_response(request, partial(_answer, repo))
    # <<< query editor hook
    try:
        text = await _query_text(request)
    except UnicodeDecodeError:
        return error_response(400, "bad_encoding", "the query is not UTF-8")
    if text == "\x00update":
        return error_response(403, "update_forbidden",
                              "updates are not accepted here; data is published with ldcat load")
    if not text:
        return error_response(400, "missing_query", "give a SPARQL query in 'query'")
    accept = request.headers.get("accept", "")
    try:
        body, media_type = await run_in_threadpool(_answer, repo, text, accept)
    except NoGeneration:
        return error_response(503, "no_generation", "nothing has been published yet")
    except SyntaxError as error:
        if text.lstrip().lower().startswith(UPDATE_KEYWORDS):
            return error_response(403, "update_forbidden",
                                  "updates are not accepted here; data is published with "
                                  "ldcat load")
        return error_response(400, "bad_query", f"SPARQL syntax error: {error}")
    return Response(body, media_type=media_type)


def _answer(repo: Repo, text: str, accept: str) -> tuple[bytes, str]:
    """Run and serialise in one thread: pyoxigraph results must not cross threads."""
    result = repo.query(text)
    if isinstance(result, QuerySolutions | QueryBoolean):
        return (result.serialize(format=QueryResultsFormat.JSON) or b"",
                "application/sparql-results+json")
    rdf_format = RdfFormat.N_TRIPLES if "n-triples" in accept else RdfFormat.TURTLE
    return result.serialize(format=rdf_format) or b"", rdf_format.media_type
