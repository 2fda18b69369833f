"""``/sparql``: the public SPARQL 1.1 Protocol endpoint (query side) and its safety rules.

A request goes through: the protocol (:mod:`endpoint.protocol`), the lexer
(:mod:`endpoint.sparql_syntax`: form, updates, ``SERVICE``), format negotiation, the answer
cache (ETag / 304), admission (per-client 429, global 503), then a killable query worker
(:mod:`endpoint.query_workers`, 503 at the deadline). Every refusal is a 4xx/5xx in the one
error shape, never a truncated 200.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator

from pyoxigraph import RdfFormat as OxRdfFormat
from pyoxigraph import serialize
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from endpoint.admission import Admission, Overloaded, TooManyForClient
from endpoint.browser_editor import Runner, editor_response, wants_editor
from endpoint.descriptions import PREFIXES, service_description
from endpoint.errors import error_response
from endpoint.metrics import Metrics
from endpoint.protocol import ProtocolError, QueryOperation, read_operation
from endpoint.query_execution import Answer, QueryJob
from endpoint.query_formats import RDF_FORMATS, AnswerFormat, by_name, formats_for, negotiate
from endpoint.query_log import log_query
from endpoint.query_plan import Refusal, check_safety, plan_job, read_query, refuse_failed
from endpoint.query_workers import (
    PoolBusy,
    QueryTimeout,
    QueryWorkerPool,
    StreamedAnswer,
    WorkerLost,
)
from endpoint.remote_queries import RemoteQueryRunner
from endpoint.result_cache import CachedAnswer, ResultCache, answer_key
from endpoint.settings import EndpointSettings
from endpoint.sparql_syntax import QueryInfo
from loader.generations import Generation
from loader.remote.repo import RemoteRepo
from loader.repo import NoGeneration, Repo

TRUNCATED = "ldcat-result-truncated"
LIMIT = "ldcat-result-limit"
LEX_ON_LOOP = 16 << 10
"""Longer queries are lexed on a worker thread: a 1 MB query takes the lexer seconds, which
on the event loop would stall every other request of the web process."""
KNOWN_REQUESTS = 50_000
"""Cached GET requests remembered by their raw form, for the fast path."""


class SparqlService:
    """The endpoint's state: settings, worker pool (started on first use), cache, admission."""

    def __init__(self, repo: Repo, settings: EndpointSettings,
                 metrics: Metrics | None = None) -> None:
        self.repo = repo
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.cache: ResultCache[CachedAnswer] = ResultCache(settings.cache_bytes)
        self.admission = Admission(settings.max_pending, settings.per_client)
        self._pool: QueryWorkerPool | RemoteQueryRunner | None = None
        self._known: OrderedDict[tuple[str, bytes, str], str] = OrderedDict()
        """(generation, raw query string, Accept) of a cached GET -> its answer key."""

    def known_key(self, generation_id: str, query_string: bytes, accept: str) -> str | None:
        """The answer key of a GET seen before with this query string and ``Accept``."""
        return self._known.get((generation_id, query_string, accept))

    def remember(self, generation_id: str, request: Request, key: str) -> None:
        if request.method not in ("GET", "HEAD"):
            return
        self._known[(generation_id, request.scope.get("query_string", b""),
                     request.headers.get("accept", ""))] = key
        if len(self._known) > KNOWN_REQUESTS:
            self._known.popitem(last=False)

    @property
    def pool(self) -> QueryWorkerPool | RemoteQueryRunner:
        """Local query workers, or for a remote store the runner that forwards to it."""
        if self._pool is None:
            if isinstance(self.repo, RemoteRepo):
                self._pool = RemoteQueryRunner(self.repo.store, self.settings.query_workers)
            else:
                self._pool = QueryWorkerPool(self.settings.query_workers)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _service(request: Request) -> SparqlService:
    service: SparqlService = request.app.state.sparql
    return service


def _refuse(refusal: ProtocolError) -> Response:
    response = error_response(refusal.status, refusal.code, refusal.message)
    for name, value in getattr(refusal, "headers", ()):
        response.headers[name] = value
    return response


async def sparql(request: Request) -> Response:
    """GET or POST a query; GET without one describes the service."""
    started = time.perf_counter()
    service = _service(request)
    if request.method not in ("GET", "HEAD", "POST"):
        refused: Response = error_response(405, "method_not_allowed",
                                  f"{request.method} is not a SPARQL query operation: use GET or "
                                  "POST (updates are not accepted here)")
        refused.headers["allow"] = "GET, HEAD, POST"
        return refused
    if wants_editor(request):
        return await editor_response(request, _editor_runner(request, service))
    query: str | None = None
    error: str | None = None
    response: Response
    try:
        operation = await read_operation(request, service.settings.max_request_bytes)
        query = operation.query
        generation = service.repo.generation()
        if generation is None:
            raise Refusal(503, "no_generation", "nothing has been published yet")
        if query is None:
            if operation.dataset_given:
                raise Refusal(400, "missing_query", "default-graph-uri and named-graph-uri "
                                                    "go with a query")
            return _describe_service(request, operation, generation, service.settings)
        response, cached = await _answer(request, service, operation, generation)
    except ProtocolError as refusal:
        response, cached, error = _refuse(refusal), False, refusal.code
        service.metrics.observe_refusal(refusal.status, refusal.code)
    log_query(request.scope, started=started, status=response.status_code,
              size=int(response.headers.get("content-length", 0)), query=query, cached=cached,
              client=_client(request) if service.settings.log_client_ip else None, error=error)
    return response


def _headers(generation: Generation, key: str | None) -> dict[str, str]:
    headers = {"vary": "accept", "cache-control": "no-cache", "ldcat-generation": generation.id}
    if key is not None:
        headers["etag"] = f'"{key}"'
    return headers


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _describe_service(request: Request, operation: QueryOperation, generation: Generation,
                      settings: EndpointSettings) -> Response:
    answer_format = _rdf_format(operation, request.headers.get("accept"))
    triples = service_description(generation, settings)
    body = serialize(triples, format=getattr(OxRdfFormat, answer_format.oxigraph),
                     prefixes=PREFIXES) or b""
    return Response(body, media_type=answer_format.content_type, headers={"vary": "accept"})


def _rdf_format(operation: QueryOperation, accept: str | None) -> AnswerFormat:
    """An RDF format for a description: ``format`` (400 when unknown), else by ``Accept``,
    else Turtle."""
    if operation.format:
        chosen = by_name("CONSTRUCT", operation.format)
        if chosen is None:
            names = ", ".join(f.name for f in RDF_FORMATS)
            raise Refusal(400, "bad_format", f"format={operation.format!r} is not one of "
                                              f"{names} for the service description")
        return chosen
    return negotiate("CONSTRUCT", accept) or RDF_FORMATS[0]


def _answer_format(info: QueryInfo, operation: QueryOperation,
                   accept: str | None) -> AnswerFormat:
    if operation.format:
        chosen = by_name(info.form, operation.format)
        if chosen is None:
            names = ", ".join(f.name for f in formats_for(info.form))
            raise Refusal(400, "bad_format", f"format={operation.format!r} is not one of "
                                              f"{names} for a {info.form} query")
        return chosen
    chosen = negotiate(info.form, accept)
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats_for(info.form))
        raise Refusal(406, "not_acceptable",
                       f"a {info.form} answer can be sent as {offered}; the Accept header "
                       "names none of them")
    return chosen


async def _answer(request: Request, service: SparqlService, operation: QueryOperation,
                  generation: Generation) -> tuple[Response, bool]:
    settings = service.settings
    assert operation.query is not None
    if len(operation.query) > LEX_ON_LOOP:
        info = await run_in_threadpool(read_query, operation.query)
    else:
        info = read_query(operation.query)
    check_safety(info, settings)
    answer_format = _answer_format(info, operation, request.headers.get("accept"))
    job = plan_job(info, operation, answer_format, generation, settings.max_rows)
    key = answer_key(generation.id, job.query, job.default_graphs, job.named_graphs,
                     job.format, job.cap)
    headers = _headers(generation, key if info.deterministic else None)
    if info.deterministic:
        service.remember(generation.id, request, key)
        if headers["etag"] in _etags(request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers), True
        cached = service.cache.get(key)
        if cached is not None:
            return _ok(cached, headers, settings.max_rows), True
    answer = await _run(request, service, job)
    if isinstance(answer, StreamedAnswer):
        return _streaming(answer, answer_format, headers, service.metrics), False
    refuse_failed(answer)
    entry = CachedAnswer(answer.body, answer_format.content_type, answer.truncated)
    if info.deterministic:
        service.cache.put(key, entry)
    return _ok(entry, headers, settings.max_rows), False


def _editor_runner(request: Request, service: SparqlService) -> Runner:
    """Run the editor page's query with the endpoint's rules (in a worker thread)."""
    client = _client(request)

    def run(text: str, accept: str) -> tuple[bytes, str]:
        generation = service.repo.generation()
        if generation is None:
            raise NoGeneration("nothing has been published yet")
        info = read_query(text)
        check_safety(info, service.settings)
        answer_format = negotiate(info.form, accept) or formats_for(info.form)[0]
        job = plan_job(info, QueryOperation(text), answer_format, generation,
                       service.settings.max_rows)
        answer = _run_blocking(service, client, job)
        if isinstance(answer, StreamedAnswer):
            return _collect(answer), answer_format.media_type
        refuse_failed(answer)
        return answer.body, answer_format.media_type

    return run


def _collect(answer: StreamedAnswer) -> bytes:
    chunks = [answer.first]
    try:
        while (chunk := answer.next_chunk()) is not None:
            chunks.append(chunk)
    except (QueryTimeout, WorkerLost) as error:
        raise Refusal(503, "query_timeout" if isinstance(error, QueryTimeout)
                      else "query_failed", str(error)) from None
    finally:
        answer.close()
    return b"".join(chunks)


def _streaming(answer: StreamedAnswer, answer_format: AnswerFormat,
               headers: dict[str, str], metrics: Metrics) -> StreamingResponse:
    """A large answer sent as the worker writes it (chunked). If the deadline passes midway
    the connection is cut before the final chunk: clients see a failed transfer, never a
    complete-looking 200."""

    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield answer.first
            while (chunk := await run_in_threadpool(answer.next_chunk)) is not None:
                yield chunk
        except QueryTimeout:
            metrics.observe_refusal(503, "query_timeout")
            raise
        finally:
            answer.close()

    return StreamingResponse(chunks(), headers=headers, media_type=answer_format.content_type)


def _run_blocking(service: SparqlService, client: str,
                  job: QueryJob) -> Answer | StreamedAnswer:
    """:meth:`QueryWorkerPool.run` under admission, every failure as a :class:`Refusal`."""
    settings = service.settings
    try:
        with service.admission.admit(client):
            return service.pool.run(job, timeout=settings.query_timeout,
                                    wait=settings.queue_wait)
    except TooManyForClient as error:
        raise Refusal(429, "too_many_requests", f"{error}; retry when one has finished",
                      (("retry-after", "1"),)) from None
    except (Overloaded, PoolBusy) as error:
        raise Refusal(503, "overloaded", f"{error}; retry shortly",
                      (("retry-after", "2"),)) from None
    except QueryTimeout as error:
        raise Refusal(503, "query_timeout", str(error)) from None
    except WorkerLost as error:
        raise Refusal(503, "query_failed", str(error)) from None


async def _run(request: Request, service: SparqlService,
               job: QueryJob) -> Answer | StreamedAnswer:
    return await run_in_threadpool(_run_blocking, service, _client(request), job)


def _ok(entry: CachedAnswer, headers: dict[str, str], cap: int) -> Response:
    response = Response(entry.body, media_type=None, headers=headers)
    response.headers["content-type"] = entry.content_type
    if entry.truncated:
        response.headers[TRUNCATED] = "true"
        response.headers[LIMIT] = str(cap)
    return response


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {part.strip().removeprefix("W/") for part in header.split(",")}
