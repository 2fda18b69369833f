"""Run one SPARQL query on a read-only generation and serialize the answer natively.

This runs inside a query-worker process (:mod:`endpoint.query_workers`): a :class:`QueryJob`
comes in, an :class:`Answer` goes out, both picklable. Serialization is pyoxigraph's own
(``serialize``), never row by row in Python.

Result cap: a SELECT arrives with its top-level ``LIMIT`` set to ``cap + 1``; when the answer
has more than ``cap`` rows it runs once more with ``LIMIT cap`` and is marked truncated. A
CONSTRUCT or DESCRIBE is cut after ``cap`` triples.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, cast

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse_query_results,
    serialize,
)

from ontology.datatypes import restore_datatypes


@dataclass(frozen=True, slots=True)
class QueryJob:
    """Everything a worker needs to answer one query."""

    store_path: str
    query: str
    form: str
    format: str
    """``QueryResultsFormat`` or ``RdfFormat`` attribute name."""
    cap: int | None = None
    exact_query: str | None = None
    """For a capped SELECT: the query with ``LIMIT cap``, run when ``query`` overflows."""
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    base_iri: str | None = None
    """Against which relative IRIs in the query resolve (the endpoint's IRI)."""
    stream: bool = False
    """Send a SELECT answer in :class:`Chunk` messages as it is written, once it outgrows
    :data:`STREAM_AFTER` (only for answers the row cap cannot cut)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A serialized answer, or an error the client caused (``error`` set)."""

    body: bytes = b""
    truncated: bool = False
    error: str | None = None
    """``syntax`` or ``evaluation``."""
    message: str = ""
    streamed: bool = False
    """The body went out in :class:`Chunk` messages before this closing answer."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a streamed answer."""

    data: bytes


STREAM_AFTER = 1 << 20
"""Bytes of a streamable answer kept before it starts going out in chunks."""
CHUNK_BYTES = 256 << 10

Sender = Callable[[Chunk], None]


class _ChunkWriter:
    """A binary file pyoxigraph writes into: keeps the start, then sends chunks."""

    def __init__(self, send: Sender) -> None:
        self.send = send
        self.buffer = bytearray()
        self.streaming = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        limit = CHUNK_BYTES if self.streaming else STREAM_AFTER
        if len(self.buffer) >= limit:
            self.streaming = True
            self.send(Chunk(bytes(self.buffer)))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes at the end; chunks go out on size only."""


class StoreCache:
    """The read-only store of the generation the last job named (one open at a time)."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._store: Store | None = None

    def get(self, path: str) -> Store:
        if self._store is None or path != self._path:
            self._store = None
            self._store = Store.read_only(path)
            self._path = path
        return self._store


def execute(job: QueryJob, stores: StoreCache, send: Sender | None = None) -> Answer:
    """Answer ``job``; a syntax or evaluation error becomes an :class:`Answer` with ``error``.

    A streaming job may first ``send`` :class:`Chunk` messages; its :class:`Answer` then has
    ``streamed`` set (and an ``error`` if the query failed midway).
    """
    if not Path(job.store_path).is_dir():
        return Answer(error="evaluation", message="the generation is no longer published")
    store = stores.get(job.store_path)
    try:
        result = _query(store, job, job.query)
        if isinstance(result, QueryBoolean):
            return Answer(result.serialize(format=_results_format(job)) or b"")
        if isinstance(result, QuerySolutions):
            if job.stream and send is not None:
                return _stream(job, result, send)
            return _solutions(store, job, result)
        return graph_answer(job, result)
    except SyntaxError as error:
        return Answer(error="syntax", message=str(error))
    except (OSError, ValueError, RuntimeError) as error:
        return Answer(error="evaluation", message=str(error))


def _query(store: Store, job: QueryJob, text: str) -> QuerySolutions | QueryBoolean | QueryTriples:
    """Run ``text`` over the job's dataset: the protocol's graphs, else the union of the
    record graphs (unless the query names its own with FROM)."""
    if job.default_graphs is None and job.named_graphs is None:
        return store.query(text, base_iri=job.base_iri,
                           use_default_graph_as_union=job.union_default_graph)
    default: list[NamedNode | BlankNode | DefaultGraph] = [
        NamedNode(iri) for iri in job.default_graphs or ()]
    named: list[NamedNode | BlankNode] = [NamedNode(iri) for iri in job.named_graphs or ()]
    return store.query(text, base_iri=job.base_iri, default_graph=default, named_graphs=named)


def _results_format(job: QueryJob) -> QueryResultsFormat:
    return getattr(QueryResultsFormat, job.format)  # type: ignore[no-any-return]


def _solutions(store: Store, job: QueryJob, result: QuerySolutions) -> Answer:
    results_format = _results_format(job)
    body = result.serialize(format=results_format) or b""
    if job.cap is None or job.exact_query is None or len(body) <= job.cap:
        return Answer(body)  # every row takes at least one byte: it cannot overflow
    if _count_rows(body, job.format) <= job.cap:
        return Answer(body)
    exact = _query(store, job, job.exact_query)
    if not isinstance(exact, QuerySolutions):
        raise RuntimeError("a SELECT query answered with something else than solutions")
    return Answer(exact.serialize(format=results_format) or b"", truncated=True)


def _stream(job: QueryJob, result: QuerySolutions, send: Sender) -> Answer:
    writer = _ChunkWriter(send)
    try:
        result.serialize(output=cast(IO[bytes], writer), format=_results_format(job))
    except (OSError, ValueError, RuntimeError) as error:
        if not writer.streaming:
            raise
        return Answer(error="evaluation", message=str(error), streamed=True)
    if not writer.streaming:
        return Answer(bytes(writer.buffer))
    if writer.buffer:
        send(Chunk(bytes(writer.buffer)))
    return Answer(streamed=True)


def _count_rows(body: bytes, format_name: str) -> int:
    """Rows in a serialized SELECT answer (TSV escapes newlines; CSV quotes them)."""
    if format_name == "TSV":
        return max(body.count(b"\n") - 1, 0)
    if format_name == "CSV":
        return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1, 0)
    parsed = parse_query_results(body, format=getattr(QueryResultsFormat, format_name))
    return sum(1 for _ in parsed) if isinstance(parsed, QuerySolutions) else 0


def graph_answer(job: QueryJob, result: Iterable[Triple]) -> Answer:
    """A CONSTRUCT or DESCRIBE answer in the job's format, cut after ``job.cap`` triples."""
    triples: list[Triple] = list(islice(result, job.cap + 1) if job.cap is not None
                                 else result)
    truncated = job.cap is not None and len(triples) > job.cap
    if truncated:
        triples = triples[:job.cap]
    rdf_format: RdfFormat = getattr(RdfFormat, job.format)
    restored = restore_datatypes(triples)
    if rdf_format.supports_datasets:
        quads = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in restored]
        return Answer(serialize(quads, format=rdf_format) or b"", truncated=truncated)
    return Answer(serialize(restored, format=rdf_format) or b"", truncated=truncated)
