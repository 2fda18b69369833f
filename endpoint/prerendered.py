"""Record descriptions rendered once per generation, at publication, served without rebuilding.

A published generation never changes, so the Turtle and JSON-LD (DCAT-AP 3, the default
profile) of each dataset, organisation, user, reuse and data service are the same bytes until
the next one. The loader renders them while it builds the statistics and the search index (a
forked process reading the records' text, :func:`build_descriptions`), with the very code
the routes use per request (:func:`~endpoint.record_documents.assemble_document`,
:mod:`endpoint.record_render`), and publishes them beside the generation::

    generations/g000007.descriptions.sqlite
        meta(key, value)          renderer version, base IRI
        descriptions(iri, version, modified, turtle, jsonld, sources, facts)
                                  bodies zlib-compressed; the graphs and agent facts drawn on

A load copies the previous generation's rows whose record and agents are unchanged (same
content hashes, same agent facts), so a load that changes a few records renders a few.
A route then answers those variants with one indexed read and a decompression
(:class:`PrerenderedDescriptions`); every other variant (HTML, RDF/XML, N-Triples, other
profiles, an inlined context) and every generation without the file (a remote store, an
older load, a file rendered by another renderer version) is built per request as before.
Resources (655k on data.gouv.fr, read with their dataset) are not rendered ahead.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store, Triple, parse

from endpoint.profiles import DEFAULT_PROFILE
from endpoint.record_documents import (
    RecordDocument,
    assemble_document,
    content_version,
    ordered_agent_facts,
    parse_datetime,
)
from endpoint.record_formats import JSON_LD, TURTLE, RecordFormat
from endpoint.record_render import RENDERER_VERSION, render_jsonld, render_rdf
from loader.generations import Generation, GraphEntry
from loader.record_text import RecordText
from ontology.datatypes import restore_datatypes
from ontology.namespaces import DCT, FOAF, RDF

SUFFIX = ".descriptions.sqlite"
"""Beside ``generations/gNNNNNN``: ``gNNNNNN.descriptions.sqlite``."""
KINDS = frozenset({"datasets", "organizations", "users", "reuses", "dataservices"})
"""Record kinds rendered ahead (resources are not: see the module docstring)."""
COLUMNS = {TURTLE.name: "turtle", JSON_LD.name: "jsonld"}
"""The column holding each format's bodies."""
ROW = "iri, version, modified, turtle, jsonld, sources, facts"
"""The columns of a row, in table order."""
BATCH = 500
"""Records read from the text at a time."""
COMPRESSION_LEVEL = 1
"""zlib level: descriptions shrink ~4x at level 1, and decompressing one costs microseconds."""


@dataclass(frozen=True, slots=True)
class Prerendered:
    """One record's body in one format, with what its caching headers need."""

    version: str
    """Content hashes of the graphs drawn on, as :attr:`RecordDocument.version`."""
    modified: datetime | None
    body: bytes


def description_path(generation_path: Path) -> Path:
    """Where generation ``generations/gNNNNNN`` keeps its rendered descriptions."""
    return generation_path.with_name(generation_path.name + SUFFIX)


AGENT_FACTS_QUERY = f"""
SELECT ?agent ?fact ?value WHERE {{
  {{ SELECT DISTINCT ?agent WHERE {{
       ?record <{DCT.publisher}>|<{DCT.creator}> ?agent FILTER isIRI(?agent) }} }}
  ?agent ?fact ?value
  FILTER (?fact = <{RDF.type}> || ?fact = <{FOAF.name}>)
}}"""
"""Every agent named as publisher or creator, with its types and names (one query: looking
them up one by one decodes every publisher link, ~15 s on the full catalogue)."""


def agent_facts(store: Store) -> dict[str, list[Triple]]:
    """The type and name of every agent named as publisher or creator, as the per-request
    path gives them (:func:`~endpoint.record_documents.ordered_agent_facts`): read from the
    store in the loader's process, before the renderer is forked (it reads only text)."""
    found: dict[str, list[Triple]] = {}
    solutions = store.query(AGENT_FACTS_QUERY, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    for agent, fact, value in solutions:
        assert isinstance(agent, NamedNode)
        assert isinstance(fact, NamedNode)
        found.setdefault(agent.value, []).append(Triple(agent, fact, value))
    return {agent: ordered_agent_facts(restore_datatypes(facts))
            for agent, facts in found.items()}


def render_document(document: RecordDocument, base_iri: str) -> tuple[bytes, bytes]:
    """The Turtle and the JSON-LD (default profile, published context) of ``document``."""
    return (render_rdf(document, TURTLE, DEFAULT_PROFILE),
            render_jsonld(document, DEFAULT_PROFILE, base_iri))


def build_descriptions(text_dir: Path, graphs: dict[str, GraphEntry],
                       facts: dict[str, list[Triple]], base_iri: str, target: Path,
                       parent: Path | None = None) -> float:
    """Render every record of :data:`KINDS` from the records' text in ``text_dir`` into
    ``target`` (a new SQLite file); returns the seconds it took.

    A record whose description in ``parent`` (the previous generation's file) drew on graphs
    with the same content hashes and on agents with the same facts is copied from it, not
    rendered again: a load that changes a few records renders a few.
    """
    started = time.monotonic()
    text = RecordText.open(text_dir)
    if text is None:
        raise FileNotFoundError(f"{text_dir}: no records' text to render descriptions from")
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target.resolve().as_uri(), uri=True)  # URIs: see ATTACH
    try:
        connection.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE descriptions (iri TEXT PRIMARY KEY, version TEXT NOT NULL,"
            " modified TEXT, turtle BLOB NOT NULL, jsonld BLOB NOT NULL,"
            " sources TEXT NOT NULL, facts TEXT NOT NULL);")
        connection.executemany("INSERT INTO meta VALUES (?, ?)",
                               [("renderer_version", RENDERER_VERSION),
                                ("base_iri", base_iri)])
        kept = _attach_parent(connection, parent, base_iri)
        renderer = _Renderer(graphs, facts, base_iri)
        iris = sorted(iri for iri, entry in graphs.items() if entry.kind in KINDS)
        reused = {iri for iri in iris if renderer.unchanged(kept.get(iri))}
        if reused:
            connection.executemany(f"INSERT INTO descriptions SELECT {ROW} "
                                   "FROM parent.descriptions WHERE iri = ?",
                                   ((iri,) for iri in sorted(reused)))
        rendered = [iri for iri in iris if iri not in reused]
        connection.executemany(f"INSERT INTO descriptions ({ROW}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               renderer.rows(text, rendered))
        connection.commit()
    finally:
        connection.close()
        text.close()
    return time.monotonic() - started


def _attach_parent(connection: sqlite3.Connection, parent: Path | None,
                   base_iri: str) -> dict[str, tuple[str, str, str]]:
    """The parent's rows as ``iri -> (version, sources, facts)`` (attached as ``parent``);
    empty when there is no usable parent file (absent, older layout, other renderer)."""
    if parent is None or not parent.is_file():
        return {}
    connection.execute("ATTACH DATABASE ? AS parent",
                       (f"{parent.resolve().as_uri()}?mode=ro&immutable=1",))
    try:
        meta = dict(connection.execute("SELECT key, value FROM parent.meta").fetchall())
        if meta.get("renderer_version") != RENDERER_VERSION or meta.get("base_iri") != base_iri:
            return {}
        rows = connection.execute("SELECT iri, version, sources, facts "
                                  "FROM parent.descriptions").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {iri: (version, sources, facts) for iri, version, sources, facts in rows}


class _Renderer:
    """Renders records from their text; tells which parent rows still hold."""

    def __init__(self, graphs: dict[str, GraphEntry], facts: dict[str, list[Triple]],
                 base_iri: str) -> None:
        self.graphs = graphs
        self.facts = facts
        self.base_iri = base_iri

    def version(self, iri: str) -> str:
        return content_version(self.graphs.get, iri)

    def facts_digest(self, agents: Iterable[str]) -> str:
        digest = hashlib.blake2b(digest_size=16)
        for agent in agents:
            for fact in self.facts.get(agent, []):
                digest.update(str(fact).encode("utf-8") + b"\n")
        return digest.hexdigest()

    def unchanged(self, kept: tuple[str, str, str] | None) -> bool:
        """Whether a parent row (version, sources, facts) is this generation's row too."""
        if kept is None or not kept[0]:
            return False
        version, sources, facts = kept
        drawn_on = sources.split(" ")
        return ("-".join(self.version(iri) for iri in drawn_on) == version
                and self.facts_digest(drawn_on[1:]) == facts)

    def rows(self, text: RecordText, iris: list[str]) -> Iterable[tuple[object, ...]]:
        for start in range(0, len(iris), BATCH):  # batched: one index query, merged preads
            for iri, block in text.blocks_of(iris[start:start + BATCH]):
                row = self.row(iri, block)
                if row is not None:
                    yield row

    def row(self, iri: str, block: bytes) -> tuple[object, ...] | None:
        triples = [quad.triple for quad in parse(block, format=RdfFormat.N_QUADS,
                                                 lenient=True)]
        drawn_on = [iri]

        def agent_version(agent: str) -> str:
            drawn_on.append(agent)
            return self.version(agent)

        document = assemble_document(iri, self.graphs[iri].kind, triples, [self.version(iri)],
                                     lambda agent: self.facts.get(agent.value, []),
                                     agent_version)
        if document is None:
            return None
        turtle, jsonld = render_document(document, self.base_iri)
        return (iri, document.version,
                document.modified.isoformat() if document.modified is not None else None,
                zlib.compress(turtle, COMPRESSION_LEVEL), zlib.compress(jsonld, COMPRESSION_LEVEL),
                " ".join(drawn_on), self.facts_digest(drawn_on[1:]))


class PrerenderedDescriptions:
    """Reads the rendered descriptions of the published generation (thread-safe: one SQLite
    connection per thread and generation)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._usable: dict[str, bool] = {}

    def get(self, generation: Generation, iri: str,
            record_format: RecordFormat) -> Prerendered | None:
        """``iri``'s body in ``record_format`` (default profile), or ``None`` when it was
        not rendered ahead (then build it per request)."""
        column = COLUMNS.get(record_format.name)
        if column is None:
            return None
        connection = self._connection(generation)
        if connection is None:
            return None
        row = connection.execute(f"SELECT version, modified, {column} FROM descriptions "
                                 "WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            return None
        version, modified, body = row
        return Prerendered(version, parse_datetime(modified) if modified else None,
                           zlib.decompress(body))

    def _connection(self, generation: Generation) -> sqlite3.Connection | None:
        opened: tuple[str, sqlite3.Connection | None] | None = getattr(self._local, "opened",
                                                                       None)
        if opened is not None and opened[0] == generation.id:
            return opened[1]
        if opened is not None and opened[1] is not None:
            opened[1].close()
        connection = self._open(generation)
        self._local.opened = (generation.id, connection)
        return connection

    def _open(self, generation: Generation) -> sqlite3.Connection | None:
        path = description_path(generation.path)
        if self._usable.get(generation.id) is False or not path.is_file():
            return None
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1",
                                     uri=True, check_same_thread=False)
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            meta = {}
        usable = (meta.get("renderer_version") == RENDERER_VERSION
                  and meta.get("base_iri") == generation.base_iri)
        self._usable[generation.id] = usable
        if not usable:
            connection.close()
            return None
        return connection


class DescriptionsCompanion:
    """The rendered descriptions as a load companion (:class:`loader.load.Companion`)."""

    name = "descriptions"
    suffix = SUFFIX

    def prepare(self, store: Store, graphs: dict[str, GraphEntry], base_iri: str,
                parent: Generation | None) -> Callable[[Path, Path], float]:
        """Read the agents' facts now; render from the text in the background (copying the
        parent generation's unchanged descriptions)."""
        facts = agent_facts(store)
        parent_file = description_path(parent.path) if parent is not None else None

        def build(text_dir: Path, target: Path) -> float:
            return build_descriptions(text_dir, graphs, facts, base_iri, target, parent_file)

        return build
