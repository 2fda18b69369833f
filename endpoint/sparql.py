"""``/sparql``: a first SPARQL 1.1 Protocol query endpoint (GET and POST).

The SPARQL endpoint issue makes it complete and safe (time limits in killable workers, result
caps, SERVICE allow-list); this version answers queries and refuses updates.
"""

from __future__ import annotations

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

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
        form = await request.form()
        value = form.get("query")
        if form.get("update") is not None:
            return "\x00update"
        return value if isinstance(value, str) else None
    return None


async def sparql(request: Request) -> Response:
    """Answer a SPARQL query with JSON (SELECT/ASK) or Turtle/N-Triples (CONSTRUCT/DESCRIBE)."""
    repo: Repo = request.app.state.repo
    try:
        text = await _query_text(request)
    except UnicodeDecodeError:
        return error_response(400, "bad_encoding", "the query is not UTF-8")
    if text == "\x00update":
        return error_response(403, "update_forbidden",
                              "updates are not accepted here; data is published with ldcat load")
    if not text:
        return error_response(400, "missing_query", "give a SPARQL query in 'query'")
    try:
        result = await run_in_threadpool(repo.query, text)
    except NoGeneration:
        return error_response(503, "no_generation", "nothing has been published yet")
    except SyntaxError as error:
        message = str(error)
        if text.lstrip().lower().startswith(UPDATE_KEYWORDS):
            return error_response(403, "update_forbidden",
                                  "updates are not accepted here; data is published with "
                                  "ldcat load")
        return error_response(400, "bad_query", f"SPARQL syntax error: {message}")
    if isinstance(result, QuerySolutions | QueryBoolean):
        body = result.serialize(format=QueryResultsFormat.JSON)
        return Response(body, media_type="application/sparql-results+json")
    accept = request.headers.get("accept", "")
    rdf_format = RdfFormat.N_TRIPLES if "n-triples" in accept else RdfFormat.TURTLE
    return Response(result.serialize(format=rdf_format), media_type=rdf_format.media_type)
