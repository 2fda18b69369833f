"""The SPARQL 1.1 Protocol, query side: read a query operation out of an HTTP request.

Three ways to send a query (GET ``?query=``, POST form-encoded, POST ``application/sparql-query``)
and the dataset parameters ``default-graph-uri`` / ``named-graph-uri``. Everything else a
client may send is refused with a :class:`ProtocolError` naming what was wrong: several
queries, an update (writes go through ``ldcat load``), a missing or unsupported content type,
bytes that are not UTF-8, a request over the size limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import Request

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    """A request the endpoint refuses: HTTP status, error code and a readable message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class QueryOperation:
    """One query with its protocol parameters (``query`` is ``None``: none was given)."""

    query: str | None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    format: str | None = None
    """The ``format`` parameter (``json``, ``csv``, ``ttl``...), overriding ``Accept``."""

    @property
    def dataset_given(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


def updates_refused() -> ProtocolError:
    return ProtocolError(403, "update_forbidden",
                         "this public endpoint does not accept SPARQL updates; the catalogue "
                         "is published with 'ldcat load'")


def _parse_parameters(raw: bytes, where: str) -> dict[str, list[str]]:
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                        encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "bad_encoding", f"the {where} is not UTF-8") from None


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, "request_too_large",
                            f"the request body is over the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, "request_too_large",
                                f"the request body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _one(parameters: dict[str, list[str]], name: str) -> str | None:
    values = parameters.get(name, [])
    if len(values) > 1:
        raise ProtocolError(400, "several_queries" if name == "query" else "bad_parameter",
                            f"give one '{name}' parameter, not {len(values)}")
    return values[0] if values else None


def _graphs(parameters: dict[str, list[str]], name: str) -> tuple[str, ...] | None:
    values = parameters.get(name)
    return tuple(values) if values is not None else None


async def read_operation(request: Request, limit: int) -> QueryOperation:
    """The query operation of ``request``, or a :class:`ProtocolError`."""
    raw_query = request.scope.get("query_string", b"")
    if len(raw_query) > limit:
        raise ProtocolError(414, "uri_too_long", f"the query string is over the {limit}-byte "
                                                 "limit: send long queries with POST")
    url_parameters = _parse_parameters(raw_query, "query string")
    if "update" in url_parameters:
        raise updates_refused()
    if request.method in ("GET", "HEAD"):
        return QueryOperation(_one(url_parameters, "query"),
                              _graphs(url_parameters, "default-graph-uri"),
                              _graphs(url_parameters, "named-graph-uri"),
                              _one(url_parameters, "format"))
    content_type = request.headers.get("content-type")
    if content_type is None:
        raise ProtocolError(400, "missing_content_type",
                            f"a POST query needs a Content-Type: {FORM} or {DIRECT}")
    media_type, *parameters = [part.strip().lower() for part in content_type.split(";")]
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise ProtocolError(415, "unsupported_charset",
                                f"queries are read as UTF-8, not {value.strip()}")
    if media_type == UPDATE:
        raise updates_refused()
    if media_type == FORM:
        form = _parse_parameters(await _body(request, limit), "form body")
        if "update" in form:
            raise updates_refused()
        if "query" in url_parameters:
            raise ProtocolError(400, "several_queries",
                                "a form POST carries its query in the body, not in the URL")
        if "query" not in form:
            raise ProtocolError(400, "missing_query", "a form POST carries a 'query' parameter "
                                                      "(GET /sparql describes the service)")
        merged = {**url_parameters, **{name: url_parameters.get(name, []) + values
                                       for name, values in form.items()}}
        return QueryOperation(_one(form, "query"), _graphs(merged, "default-graph-uri"),
                              _graphs(merged, "named-graph-uri"), _one(merged, "format"))
    if media_type == DIRECT:
        if "query" in url_parameters:
            raise ProtocolError(400, "several_queries",
                                f"a {DIRECT} POST carries its query in the body, not in the "
                                "URL")
        body = await _body(request, limit)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "bad_encoding", "the query is not UTF-8") from None
        return QueryOperation(text, _graphs(url_parameters, "default-graph-uri"),
                              _graphs(url_parameters, "named-graph-uri"),
                              _one(url_parameters, "format"))
    raise ProtocolError(415, "unsupported_media_type",
                        f"{media_type} is not a query body: use {FORM} or {DIRECT}")
