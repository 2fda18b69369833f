"""What the remote SPARQL stores do, measured on private instances (tests/remote_stores.py):
``oxigraph serve`` 0.5.13 and Debian's Virtuoso Open Source 7.2.5. A remote backend relies on
these facts; each test pins one, so an upgrade that changes it shows here.

Oxigraph (``/query``, ``/update``, ``/store``):

- queries by GET, form POST and direct POST (``application/sparql-query``); updates by form
  POST (``update=``) and direct POST (``application/sparql-update``) answer 204; an update
  sent to ``/query`` (or a query to ``/update``) is a 400.
- default graph: without options, the store's real default graph only. ``union-default-graph``
  as a URL or form parameter (any value, even ``=false``) or the ``--union-default-graph``
  server flag makes it the union of *every* graph, the real default graph included, as a
  bag (a triple in two graphs matches twice; ``FROM <a> FROM <b>`` is a bag too); ``FROM``
  is then ignored. With the parameter,
  ``default-graph-uri`` is a 400; with the flag, ``default-graph-uri`` wins over the flag.
  The flag also applies to the WHERE of updates.
- hidden marker: nothing with triples is hidden from the union. An *empty* named graph is:
  ``CREATE GRAPH <urn:…:generation:42>`` adds nothing to the union, is listed by
  ``SELECT ?g { GRAPH ?g {} }`` and answers ``HEAD /store?graph=…`` with 200 (404 once
  dropped); ``DROP GRAPH <old> ; CREATE GRAPH <new>`` swaps it atomically.
- one update request is one transaction: when any operation fails (``DROP GRAPH`` of a
  missing graph, ``CREATE GRAPH`` of an existing one: 500; syntax: 400) nothing is applied.
  Ill-typed literals (``"abc"^^xsd:integer``) are stored, not refused. No limit on GRAPH
  blocks or operations per request; a 25 MB INSERT DATA of 200,000 triples was accepted
  (about 20 s on the loaded test machine; measured once, not asserted).
- GSP: ``PUT /store?graph=`` 201 (new) / 204 (replaced), ``POST`` appends (204), ``GET`` 200
  or 404, ``DELETE`` 204 then 404; a body that does not parse is a 400 and changes nothing.
  ``POST /store`` with N-Quads adds each quad to its graph, all or nothing (a bad line: 400,
  nothing added); ``PUT /store`` with N-Quads replaces the *whole* dataset.
- results: SPARQL JSON ``"type": "literal"`` with ``datatype``; lexical forms canonicalised
  (``"1.50"`` → ``1.5``, ``"007"`` → ``7``), language tags lower-cased, ``xsd:string`` without
  datatype. CONSTRUCT as N-Triples, Turtle, N-Quads, TriG, RDF/XML, JSON-LD.
- time: ``--timeout-s N`` cancels a query after N s, but the 200 and the start of the body
  are already sent: the body ends with ``The SPARQL operation has been cancelled`` (a
  truncated, invalid JSON/CSV document). A ``timeout`` request parameter is ignored.

Virtuoso (``/sparql`` for queries and updates, ``/sparql-graph-crud``, ``/sparql-auth``):

- queries by GET and form POST; a direct POST with ``Content-Type: application/sparql-query``
  is never answered (openlink/virtuoso-opensource#842); direct POST
  ``application/sparql-update`` works. Updates are also accepted as ``query=``. A successful
  update answers 200 with a one-row result set of messages.
- default graph: every graph, as a bag, including three system graphs in a fresh database:
  ``http://www.openlinksw.com/schemas/virtrdf#`` (2,479 triples),
  ``http://localuriqaserver/sparql`` (14) and ``http://www.w3.org/ns/ldp#`` (3).
  ``define input:default-graph-exclude <g>`` (each ``define`` before any ``PREFIX``) removes
  ``g`` from the default graph, but then every ``GRAPH <iri> {…}`` with a constant IRI
  matches nothing and ``COUNT(*)`` over it answers 1 (as it does with a plain ``FROM`` and
  no ``FROM NAMED``); ``GRAPH ?g`` still sees every graph.
  ``define input:named-graph-exclude <g>`` removes ``g`` from ``GRAPH ?g`` but empties the
  default graph. So neither can be prefixed to users' queries.
- hidden marker: graph-level security. A graph in ``virtrdf:PrivateGraphs`` (template:
  ``RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1)``) is invisible to anonymous ``/sparql``
  (neither in the default graph nor under ``GRAPH <it>``) and anonymous updates of it are
  refused (500, SR619); a digest-authenticated user with rights reads and writes it through
  ``/sparql-auth``. But anonymous ``PUT /sparql-graph-crud`` overwrites it: the
  anonymous GSP endpoint must not be reachable where that matters.
- updates are *not* atomic: when an operation fails while running (``DROP GRAPH`` of a
  missing graph, ``CREATE GRAPH`` of an existing one: 500) the earlier operations of the
  request stay applied; errors found while compiling (syntax, ``"abc"^^xsd:integer``: 400)
  apply nothing. No GRAPH-block limit: one INSERT DATA with 1,000 GRAPH blocks and one
  request of 200 operations (DROP SILENT + INSERT DATA per graph) are applied in full.
  The limit is size: an update text over 10,000,000 bytes fails (direct POST: 500, SR578
  "string concatenation is too large" here, HT057 "STRING session … longer than 10Mb" for
  other texts; form POST: 500 "longer than 10Mb"; the form's %-encoding does not count).
  Parsing is slow (measured, not asserted): 2.7 MB (1,000 graphs, 31,000 quads) took 4 to
  6 s, 300 real catalogue records (3 MB) 1.4 to 1.9 s, so about 1 MB per request is the
  practical size. INSERT DATA refuses blank nodes (400, SP031); ``INSERT {…} WHERE {}``
  and GSP PUT take them.
- GSP ``/sparql-graph-crud?graph-uri=`` (``graph=`` too): PUT 201/200, POST appends (200),
  GET 200 or 404, DELETE 200 then 404; a body that does not parse is a 500 and changes
  nothing. ``/sparql-graph-crud-auth`` answers 401 without digest credentials.
- results: JSON ``"type": "typed-literal"`` for typed literals (``xsd:string`` included),
  ``"literal"`` with ``xml:lang`` (lower-cased) or plain; booleans as ``"1"`` in JSON
  (``"true"`` in N-Triples), decimals and integers canonicalised, ``.5`` seconds written
  ``.500``; blank nodes ``{"type": "bnode", "value": "nodeID://b…"}``. SELECT results stop at
  ``ResultSetMaxRows`` with the header ``X-SPARQL-MaxRows: N`` (also when exactly N rows
  are asked for); ``OFFSET`` pages past it; CONSTRUCT is cut at N + 1 triples *without* the
  header. CONSTRUCT as N-Triples, Turtle, RDF/XML, JSON-LD; N-Quads and TriG are 406.
- time: ``MaxQueryExecutionTime`` (ini, seconds) stops a query with 500 ``SR171:
  Transaction timed out``. A ``timeout`` request parameter (milliseconds) turns the query
  into an "anytime" query instead: 200 with *partial* results (an aggregate may be a wrong
  number or missing) and ``X-SQL-State: S1TAT``; it stops at the earlier of the parameter
  and ``MaxQueryExecutionTime``, in practice about 2 s at the soonest.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from tests.conftest import require
from tests.remote_stores import (
    RemoteStore,
    oxigraph_command,
    oxigraph_store,
    virtuoso_store,
)

JSON = "application/sparql-results+json"
CSV = "text/csv"
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
MARKER = "urn:x-test:marker"
SYSTEM_GRAPHS = {"http://www.openlinksw.com/schemas/virtrdf#": 2479,
                 "http://localuriqaserver/sparql": 14,
                 "http://www.w3.org/ns/ldp#": 3}


@dataclass(frozen=True)
class Reply:
    """One HTTP exchange's outcome."""

    status: int
    headers: Message
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode()


def send(url: str, data: bytes | None = None, *, method: str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60,
         auth: tuple[str, str] | None = None) -> Reply:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    handlers: list[urllib.request.BaseHandler] = []
    if auth is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, *auth)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    started = time.monotonic()
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read(),
                         time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read(), time.monotonic() - started)


def form(url: str, fields: dict[str, str], accept: str = JSON, **options: object) -> Reply:
    return send(url, urllib.parse.urlencode(fields).encode(),
                headers={"Accept": accept,
                         "Content-Type": "application/x-www-form-urlencoded"},
                **options)  # type: ignore[arg-type]


def query(store: RemoteStore, text: str, accept: str = JSON, params: str = "",
          **options: object) -> Reply:
    """A query by form POST (``params``: a query string for the URL)."""
    return form(store.query_url + params, {"query": text}, accept, **options)


def update(store: RemoteStore, text: str, **options: object) -> Reply:
    return form(store.update_url, {"update": text}, CSV, **options)


def ok_update(store: RemoteStore, text: str) -> None:
    reply = update(store, text)
    assert reply.status in (200, 204), reply.text


def bindings(reply: Reply) -> list[dict[str, dict[str, str]]]:
    assert reply.status == 200, reply.text
    rows: list[dict[str, dict[str, str]]] = json.loads(reply.body)["results"]["bindings"]
    return rows


def values(reply: Reply, name: str) -> list[str]:
    return [row[name]["value"] for row in bindings(reply) if name in row]


def count(store: RemoteStore, where: str, params: str = "") -> int:
    reply = query(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", params=params)
    return int(values(reply, "n")[0])


def graphs(store: RemoteStore, prefix: str, params: str = "") -> set[str]:
    reply = query(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                         f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}', params=params)
    return set(values(reply, "g"))


def refused(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def under(prefix: str) -> str:
    """A triple pattern on the default graph restricted to subjects under ``prefix``."""
    return f'?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}"))'


def triples(graph: str, subject: str, many: int) -> str:
    body = " ".join(f"<{subject}{index}> <{EX}p> {index} ." for index in range(many))
    return f"GRAPH <{graph}> {{ {body} }}"


# A cartesian product over 101 triples: 101**4 solutions, long enough to hit any time limit.
HEAVY_GRAPH = f"{EX}heavy/g"
HEAVY = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{HEAVY_GRAPH}> {{ ?a ?p ?x . ?b ?q ?y . "
         "?c ?r ?z . ?d ?t ?w } FILTER(STR(?x) != STR(?y)) }")


def load_heavy(store: RemoteStore) -> None:
    ok_update(store, f"INSERT DATA {{ {triples(HEAVY_GRAPH, EX + 'heavy/n', 101)} }}")


@pytest.fixture(scope="module")
def virtuoso_limited(tmp_path_factory: pytest.TempPathFactory,
                     virtuoso_template_dir: Path) -> Iterator[RemoteStore]:
    """Virtuoso with small limits (1,000 rows, 2 s) and :data:`MARKER` private."""
    with virtuoso_store(tmp_path_factory.mktemp("virtuoso-limited"), virtuoso_template_dir,
                        max_rows=1000, max_query_s=2, private_graphs=[MARKER]) as store:
        load_heavy(store)
        yield store


# --- the launchers ----------------------------------------------------------------------------


def test_each_store_is_private_and_stops_with_its_block(tmp_path: Path,
                                                        virtuoso_template_dir: Path) -> None:
    require(oxigraph_command)
    for launcher in (oxigraph_store(tmp_path / "o"),
                     virtuoso_store(tmp_path / "v", virtuoso_template_dir)):
        with launcher as store:
            host, port = urllib.parse.urlsplit(store.query_url).netloc.split(":")
            assert host == "127.0.0.1"
            assert count(store, under(EX)) == 0
        assert refused(int(port))


def test_a_store_stops_when_the_block_raises(tmp_path: Path) -> None:
    require(oxigraph_command)
    launcher = oxigraph_store(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), launcher as store:  # noqa: PT012
        port = int(urllib.parse.urlsplit(store.query_url).port or 0)
        raise RuntimeError("boom")
    assert refused(port)


# --- protocol forms ---------------------------------------------------------------------------


def test_oxigraph_takes_every_protocol_form(oxigraph_remote: RemoteStore) -> None:
    store = oxigraph_remote
    direct = send(store.update_url, f"INSERT DATA {{ <{EX}forms/s> <{EX}p> 1 }}".encode(),
                  headers={"Content-Type": "application/sparql-update"})
    assert direct.status == 204
    ask = f"ASK {{ <{EX}forms/s> <{EX}p> 1 }}"
    get = send(f"{store.query_url}?{urllib.parse.urlencode({'query': ask})}",
               headers={"Accept": JSON})
    posted = send(store.query_url, ask.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": JSON}, timeout=5)
    for reply in (get, query(store, ask), posted):
        assert reply.status == 200
        assert json.loads(reply.body)["boolean"] is True
    assert update(store, f"INSERT DATA {{ <{EX}forms/t> <{EX}p> 1 }}").status == 204
    assert query(store, f"INSERT DATA {{ <{EX}forms/u> <{EX}p> 1 }}").status == 400
    assert update(store, "SELECT * WHERE { ?s ?p ?o }").status == 400


def test_virtuoso_never_answers_a_direct_post_query(virtuoso_remote: RemoteStore) -> None:
    store = virtuoso_remote
    direct = send(store.update_url, f"INSERT DATA {{ GRAPH <{EX}forms/g> {{ <{EX}forms/s> "
                                    f"<{EX}p> 1 }} }}".encode(),
                  headers={"Content-Type": "application/sparql-update", "Accept": CSV})
    assert direct.status == 200
    assert "Insert into <http://example.org/forms/g>" in direct.text
    ask = f"ASK {{ <{EX}forms/s> <{EX}p> 1 }}"
    get = send(f"{store.query_url}?{urllib.parse.urlencode({'query': ask})}",
               headers={"Accept": JSON})
    for reply in (get, query(store, ask)):
        assert reply.status == 200
        assert json.loads(reply.body)["boolean"] is True
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        send(store.query_url, ask.encode(), timeout=2, headers={
            "Content-Type": "application/sparql-query", "Accept": JSON})
    as_query = query(store, f"INSERT DATA {{ GRAPH <{EX}forms/h> {{ <{EX}forms/t> <{EX}p> 1 }} }}")
    assert as_query.status == 200
    assert graphs(store, f"{EX}forms/") == {f"{EX}forms/g", f"{EX}forms/h"}


# --- the default graph ------------------------------------------------------------------------


def test_oxigraph_union_default_graph_parameter(oxigraph_remote: RemoteStore) -> None:
    store, base = oxigraph_remote, f"{EX}union/"
    ok_update(store, f"INSERT DATA {{ GRAPH <{base}g1> {{ <{base}dup> <{EX}p> 1 }} "
                     f"GRAPH <{base}g2> {{ <{base}dup> <{EX}p> 1 }} "
                     f'<{base}marker> <{EX}generation> "42" }}')
    assert count(store, under(base)) == 1  # the real default graph: the marker only
    for params in ("?union-default-graph", "?union-default-graph=true",
                   "?union-default-graph=false"):
        assert count(store, under(base), params) == 3  # marker + the duplicate, twice
    union = form(store.query_url, {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {under(base)} }}",
                                   "union-default-graph": ""})
    assert values(union, "n") == ["3"]
    from_g1 = f"SELECT (COUNT(*) AS ?n) FROM <{base}g1> WHERE {{ {under(base)} }}"
    assert values(query(store, from_g1), "n") == ["1"]
    assert values(query(store, from_g1, params="?union-default-graph"), "n") == ["3"]  # ignored
    from_both = f"SELECT (COUNT(*) AS ?n) FROM <{base}g1> FROM <{base}g2> WHERE {{ ?s ?p ?o }}"
    assert values(query(store, from_both), "n") == ["2"]  # a bag, not an RDF merge
    conflict = query(store, "ASK {}", params=f"?union-default-graph&default-graph-uri={base}g1")
    assert conflict.status == 400


def test_oxigraph_union_default_graph_flag(tmp_path: Path) -> None:
    require(oxigraph_command)
    base = f"{EX}flag/"
    with oxigraph_store(tmp_path, union_default_graph=True) as store:
        ok_update(store, f"INSERT DATA {{ GRAPH <{base}g1> {{ <{base}dup> <{EX}p> 1 }} "
                         f"GRAPH <{base}g2> {{ <{base}dup> <{EX}p> 1 }} "
                         f'<{base}marker> <{EX}generation> "42" }}')
        assert count(store, under(base)) == 3
        from_g1 = f"SELECT (COUNT(*) AS ?n) FROM <{base}g1> WHERE {{ {under(base)} }}"
        assert values(query(store, from_g1), "n") == ["3"]  # FROM ignored
        assert count(store, under(base), f"?default-graph-uri={base}g1") == 1
        ok_update(store, f"INSERT {{ GRAPH <{base}copy> {{ ?s ?p ?o }} }} "
                         f"WHERE {{ {under(base)} }}")
        assert count(store, f"GRAPH <{base}copy> {{ ?s ?p ?o }}") == 2  # marker + dup


def test_oxigraph_hides_a_marker_only_as_an_empty_named_graph(
        oxigraph_remote: RemoteStore) -> None:
    store, base = oxigraph_remote, "urn:x-test:generation:"
    before = count(store, "?s ?p ?o", "?union-default-graph")
    ok_update(store, f"CREATE GRAPH <{base}41>")
    ok_update(store, f"DROP GRAPH <{base}41> ; CREATE GRAPH <{base}42>")
    assert count(store, "?s ?p ?o", "?union-default-graph") == before
    listed = query(store, "SELECT ?g WHERE { GRAPH ?g { } "
                          f'FILTER(STRSTARTS(STR(?g), "{base}")) }}', params="?union-default-graph")
    assert values(listed, "g") == [f"{base}42"]
    assert store.store_url is not None
    assert send(f"{store.store_url}?graph={base}42", method="HEAD").status == 200
    assert send(f"{store.store_url}?graph={base}41", method="HEAD").status == 404
    failed = update(store, f"DROP GRAPH <{base}42> ; CREATE GRAPH <{base}43> ; "
                           f"DROP GRAPH <{base}missing>")
    assert failed.status == 500
    assert send(f"{store.store_url}?graph={base}42", method="HEAD").status == 200


def test_virtuoso_default_graph_is_every_graph(virtuoso_remote: RemoteStore) -> None:
    store, base = virtuoso_remote, f"{EX}union/"
    system = query(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                          f'FILTER(!STRSTARTS(STR(?g), "{EX}")) }} GROUP BY ?g')
    assert {row["g"]["value"]: int(row["n"]["value"]) for row in bindings(system)} == SYSTEM_GRAPHS
    assert count(store, "?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                        '"http://www.openlinksw.com/schemas/virtrdf#"))') > 0
    ok_update(store, f"INSERT DATA {{ GRAPH <{base}g1> {{ <{base}dup> <{EX}p> 1 }} "
                     f"GRAPH <{base}g2> {{ <{base}dup> <{EX}p> 1 }} }}")
    assert count(store, under(base)) == 2  # a bag
    construct = query(store, f"CONSTRUCT WHERE {{ <{base}dup> ?p ?o }}", "application/n-triples")
    assert len(construct.text.strip().splitlines()) == 1
    from_both = f"SELECT (COUNT(*) AS ?n) FROM <{base}g1> FROM <{base}g2> WHERE {{ ?s ?p ?o }}"
    assert values(query(store, from_both), "n") == ["2"]


def test_virtuoso_exclusion_defines_break_graph_patterns(virtuoso_remote: RemoteStore) -> None:
    store, base = virtuoso_remote, f"{EX}exclude/"
    ok_update(store, f"INSERT DATA {{ GRAPH <{base}public> {{ <{base}s> <{EX}p> 1 }} "
                     f"GRAPH <{base}marker> {{ <{base}m> <{EX}generation> 42 }} }}")
    default_out = f"define input:default-graph-exclude <{base}marker> "
    named_out = f"define input:named-graph-exclude <{base}marker> "

    def counted(prologue: str, where: str) -> int:
        return int(values(query(store, f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"),
                          "n")[0])

    def selected(prologue: str, where: str) -> list[str]:
        return values(query(store, f"{prologue}SELECT ?s WHERE {{ {where} }}"), "s")

    assert counted("", under(base)) == 2
    assert counted(default_out, under(base)) == 1
    in_graph = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{base}'))"
    assert counted(default_out, in_graph) == 2
    assert counted(named_out, in_graph) == 1
    assert counted(named_out, under(base)) == 0  # the default graph is emptied
    both = default_out + named_out
    assert counted(both, under(base)) == 1
    assert counted(both, in_graph) == 1
    # ...but a GRAPH pattern with a constant IRI no longer matches, and COUNT says 1.
    public = f"GRAPH <{base}public> {{ ?s ?p ?o }}"
    assert selected("", public) == [f"{base}s"]
    assert selected(default_out, public) == []
    assert selected(both, public) == []
    assert counted(default_out, f"GRAPH <{base}nothing> {{ ?s ?p ?o }}") == 1
    assert counted("", f"GRAPH <{base}nothing> {{ ?s ?p ?o }}") == 0
    from_public = query(store, f"SELECT (COUNT(*) AS ?n) FROM <{base}public> "
                               f"WHERE {{ GRAPH <{base}marker> {{ ?s ?p ?o }} }}")
    assert values(from_public, "n") == ["1"]  # no solutions (no FROM NAMED), yet 1
    late = query(store, f"PREFIX ex: <{EX}> {default_out}ASK {{ ?s ?p ?o }}")
    assert late.status == 400
    assert "SP030" in late.text


def test_virtuoso_private_graph_hides_a_marker(virtuoso_limited: RemoteStore) -> None:
    store = virtuoso_limited
    assert store.auth is not None
    assert store.auth_url is not None
    assert store.store_url is not None
    marker = f'INSERT DATA {{ GRAPH <{MARKER}> {{ <{MARKER}#it> <{EX}generation> "42" }} }}'
    refused = update(store, marker)
    assert refused.status == 500
    assert "SR619" in refused.text
    written = form(store.auth_url, {"update": marker}, CSV, auth=store.auth)
    assert written.status == 200, written.text
    read = f"SELECT ?o WHERE {{ GRAPH <{MARKER}> {{ ?s <{EX}generation> ?o }} }}"
    assert values(form(store.auth_url, {"query": read}, auth=store.auth), "o") == ["42"]
    assert values(query(store, read), "o") == []
    assert count(store, under(MARKER)) == 0
    assert count(store, f"GRAPH <{HEAVY_GRAPH}> {{ ?s ?p ?o }}") == 101  # others unaffected
    assert count(store, under(f"{EX}heavy/")) == 101
    # The anonymous Graph Store endpoint is not held back:
    overwrite = send(f"{store.store_url}?graph-uri={MARKER}", f'<{MARKER}#it> <{EX}generation> '
                     '"evil" .'.encode(), method="PUT", headers={"Content-Type": "text/turtle"})
    assert overwrite.status == 200
    assert values(form(store.auth_url, {"query": read}, auth=store.auth), "o") == ["evil"]


# --- writes -----------------------------------------------------------------------------------


def test_oxigraph_update_request_is_one_transaction(oxigraph_remote: RemoteStore) -> None:
    store, base = oxigraph_remote, f"{EX}atomic/"
    ok_update(store, f"DROP SILENT GRAPH <{base}a> ; INSERT DATA {{ GRAPH <{base}a> "
                     f"{{ <{base}s> <{EX}p> 1 }} }} ; INSERT DATA {{ GRAPH <{base}b> "
                     f"{{ <{base}s> <{EX}p> 2 }} }}")
    assert graphs(store, base) == {f"{base}a", f"{base}b"}
    for failing, status in ((f"DROP GRAPH <{base}missing>", 500),
                            (f"CREATE GRAPH <{base}b>", 500),
                            (f"INSERT DATA {{ GRAPH <{base}d> {{ <{base}s> <{EX}p> }} }}", 400)):
        reply = update(store, f"DROP GRAPH <{base}a> ; INSERT DATA {{ GRAPH <{base}c> "
                              f"{{ <{base}s> <{EX}p> 3 }} }} ; {failing}")
        assert reply.status == status, reply.text
        assert graphs(store, base) == {f"{base}a", f"{base}b"}
    ill_typed = f'INSERT DATA {{ GRAPH <{base}e> {{ <{base}s> <{EX}p> "abc"^^<{XSD}integer> }} }}'
    assert update(store, ill_typed).status == 204
    assert values(query(store, f"SELECT ?o WHERE {{ GRAPH <{base}e> {{ ?s ?p ?o }} }}"),
                  "o") == ["abc"]


def test_virtuoso_update_request_is_not_atomic(virtuoso_remote: RemoteStore) -> None:
    store, base = virtuoso_remote, f"{EX}atomic/"
    first = update(store, f"DROP SILENT GRAPH <{base}a> ; INSERT DATA {{ GRAPH <{base}a> "
                          f"{{ <{base}s> <{EX}p> 1 }} }} ; INSERT DATA {{ GRAPH <{base}b> "
                          f"{{ <{base}s> <{EX}p> 2 }} }}")
    assert first.status == 200
    assert "Commit -- done" in first.text
    assert graphs(store, base) == {f"{base}a", f"{base}b"}
    ok_update(store, f"CREATE GRAPH <{base}created>")
    for index, failing in enumerate((f"DROP GRAPH <{base}missing>",
                                     f"CREATE GRAPH <{base}created>")):
        reply = update(store, f"INSERT DATA {{ GRAPH <{base}run{index}> {{ <{base}s> "
                              f"<{EX}p> 3 }} }} ; {failing}")
        assert reply.status == 500, reply.text
        assert f"{base}run{index}" in graphs(store, base)  # the first operation stayed
    for index, failing in enumerate((f"INSERT DATA {{ GRAPH <{base}x> {{ <{base}s> <{EX}p> }} }}",
                                     f'INSERT DATA {{ GRAPH <{base}x> {{ <{base}s> <{EX}p> '
                                     f'"abc"^^<{XSD}integer> }} }}')):
        reply = update(store, f"INSERT DATA {{ GRAPH <{base}compile{index}> {{ <{base}s> "
                              f"<{EX}p> 3 }} }} ; {failing}")
        assert reply.status == 400, reply.text
        assert f"{base}compile{index}" not in graphs(store, base)


def test_many_graph_blocks_and_operations_in_one_request(remote_store: RemoteStore) -> None:
    store, base = remote_store, f"{EX}blocks/"
    blocks = " ".join(f'GRAPH <{base}one/{index}> {{ <{base}s> <{EX}p> {index} . '
                      f'<{base}s> <{EX}q> "x" }}' for index in range(1000))
    ok_update(store, f"INSERT DATA {{ {blocks} }}")
    assert count(store, f"GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{base}one/'))") == 2000
    operations = " ;\n".join(f"DROP SILENT GRAPH <{base}ops/{index}> ;\nINSERT DATA {{ GRAPH "
                             f"<{base}ops/{index}> {{ <{base}s> <{EX}p> {index} }} }}"
                             for index in range(100))
    ok_update(store, operations)
    assert len(graphs(store, f"{base}ops/")) == 100


def test_virtuoso_refuses_update_text_over_ten_million_bytes(
        virtuoso_remote: RemoteStore) -> None:
    store = virtuoso_remote
    head = f"INSERT DATA {{ GRAPH <{EX}size/g> {{ <{EX}size/s> <{EX}p> 1 }} }}\n"

    def padded(size: int, fill: str = "x") -> str:  # a comment pads the text
        return head + ("#" + fill * 998 + "\n") * ((size - len(head)) // 1000)

    def direct(text: str) -> Reply:
        return send(store.update_url, text.encode(),
                    headers={"Content-Type": "application/sparql-update"})

    assert direct(padded(9_999_000)).status == 200
    too_big = direct(padded(10_001_000))
    assert too_big.status == 500
    assert "SR578" in too_big.text  # "string concatenation is too large"
    escaped = padded(9_990_000, "%")  # about 30 MB once form-encoded
    assert update(store, escaped).status == 200
    too_long = update(store, padded(10_009_000))
    assert too_long.status == 500
    assert "longer than 10Mb" in too_long.text


def test_virtuoso_blank_nodes_only_outside_insert_data(virtuoso_remote: RemoteStore) -> None:
    store, base = virtuoso_remote, f"{EX}bnodes/"
    for node in ("_:b", "[]"):
        refused = update(store, f"INSERT DATA {{ GRAPH <{base}g> {{ <{base}s> <{EX}p> {node} }} }}")
        assert refused.status == 400
        assert "SP031" in refused.text
    ok_update(store, f"INSERT {{ GRAPH <{base}g> {{ <{base}s> <{EX}p> _:b . _:b <{EX}q> 1 }} }} "
                     "WHERE {}")
    assert store.store_url is not None
    put = send(f"{store.store_url}?graph-uri={base}h",
               f"<{base}s> <{EX}p> [ <{EX}q> 2 ] .".encode(), method="PUT",
               headers={"Content-Type": "text/turtle"})
    assert put.status == 201
    reply = query(store, f"SELECT ?o WHERE {{ GRAPH ?g {{ <{base}s> <{EX}p> ?o }} }}")
    nodes = [row["o"] for row in bindings(reply)]
    assert len(nodes) == 2
    assert all(node["type"] == "bnode" and node["value"].startswith("nodeID://b")
               for node in nodes)


def test_move_and_copy_graph(remote_store: RemoteStore) -> None:
    store, base = remote_store, f"{EX}move/"
    ok_update(store, f"INSERT DATA {{ GRAPH <{base}a> {{ <{base}s> <{EX}p> 1 }} "
                     f"GRAPH <{base}b> {{ <{base}s> <{EX}p> 2 }} }}")
    ok_update(store, f"COPY GRAPH <{base}a> TO GRAPH <{base}c>")
    ok_update(store, f"MOVE GRAPH <{base}a> TO GRAPH <{base}b>")
    contents = query(store, f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                            f'FILTER(STRSTARTS(STR(?g), "{base}")) }}')
    assert sorted((row["g"]["value"], row["o"]["value"]) for row in bindings(contents)) == [
        (f"{base}b", "1"), (f"{base}c", "1")]
    missing = update(store, f"MOVE GRAPH <{base}none> TO GRAPH <{base}c>")
    assert missing.status == {"oxigraph": 500, "virtuoso": 200}[store.kind]
    ok_update(store, f"MOVE SILENT GRAPH <{base}none> TO GRAPH <{base}d>")


def test_oxigraph_graph_store_protocol(oxigraph_remote: RemoteStore) -> None:
    store, base = oxigraph_remote, f"{EX}gsp/"
    assert store.store_url is not None
    url = f"{store.store_url}?graph={base}g"
    turtle = {"Content-Type": "text/turtle"}

    def put(body: str, target: str = url, kind: str = "text/turtle") -> Reply:
        return send(target, body.encode(), method="PUT", headers={"Content-Type": kind})

    assert put(f'<{base}s> <{EX}p> "v1" .').status == 201
    assert put(f'<{base}s> <{EX}p> "v2" .').status == 204
    assert send(url, f'<{base}s> <{EX}p> "v3" .'.encode(), method="POST",
                headers=turtle).status == 204
    assert put(f'<{base}s> <{EX}p> "bad').status == 400
    got = send(url, headers={"Accept": "application/n-triples"})
    assert got.status == 200
    assert sorted(got.text.splitlines()) == [f'<{base}s> <{EX}p> "v2" .',
                                             f'<{base}s> <{EX}p> "v3" .']
    assert send(url, method="DELETE").status == 204
    assert send(url, method="DELETE").status == 404
    assert send(url, headers={"Accept": "application/n-triples"}).status == 404
    nquads = {"Content-Type": "application/n-quads"}
    good = f'<{base}s> <{EX}p> "q1" <{base}n1> .\n<{base}s> <{EX}p> "q2" <{base}n2> .\n'
    assert send(store.store_url, good.encode(), method="POST", headers=nquads).status == 204
    bad = f'<{base}s> <{EX}p> "q3" <{base}n3> .\n<{base}s> <{EX}p> "q4 <{base}n4> .\n'
    assert send(store.store_url, bad.encode(), method="POST", headers=nquads).status == 400
    assert graphs(store, base) == {f"{base}n1", f"{base}n2"}


def test_oxigraph_put_of_the_whole_store_replaces_everything(tmp_path: Path) -> None:
    require(oxigraph_command)
    base = f"{EX}gsp-all/"
    with oxigraph_store(tmp_path) as store:
        ok_update(store, f"INSERT DATA {{ GRAPH <{base}old> {{ <{base}s> <{EX}p> 1 }} }}")
        assert store.store_url is not None
        put = send(store.store_url, f'<{base}s> <{EX}p> "2" <{base}new> .\n'.encode(),
                   method="PUT", headers={"Content-Type": "application/n-quads"})
        assert put.status == 204
        assert graphs(store, base) == {f"{base}new"}


def test_virtuoso_graph_store_protocol(virtuoso_remote: RemoteStore) -> None:
    store, base = virtuoso_remote, f"{EX}gsp/"
    assert store.store_url is not None
    assert store.auth_store_url is not None
    turtle = {"Content-Type": "text/turtle"}

    def put(body: str, parameter: str = "graph-uri") -> Reply:
        return send(f"{store.store_url}?{parameter}={base}g", body.encode(), method="PUT",
                    headers=turtle)

    url = f"{store.store_url}?graph-uri={base}g"
    assert put(f'<{base}s> <{EX}p> "v1" .', "graph").status == 201
    assert put(f'<{base}s> <{EX}p> "v2" .').status == 200
    assert send(url, f'<{base}s> <{EX}p> "v3" .'.encode(), method="POST",
                headers=turtle).status == 200
    assert put(f'<{base}s> <{EX}p> "bad').status == 500
    got = send(url, headers={"Accept": "application/n-triples"})
    assert got.status == 200
    assert sorted(got.text.splitlines()) == [f'<{base}s>\t<{EX}p>\t"v2" .',
                                             f'<{base}s>\t<{EX}p>\t"v3" .']
    assert send(url, method="DELETE").status == 200
    assert send(url, method="DELETE").status == 404
    assert send(url, headers={"Accept": "application/n-triples"}).status == 404
    auth_url = f"{store.auth_store_url}?graph-uri={base}auth"
    body = f'<{base}s> <{EX}p> "a" .'.encode()
    assert send(auth_url, body, method="PUT", headers=turtle).status == 401
    assert send(auth_url, body, method="PUT", headers=turtle, auth=store.auth).status == 201


# --- results ----------------------------------------------------------------------------------

LITERALS = (f'<{EX}lit/s> <{EX}dec> "1.50"^^<{XSD}decimal> ; <{EX}int> "007"^^<{XSD}integer> ; '
            f'<{EX}lang> "x"@en-GB ; <{EX}str> "typed"^^<{XSD}string> ; <{EX}bool> true ; '
            f'<{EX}time> "2024-05-06T07:08:09.5+02:00"^^<{XSD}dateTime> ; '
            f'<{EX}zulu> "2024-05-06T07:08:09Z"^^<{XSD}dateTime> ; <{EX}plain> "p" .')


def literal_terms(store: RemoteStore) -> dict[str, dict[str, str]]:
    ok_update(store, f"INSERT DATA {{ GRAPH <{EX}lit/g> {{ {LITERALS} }} }}")
    reply = query(store, f"SELECT ?p ?o WHERE {{ GRAPH <{EX}lit/g> {{ <{EX}lit/s> ?p ?o }} }}")
    return {row["p"]["value"].removeprefix(EX): row["o"] for row in bindings(reply)}


def test_oxigraph_json_terms(oxigraph_remote: RemoteStore) -> None:
    assert literal_terms(oxigraph_remote) == {
        "dec": {"type": "literal", "value": "1.5", "datatype": f"{XSD}decimal"},
        "int": {"type": "literal", "value": "7", "datatype": f"{XSD}integer"},
        "lang": {"type": "literal", "value": "x", "xml:lang": "en-gb"},
        "str": {"type": "literal", "value": "typed"},
        "bool": {"type": "literal", "value": "true", "datatype": f"{XSD}boolean"},
        "time": {"type": "literal", "value": "2024-05-06T07:08:09.5+02:00",
                 "datatype": f"{XSD}dateTime"},
        "zulu": {"type": "literal", "value": "2024-05-06T07:08:09Z",
                 "datatype": f"{XSD}dateTime"},
        "plain": {"type": "literal", "value": "p"}}


def test_virtuoso_json_terms(virtuoso_remote: RemoteStore) -> None:
    assert literal_terms(virtuoso_remote) == {
        "dec": {"type": "typed-literal", "value": "1.5", "datatype": f"{XSD}decimal"},
        "int": {"type": "typed-literal", "value": "7", "datatype": f"{XSD}integer"},
        "lang": {"type": "literal", "value": "x", "xml:lang": "en-gb"},
        "str": {"type": "typed-literal", "value": "typed", "datatype": f"{XSD}string"},
        "bool": {"type": "typed-literal", "value": "1", "datatype": f"{XSD}boolean"},
        "time": {"type": "typed-literal", "value": "2024-05-06T07:08:09.500+02:00",
                 "datatype": f"{XSD}dateTime"},
        "zulu": {"type": "typed-literal", "value": "2024-05-06T07:08:09Z",
                 "datatype": f"{XSD}dateTime"},
        "plain": {"type": "literal", "value": "p"}}
    nt = query(virtuoso_remote, f"CONSTRUCT WHERE {{ GRAPH <{EX}lit/g> {{ ?s <{EX}bool> ?o }} }}",
               "application/n-triples")
    assert f'"true"^^<{XSD}boolean>' in nt.text


@pytest.mark.parametrize(("accept", "oxigraph", "virtuoso"), [
    ("application/n-triples", 200, 200), ("text/turtle", 200, 200),
    ("application/rdf+xml", 200, 200), ("application/ld+json", 200, 200),
    ("application/n-quads", 200, 406), ("application/trig", 200, 406)])
def test_construct_formats(remote_store: RemoteStore, accept: str, oxigraph: int,
                           virtuoso: int) -> None:
    reply = query(remote_store, f"CONSTRUCT {{ <{EX}fmt> <{EX}p> 1 }} WHERE {{}}", accept)
    assert reply.status == {"oxigraph": oxigraph, "virtuoso": virtuoso}[remote_store.kind]
    if reply.status == 200:
        assert reply.headers.get_content_type() == accept


def test_virtuoso_cuts_results_at_result_set_max_rows(virtuoso_limited: RemoteStore,
                                                      virtuoso_remote: RemoteStore) -> None:
    pairs = f"GRAPH <{HEAVY_GRAPH}> {{ ?a ?p ?x . ?b ?q ?y }}"  # 101 × 101 = 10,201 rows
    store = virtuoso_limited

    def selected(modifiers: str) -> tuple[int, str | None]:
        reply = query(store, f"SELECT ?a ?b WHERE {{ {pairs} }} {modifiers}")
        return len(bindings(reply)), reply.headers.get("X-SPARQL-MaxRows")

    assert selected("") == (1000, "1000")
    assert selected("LIMIT 1000") == (1000, "1000")
    assert selected("LIMIT 999") == (999, None)
    assert selected("OFFSET 10000 LIMIT 500") == (201, None)
    construct = query(store, f"CONSTRUCT {{ ?a <{EX}q> ?b }} WHERE {{ {pairs} }}",
                      "application/n-triples")
    assert construct.status == 200
    assert len(construct.text.strip().splitlines()) == 1001
    assert "X-SPARQL-MaxRows" not in construct.headers
    load_heavy(virtuoso_remote)  # the shared store's 100,000 rows hold all 10,201
    whole = query(virtuoso_remote, f"SELECT ?a ?b WHERE {{ {pairs} }}")
    assert len(bindings(whole)) == 101 * 101
    assert "X-SPARQL-MaxRows" not in whole.headers


# --- time limits ------------------------------------------------------------------------------


def test_oxigraph_timeout_cuts_the_body_after_a_200(tmp_path: Path,
                                                   oxigraph_remote: RemoteStore) -> None:
    require(oxigraph_command)
    with oxigraph_store(tmp_path, timeout_s=1) as store:
        load_heavy(store)
        for accept, start in ((JSON, '{"head":{"vars":["n"]},"results":{"bindings":['),
                              (CSV, "n\r\n")):
            reply = query(store, HEAVY, accept)
            assert reply.status == 200
            assert reply.text == start + "The SPARQL operation has been cancelled"
            assert 0.9 < reply.seconds < 15
    load_heavy(oxigraph_remote)
    three = HEAVY.replace("?d ?t ?w", "").replace("FILTER(STR(?x) != STR(?y))", "")
    ignored = query(oxigraph_remote, three, params="?timeout=1")
    assert values(ignored, "n") == [str(101 ** 3)]


def test_virtuoso_time_limits(virtuoso_limited: RemoteStore) -> None:
    store = virtuoso_limited
    stopped = query(store, HEAVY)
    assert stopped.status == 500
    assert "SR171: Transaction timed out" in stopped.text
    assert 1.5 < stopped.seconds < 40  # generous: the machine may be busy
    for milliseconds in (500, 60_000):  # the ini's 2 s caps a longer request
        anytime = query(store, HEAVY, params=f"?timeout={milliseconds}")
        assert anytime.status == 200
        assert anytime.headers["X-SQL-State"] == "S1TAT"
        assert "query interrupted by result timeout" in anytime.headers["X-SQL-Message"]
        assert 1.5 < anytime.seconds < 40
