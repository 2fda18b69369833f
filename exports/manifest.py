"""The dumps' manifest: one ``dcat:Distribution`` per file, with size, SHA-256 and date.

Written next to the dumps as ``manifest.json`` (what ``/exports/`` reads) and described in RDF
by :func:`manifest_triples` (the ``/exports/`` RDF answer and ``void:dataDump`` in ``/-/void``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from exports.dumps import DumpFile
from loader.mapping.distribution import checksum_algorithm
from ontology.namespaces import DCAT, DCT, EU_FILE_TYPE, IANA_MEDIA_TYPES, RDF, SPDX, XSD

MANIFEST = "manifest.json"
PROFILE_IRIS = {"dcat-ap-3": "http://data.europa.eu/r5r/",
                "dcat-ap-2.1.1": "http://data.europa.eu/r5r/2.1.1/",
                "hvd": "http://data.europa.eu/eli/reg_impl/2023/138/oj"}
"""What each profile's files conform to (``dct:conformsTo``); thematic catalogues' dumps are
DCAT-AP 3."""
_FILE_TYPES = {"nq": "RDF_N_QUADS", "nt": "RDF_N_TRIPLES", "ttl": "RDF_TURTLE",
               "rdf": "RDF_XML", "jsonld": "JSON_LD"}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One dump file as the manifest lists it."""

    file: str
    format: str
    media_type: str
    byte_size: int
    sha256: str
    profile: str = "dcat-ap-3"


@dataclass(frozen=True, slots=True)
class Manifest:
    """The dumps of one generation."""

    generation: str
    issued: str
    files: list[ManifestEntry]

    def entry(self, file_name: str) -> ManifestEntry | None:
        return next((entry for entry in self.files if entry.file == file_name), None)


def write_manifest(folder: Path, generation: str, issued: str,
                   dumps: list[DumpFile]) -> Manifest:
    """Record ``dumps`` in ``folder/manifest.json`` (atomically), keeping earlier entries for
    files not written this time."""
    previous = read_manifest(folder)
    entries = {entry.file: entry for entry in (previous.files if previous else [])}
    for dump in dumps:
        entries[dump.path.name] = ManifestEntry(dump.path.name, dump.format.name,
                                                dump.format.media_type, dump.byte_size,
                                                dump.sha256, dump.profile)
    manifest = Manifest(generation, issued, sorted(entries.values(), key=lambda e: e.file))
    temporary = folder / f".{MANIFEST}.tmp-{os.getpid()}"
    temporary.write_text(json.dumps(asdict(manifest), indent=1), "utf-8")
    os.replace(temporary, folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder``, or ``None`` if no dump was written there."""
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return None
    return Manifest(data["generation"], data["issued"],
                    [ManifestEntry(**entry) for entry in data["files"]])


def manifest_triples(manifest: Manifest, base_iri: str) -> list[Triple]:
    """Each file as a ``dcat:Distribution`` (download URL, media type, format, gzip, size,
    SHA-256 checksum, issued)."""
    triples: list[Triple] = []
    sha256 = NamedNode(checksum_algorithm("sha256"))
    for entry in manifest.files:
        node = NamedNode(f"{base_iri}/exports/{entry.file}")
        checksum = NamedNode(f"{base_iri}/exports/{entry.file}#checksum")
        triples += [
            Triple(node, NamedNode(RDF.type), NamedNode(DCAT.Distribution)),
            Triple(node, NamedNode(DCAT.downloadURL), node),
            Triple(node, NamedNode(DCAT.accessURL), NamedNode(f"{base_iri}/exports/")),
            Triple(node, NamedNode(DCAT.mediaType),
                   NamedNode(IANA_MEDIA_TYPES + entry.media_type)),
            Triple(node, NamedNode(DCT.format), NamedNode(EU_FILE_TYPE.term(
                _FILE_TYPES[entry.format]))),
            Triple(node, NamedNode(DCAT.compressFormat),
                   NamedNode(IANA_MEDIA_TYPES + "application/gzip")),
            Triple(node, NamedNode(DCAT.byteSize),
                   Literal(str(entry.byte_size), datatype=NamedNode(XSD.nonNegativeInteger))),
            Triple(node, NamedNode(DCT.conformsTo), NamedNode(
                PROFILE_IRIS.get(entry.profile, PROFILE_IRIS["dcat-ap-3"]))),
            Triple(node, NamedNode(DCT.issued),
                   Literal(manifest.issued, datatype=NamedNode(XSD.dateTime))),
            Triple(node, NamedNode(SPDX.checksum), checksum),
            Triple(checksum, NamedNode(RDF.type), NamedNode(SPDX.Checksum)),
            Triple(checksum, NamedNode(SPDX.algorithm), sha256),
            Triple(checksum, NamedNode(SPDX.checksumValue),
                   Literal(entry.sha256, datatype=NamedNode(XSD.hexBinary))),
        ]
    return triples
