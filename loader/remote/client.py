"""HTTP access to a remote SPARQL 1.1 Protocol store, with the adaptations each store needs.

:class:`RemoteStore` sends queries and updates; which request forms it uses comes from the
store's :class:`Dialect`, detected once from the ``Server`` header:

- **Oxigraph** (``oxigraph serve``): queries go to ``.../query`` and updates to
  ``.../update``; the union of the named graphs is asked for per query with the
  ``union-default-graph`` parameter, which also overrides ``FROM``: a query naming its own
  dataset is sent without it. Every update request runs in one transaction.
- **Virtuoso**: one ``/sparql`` URL for both; a direct ``application/sparql-query`` POST can
  hang (7.2.5), so queries go as form POSTs; its default graph is already every graph (its
  own system graphs included: no pragma can drop them without breaking ``GRAPH <iri>``);
  SPARQL JSON results write typed literals as ``typed-literal``, so answers come as SPARQL
  XML and are re-serialized by the caller; a result cut at ``ResultSetMaxRows`` is told only
  by an ``X-SPARQL-MaxRows`` header; updates are not transactions and stay under 10 MB.
- anything else: the W3C protocol as written (form POST, no union parameter).

>>> RemoteStore.update_url_for("http://127.0.0.1:7878/query")
'http://127.0.0.1:7878/update'
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pyoxigraph import (
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from loader.remote.spelling import respell_ntriples, respell_xml

QUERY_FORM = "application/x-www-form-urlencoded"
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True, slots=True)
class Reply:
    """A store's answer to a query: its body (respelled if need be) and its headers."""

    content: bytes
    headers: httpx.Headers


def triples_in(reply: Reply) -> list[Triple]:
    """The triples of a CONSTRUCT or DESCRIBE answer, in the RDF format it came in."""
    media_type = reply.headers.get("content-type", N_TRIPLES).split(";")[0].strip()
    rdf_format = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
    return [item if isinstance(item, Triple) else item.triple
            for item in parse(reply.content, format=rdf_format)]


class RemoteError(RuntimeError):
    """The remote store refused a request or could not be reached; the message says which.

    ``status`` is the store's HTTP status when it answered, ``detail`` its message.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail or message


class RemoteTimeout(RemoteError):
    """The remote store did not answer within the time allowed."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one kind of store deviates from (or extends) the W3C protocols."""

    name: str
    union_parameter: str | None = None
    """URL parameter asking for the union of the named graphs as the default graph."""
    system_graph_prefixes: tuple[str, ...] = ()
    """Graphs of the store's own (never dropped by a full publication)."""
    atomic_requests: bool = False
    """Each update request is one transaction (a whole publication can be one request)."""
    max_request_bytes: int = 8 << 20
    """Update text per request."""
    max_graphs_per_request: int = 5_000
    """Record graphs replaced per update request."""
    clear_default: bool = False
    """A full publication also clears the store's default graph (which the union includes)."""
    respell: bool = False
    """Typed literals come back in the store's own spelling (see :mod:`loader.remote.spelling`)."""


OXIGRAPH = Dialect("oxigraph", union_parameter="union-default-graph", atomic_requests=True,
                   clear_default=True)
VIRTUOSO = Dialect("virtuoso", system_graph_prefixes=(
    "http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
    "http://localhost:8890/"), max_request_bytes=1 << 20, max_graphs_per_request=500,
    respell=True)
"""Virtuoso 7.2: updates over 10 MB are refused and parsing is slow (seconds per MB), so
requests stay near 1 MB; a request is not a transaction (an operation failing while it runs
leaves the earlier ones applied)."""
GENERIC = Dialect("generic")


def detect_dialect(server_header: str) -> Dialect:
    """The dialect of a store from its ``Server`` response header."""
    lowered = server_header.lower()
    if lowered.startswith("oxigraph"):
        return OXIGRAPH
    if lowered.startswith("virtuoso"):
        return VIRTUOSO
    return GENERIC


class RemoteStore:
    """One remote store: its query and update URLs, its dialect, a pooled HTTP client.

    Thread-safe (httpx's client is). ``RemoteError`` on any failure, ``RemoteTimeout`` when a
    request outlasts its time limit.
    """

    def __init__(self, query_url: str, update_url: str | None = None, *,
                 dialect: Dialect | None = None, timeout: float = 60.0) -> None:
        self.query_url = query_url
        self.update_url = update_url or self.update_url_for(query_url)
        self.timeout = timeout
        self.client = httpx.Client(timeout=timeout, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=64,
                                                       max_keepalive_connections=16))
        self.dialect = dialect or self._detect()

    @staticmethod
    def update_url_for(query_url: str) -> str:
        """Where updates go when not told: ``.../query`` -> ``.../update`` (Oxigraph, Fuseki),
        else the query URL itself (Virtuoso, and stores with one endpoint)."""
        if query_url.rstrip("/").endswith("/query"):
            return query_url.rstrip("/")[: -len("query")] + "update"
        return query_url

    def _detect(self) -> Dialect:
        response = self._send("POST", self.query_url, {"query": "ASK {}"},
                              RESULTS_XML, self.timeout)
        return detect_dialect(response.headers.get("server", ""))

    def close(self) -> None:
        self.client.close()

    def _send(self, method: str, url: str, form: dict[str, str | list[str]],
              accept: str, timeout: float, params: dict[str, str] | None = None
              ) -> httpx.Response:
        try:
            response = self.client.request(method, url, data=form, params=params,
                                           headers={"accept": accept,
                                                    "content-type": QUERY_FORM},
                                           timeout=timeout)
        except httpx.TimeoutException:
            raise RemoteTimeout(f"{url} did not answer within {timeout:g} s") from None
        except httpx.HTTPError as error:
            raise RemoteError(f"{url}: {error}") from None
        if response.status_code >= 400:
            detail = response.text[:500].strip()
            raise RemoteError(f"{url} answered {response.status_code}: {detail}",
                              response.status_code, detail)
        return response

    def query(self, text: str, *, accept: str, union: bool = True,
              default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
              timeout: float | None = None) -> Reply:
        """Send a query; ``union``: the default graph is the union of the named graphs (when
        no graph is named by the protocol's parameters or by the query's ``FROM``). SPARQL
        XML and N-Triples answers come respelled where the dialect needs it."""
        form: dict[str, str | list[str]] = {"query": text}
        if default_graphs:
            form["default-graph-uri"] = list(default_graphs)
        if named_graphs:
            form["named-graph-uri"] = list(named_graphs)
        params = None
        if union and not default_graphs and not named_graphs \
                and self.dialect.union_parameter is not None:
            params = {self.dialect.union_parameter: "true"}
        response = self._send("POST", self.query_url, form, accept, timeout or self.timeout,
                              params)
        content = response.content
        if self.dialect.respell:
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
            if media_type == RESULTS_XML:
                content = respell_xml(content)
            elif media_type in (N_TRIPLES, "text/plain", "text/ntriples"):
                content = respell_ntriples(content)
        return Reply(content, response.headers)

    def select(self, text: str, *, union: bool = True) -> QuerySolutions:
        """The solutions of SELECT query ``text`` (asked for as SPARQL XML, respelled)."""
        solutions = parse_query_results(self.query(text, accept=RESULTS_XML, union=union).content,
                                        format=QueryResultsFormat.XML)
        if not isinstance(solutions, QuerySolutions):
            raise RemoteError(f"{self.query_url} answered a SELECT query with no solutions")
        return solutions

    def update(self, text: str, timeout: float | None = None) -> None:
        """Run a SPARQL 1.1 Update request."""
        self._send("POST", self.update_url, {"update": text}, "*/*", timeout or self.timeout)
