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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from pyoxigraph import Quad, RdfFormat, Store, Triple, serialize

from ontology.datatypes import restore_datatypes
from ontology.namespaces import PREFIXES

BATCH = 20_000
"""Quads restored at a time (bounded memory, few Python calls)."""


@dataclass(frozen=True, slots=True)
class DumpFormat:
    """One dump: short name, file suffix, media type and pyoxigraph format."""

    name: str
    suffix: str
    media_type: str
    rdf_format: RdfFormat

    @property
    def file_name(self) -> str:
        return f"catalog.{self.suffix}.gz"


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


def _quads(store: Store) -> Iterator[Quad]:
    batch: list[Quad] = []
    for quad in store:
        batch.append(quad)
        if len(batch) == BATCH:
            yield from _restored(batch)
            batch = []
    yield from _restored(batch)


def _restored(batch: list[Quad]) -> Iterator[Quad]:
    for statement in restore_datatypes(batch):
        if isinstance(statement, Quad):
            yield statement


def _triples(store: Store) -> Iterator[Triple]:
    for quad in _quads(store):
        yield quad.triple


def write_dump(store: Store, dump: DumpFormat, folder: Path) -> DumpFile:
    """Write ``dump`` of ``store`` into ``folder`` atomically; its size and checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / dump.file_name
    temporary = folder / f".{dump.file_name}.tmp-{os.getpid()}"
    try:
        with temporary.open("wb") as raw:
            hashing = _HashingFile(raw)
            with gzip.GzipFile(fileobj=cast(IO[bytes], hashing), mode="wb", compresslevel=6,
                               mtime=0) as compressed:
                statements = (_quads(store) if dump.rdf_format.supports_datasets
                              else _triples(store))
                serialize(statements, cast(IO[bytes], compressed), dump.rdf_format,
                          prefixes=None if dump.name in ("nq", "nt") else PREFIXES)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return DumpFile(dump, final, hashing.size, hashing.digest.hexdigest())


def write_dumps(store: Store, folder: Path,
                formats: tuple[DumpFormat, ...] = DUMP_FORMATS) -> list[DumpFile]:
    """Every dump in ``formats`` of ``store``, written into ``folder``."""
    return [write_dump(store, dump, folder) for dump in formats]
