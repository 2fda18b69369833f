"""HTTP access to a remote SPARQL 1.1 Protocol store, with the adaptations each store needs.

:class:`RemoteStore` sends queries and updates; which request forms it uses comes from the
store's :class:`Dialect`, detected once from the ``Server`` header:

- **Oxigraph** (``oxigraph serve``): queries go to ``.../query`` and updates to
  ``.../update``; the union of the named graphs is asked for per query with the
  ``union-default-graph`` parameter, which also overrides ``FROM``: a query naming its own
  dataset is sent without it. Every update request runs in one transaction.
- **Virtuoso**: one ``/sparql`` URL for both; a direct ``application/sparql-query`` POST can
  hang (7.2.5), so queries go as form POSTs; its default graph is already every graph (its
  own system graphs included: they are excluded by pragma); SPARQL JSON results write typed
  literals as ``typed-literal``, so answers come as SPARQL XML and are re-serialized here.
- anything else: the W3C protocol as written (form POST, no union parameter).

>>> RemoteStore.update_url_for("http://127.0.0.1:7878/query")
'http://127.0.0.1:7878/update'
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

QUERY_FORM = "application/x-www-form-urlencoded"
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"


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
    union_is_default: bool = False
    """Queries without ``FROM`` already range over every graph."""
    excluded_graphs: tuple[str, ...] = ()
    """Graphs of the store's own, kept out of every query by a pragma."""
    exclude_pragma: str = ""
    """Format of one exclusion pragma (``{graph}`` is the graph IRI)."""
    results_format: str = RESULTS_XML
    """What SELECT/ASK answers are asked for in (before re-serialization)."""
    atomic_requests: bool = False
    """Each update request is one transaction (a whole publication can be one request)."""
    max_graphs_per_request: int = 5_000
    """Record graphs replaced per update request."""
    clear_default: bool = False
    """A full publication also clears the store's default graph (which the union includes)."""

    def prologue(self) -> str:
        """Pragmas put before a query (empty for stores that need none)."""
        return "".join(self.exclude_pragma.format(graph=graph) + "\n"
                       for graph in self.excluded_graphs)


OXIGRAPH = Dialect("oxigraph", union_parameter="union-default-graph", atomic_requests=True,
                   clear_default=True)
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localhost:8890/sparql",
    "http://localhost:8890/DAV/",
)
VIRTUOSO = Dialect("virtuoso", union_is_default=True, excluded_graphs=VIRTUOSO_SYSTEM_GRAPHS,
                   exclude_pragma="define input:default-graph-exclude <{graph}>",
                   max_graphs_per_request=40)
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
              timeout: float | None = None) -> httpx.Response:
        """Send a query; ``union``: the default graph is the union of the named graphs (when
        no graph is named by the protocol's parameters or by the query's ``FROM``)."""
        form: dict[str, str | list[str]] = {"query": self.dialect.prologue() + text}
        if default_graphs:
            form["default-graph-uri"] = list(default_graphs)
        if named_graphs:
            form["named-graph-uri"] = list(named_graphs)
        params = None
        if union and not default_graphs and not named_graphs \
                and self.dialect.union_parameter is not None:
            params = {self.dialect.union_parameter: "true"}
        return self._send("POST", self.query_url, form, accept, timeout or self.timeout,
                          params)

    def update(self, text: str, timeout: float | None = None) -> None:
        """Run a SPARQL 1.1 Update request."""
        self._send("POST", self.update_url, {"update": text}, "*/*", timeout or self.timeout)
