"""Full dumps of a generation: the whole public catalogue in five RDF syntaxes, gzipped.

Each file is written while the store is read, in constant memory (quads stream from the
store through pyoxigraph's serializers into gzip and a SHA-256), under a temporary name, then
renamed into place: a reader never sees a half-written dump. Datatypes that Oxigraph
normalises (``dcat:byteSize``) are restored on the way out, as on every other way out.

>>> [dump.name for dump in DUMP_FORMATS]
['nq', 'nt', 'ttl', 'rdf', 'jsonld']
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, cast

from pyoxigraph import (
    NamedNode,
    Quad,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from exports.dcat_ap2 import to_dcat_ap_2
from loader.repo import Snapshot
from ontology.datatypes import DECLARED_DATATYPES, restore_datatypes
from ontology.namespaces import DCAT, DCATAP, DCT, HVD_LEGISLATION, PREFIXES, XSD

BATCH = 20_000
"""Quads restored at a time (bounded memory, few Python calls)."""


PROFILES = ("dcat-ap-3", "dcat-ap-2.1.1", "hvd")
"""``dcat-ap-3``: the catalogue as published; ``dcat-ap-2.1.1``: down-converted for harvesters
that ingest 2.1.1 (:mod:`exports.dcat_ap2`); ``hvd``: the high-value datasets only, with their
distributions, the data services declared HVD, the root catalogue with its parts and the
agents they name.
Each thematic catalogue has one more, ``theme-{slug}`` (:func:`theme_profile`)."""

THEME_PROFILE = "theme-"


def theme_profile(slug: str) -> str:
    """The dump profile of the thematic catalogue ``slug``: that catalogue, its datasets with
    their distributions, the root catalogue and the agents they name (DCAT-AP 3)."""
    return THEME_PROFILE + slug


def check_profile(profile: str) -> None:
    """``ValueError`` unless ``profile`` is one of :data:`PROFILES` or a theme's."""
    if profile not in PROFILES and not (profile.startswith(THEME_PROFILE)
                                        and len(profile) > len(THEME_PROFILE)):
        raise ValueError(f"unknown profile {profile!r}: use {', '.join(PROFILES)} or "
                         f"{THEME_PROFILE}SLUG")


@dataclass(frozen=True, slots=True)
class DumpFormat:
    """One dump: short name, file suffix, media type and pyoxigraph format."""

    name: str
    suffix: str
    media_type: str
    rdf_format: RdfFormat

    def file_name(self, profile: str = "dcat-ap-3") -> str:
        stem = "catalog" if profile == "dcat-ap-3" else f"catalog-{profile}"
        return f"{stem}.{self.suffix}.gz"


DUMP_FORMATS = (
    DumpFormat("nq", "nq", "application/n-quads", RdfFormat.N_QUADS),
    DumpFormat("nt", "nt", "application/n-triples", RdfFormat.N_TRIPLES),
    DumpFormat("ttl", "ttl", "text/turtle", RdfFormat.TURTLE),
    DumpFormat("rdf", "rdf", "application/rdf+xml", RdfFormat.RDF_XML),
    DumpFormat("jsonld", "jsonld", "application/ld+json", RdfFormat.JSON_LD),
)
"""N-Quads keeps the record graphs; the others hold the union default graph."""


@dataclass(frozen=True, slots=True)
class DumpFile:
    """A written dump: where, how big, its SHA-256."""

    format: DumpFormat
    path: Path
    byte_size: int
    sha256: str
    profile: str = "dcat-ap-3"


def _restore_pattern() -> re.Pattern[bytes]:
    predicates = b"|".join(re.escape(f"<{prop}>".encode()) for prop in DECLARED_DATATYPES)
    return re.compile(rb"(" + predicates + rb') ("[^"\\]*")\^\^<' + re.escape(XSD.integer.encode())
                      + rb">")


_RESTORE_LINE = _restore_pattern()
_GRAPH_TERM = re.compile(rb" <[^<>\s]*> \.\n")


class _LineFilter:
    """Between Oxigraph's native N-Quads writer and the gzip file: restores declared
    datatypes on each line (and drops the graph term to make N-Triples)."""

    def __init__(self, raw: IO[bytes], drop_graph: bool) -> None:
        self.raw = raw
        self.drop_graph = drop_graph
        self.pending = b""

    def _restored(self, match: re.Match[bytes]) -> bytes:
        datatype = DECLARED_DATATYPES[match.group(1)[1:-1].decode()]
        return match.group(1) + b" " + match.group(2) + b"^^<" + datatype.encode() + b">"

    def write(self, data: bytes) -> int:
        text = self.pending + data
        cut = text.rfind(b"\n") + 1
        self.pending = text[cut:]
        if cut:
            lines = _RESTORE_LINE.sub(self._restored, text[:cut])
            if self.drop_graph:
                lines = _GRAPH_TERM.sub(b" .\n", lines)
            self.raw.write(lines)
        return len(data)

    def flush(self) -> None:
        """Lines go out when complete; :meth:`close` writes a last partial one."""

    def close(self) -> None:
        if self.pending:
            self.raw.write(self.pending)
            self.pending = b""


class _HashingFile:
    """A binary file wrapper counting and hashing what is written (the gzip bytes)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _quads(snapshot: Snapshot, graphs: list[NamedNode] | None = None) -> Iterator[Quad]:
    """Every quad (or those of ``graphs``), as mapped: record by record from the records'
    text, else from the store with datatypes restored, in bounded batches."""
    text = snapshot.text
    if text is not None:
        iris = text.graphs() if graphs is None else (graph.value for graph in graphs)
        for iri in iris:
            yield from text.quads(iri)
        return
    store = snapshot.store
    source: Iterable[Quad] = store if graphs is None else (
        quad for graph in graphs for quad in store.quads_for_pattern(None, None, None, graph))
    batch: list[Quad] = []
    for quad in source:
        if len(batch) >= BATCH and quad.graph_name != batch[-1].graph_name:
            yield from _restored(batch)  # batches end between records (quads come by graph)
            batch = []
        batch.append(quad)
    yield from _restored(batch)


def _restored(batch: list[Quad]) -> Iterator[Quad]:
    for statement in restore_datatypes(batch):
        if isinstance(statement, Quad):
            yield statement


def _triples(quads: Iterator[Quad], profile: str) -> Iterator[Triple]:
    if profile != "dcat-ap-2.1.1":
        for quad in quads:
            yield quad.triple
        return
    batch: list[Triple] = []
    graph: object = None
    for quad in quads:
        if len(batch) >= BATCH and quad.graph_name != graph:
            yield from to_dcat_ap_2(batch)  # whole records: see exports.dcat_ap2
            batch = []
        graph = quad.graph_name
        batch.append(quad.triple)
    yield from to_dcat_ap_2(batch)


def _profile_quads(quads: Iterator[Quad], profile: str) -> Iterator[Quad]:
    """N-Quads keeps graphs: convert each record graph and put its triples back in it."""
    if profile != "dcat-ap-2.1.1":
        yield from quads
        return
    record: list[Quad] = []
    for quad in chain(quads, [None]):  # lazily: constant memory
        if record and (quad is None or quad.graph_name != record[-1].graph_name):
            graph = record[-1].graph_name
            for triple in to_dcat_ap_2([q.triple for q in record]):
                yield Quad(triple.subject, triple.predicate, triple.object, graph)
            record = []
        if quad is not None:
            record.append(quad)


def _selected_graphs(store: Store, query: str) -> list[NamedNode]:
    """The graph IRIs ``?g`` a selection query (a SELECT) answers."""
    result = store.query(query)
    if not isinstance(result, QuerySolutions):
        raise TypeError("a dump selection is a SELECT")
    return [row["g"] for row in result if isinstance(row["g"], NamedNode)]


def hvd_graphs(store: Store) -> list[NamedNode]:
    """The record graphs of the HVD catalogue: HVD datasets (with their distributions) and
    data services, the root catalogue with its parts (the root names them: ``dct:hasPart``
    needs them typed), and the agents these name."""
    query = f"""SELECT DISTINCT ?g WHERE {{
      {{ GRAPH ?g {{ ?g <{DCATAP.applicableLegislation}> <{HVD_LEGISLATION}> }} }}
      UNION {{ GRAPH ?g {{ ?g a <{DCAT.Catalog}> }}
               FILTER NOT EXISTS {{ GRAPH ?g {{ ?g <{DCT.isPartOf}> ?parent }} }} }}
      UNION {{ GRAPH ?root {{ ?root a <{DCAT.Catalog}> ; <{DCT.hasPart}> ?g }}
               FILTER NOT EXISTS {{ GRAPH ?root {{ ?root <{DCT.isPartOf}> ?parent }} }}
               GRAPH ?g {{ ?g a <{DCAT.Catalog}> }} }}
      UNION {{ GRAPH ?r {{ ?r <{DCATAP.applicableLegislation}> <{HVD_LEGISLATION}> .
                          ?r <{DCT.publisher}>|<{DCT.creator}> ?g }}
               GRAPH ?g {{ ?g ?p ?o }} }}
    }} ORDER BY ?g"""
    return _selected_graphs(store, query)


def _write_lines(snapshot: Snapshot, out: IO[bytes], drop_graph: bool) -> None:
    """The whole catalogue as N-Quads (N-Triples with ``drop_graph``), byte for byte: the
    records' text in IRI order, else Oxigraph's native writer, through :class:`_LineFilter`."""
    lines = _LineFilter(out, drop_graph)
    text = snapshot.text
    if text is None:
        snapshot.store.dump(cast(IO[bytes], lines), format=RdfFormat.N_QUADS)
    else:
        for iri in text.graphs():
            lines.write(text.nquads(iri) or b"")
    lines.close()


def theme_graphs(store: Store, theme: str) -> list[NamedNode]:
    """The record graphs of thematic catalogue ``theme`` (an IRI): its own, its datasets',
    the root catalogue's with its other parts (the root names them: ``dct:hasPart`` needs
    them typed) and those of the agents its datasets name.

    The IRI goes into the query as a validated term (``NamedNode`` refuses anything that is
    not an IRI), never as raw text; ``ValueError`` if it is not one.
    """
    node = str(NamedNode(theme))
    query = f"""SELECT DISTINCT ?g WHERE {{
      {{ GRAPH ?g {{ ?g a <{DCAT.Catalog}> }} FILTER(?g = {node}) }}
      UNION {{ GRAPH ?g {{ {node} <{DCAT.dataset}> ?g }} }}
      UNION {{ GRAPH {node} {{ {node} <{DCT.isPartOf}> ?g }} }}
      UNION {{ GRAPH {node} {{ {node} <{DCT.isPartOf}> ?root }}
               GRAPH ?g {{ ?g <{DCT.isPartOf}> ?root }} }}
      UNION {{ GRAPH ?d {{ {node} <{DCAT.dataset}> ?d . ?d <{DCT.publisher}>|<{DCT.creator}> ?g }}
               GRAPH ?g {{ ?g ?p ?o }} }}
    }} ORDER BY ?g"""
    return _selected_graphs(store, query)


def _selection(snapshot: Snapshot, profile: str) -> list[NamedNode] | None:
    """The record graphs a profile's dumps hold (``None``: all of them)."""
    if profile == "hvd":
        return hvd_graphs(snapshot.store)
    if profile.startswith(THEME_PROFILE):
        slug = profile[len(THEME_PROFILE):]
        graphs = theme_graphs(snapshot.store, f"{snapshot.generation.base_iri}/themes/{slug}")
        if not graphs:
            raise ValueError(f"no thematic catalogue {slug!r} is published")
        return graphs
    return None


def write_dump(snapshot: Snapshot, dump: DumpFormat, folder: Path,
               profile: str = "dcat-ap-3") -> DumpFile:
    """Write ``dump`` of the ``snapshot`` generation in ``profile`` into ``folder``
    atomically; its size and checksum."""
    check_profile(profile)
    folder.mkdir(parents=True, exist_ok=True)
    name = dump.file_name(profile)
    final = folder / name
    temporary = folder / f".{name}.tmp-{os.getpid()}"
    graphs = _selection(snapshot, profile)
    try:
        with temporary.open("wb") as raw:
            hashing = _HashingFile(raw)
            with gzip.GzipFile(fileobj=cast(IO[bytes], hashing), mode="wb", compresslevel=6,
                               mtime=0) as compressed:
                if profile == "dcat-ap-3" and dump.name in ("nq", "nt"):
                    _write_lines(snapshot, cast(IO[bytes], compressed), dump.name == "nt")
                else:
                    quads = _quads(snapshot, graphs)
                    statements: Iterator[Quad] | Iterator[Triple] = (
                        _profile_quads(quads, profile) if dump.rdf_format.supports_datasets
                        else _triples(quads, profile))
                    serialize(statements, cast(IO[bytes], compressed), dump.rdf_format,
                              prefixes=None if dump.name in ("nq", "nt") else PREFIXES)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return DumpFile(dump, final, hashing.size, hashing.digest.hexdigest(), profile)


def write_dumps(snapshot: Snapshot, folder: Path,
                formats: tuple[DumpFormat, ...] = DUMP_FORMATS,
                profiles: tuple[str, ...] = ("dcat-ap-3",)) -> list[DumpFile]:
    """Every dump in ``formats`` x ``profiles`` of ``snapshot``, written into ``folder``."""
    return [write_dump(snapshot, dump, folder, profile)
            for profile in profiles for dump in formats]
