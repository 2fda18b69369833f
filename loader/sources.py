"""Recognising a source: which export (or API dump) a path is, from its content.

>>> describe_kinds().split(" (")[0]
'datasets, resources, organizations, reuses, dataservices'
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from loader.readers import (
    dataservices_csv,
    datasets_csv,
    organizations_csv,
    resources_csv,
    reuses_csv,
)
from loader.readers.csvsource import CsvSource, open_bytes
from loader.readers.dcat_rdf import SUFFIXES, is_url
from loader.report import SourceError

CSV_READERS: tuple[ModuleType, ...] = (
    resources_csv, dataservices_csv, reuses_csv, organizations_csv, datasets_csv,
)
"""Tried in this order: the most specific signatures first."""

LOAD_ORDER = ("organizations", "datasets", "resources", "reuses", "dataservices", "harvest")
"""Kinds are mapped in this order, so that links can be checked against what is published
(``harvest``: a DCAT catalogue in RDF, whose records keep their own IRIs)."""


def describe_kinds() -> str:
    """The kinds of source ``ldcat load`` accepts, for messages."""
    return ("datasets, resources, organizations, reuses, dataservices (CSV, plain or .gz), "
            "udata API JSON pages, or a DCAT catalogue in RDF (an http(s) URL or a file: "
            + " ".join(SUFFIXES) + ")")


@dataclass(frozen=True, slots=True)
class Source:
    """A recognised source: its path (or URL), kind and format (``csv``, ``api`` or ``rdf``)."""

    path: Path
    kind: str
    format: str
    url: str = ""
    """The http(s) URL of a catalogue to harvest (``path`` is then unused)."""

    @property
    def location(self) -> str:
        """The URL or the path, as the user gave it."""
        return self.url or str(self.path)

    @property
    def order(self) -> int:
        """Position of the kind in :data:`LOAD_ORDER`."""
        return LOAD_ORDER.index(self.kind)


def detect_csv_reader(source: CsvSource) -> ModuleType:
    """The reader module whose signature columns the header has."""
    columns = set(source.header)
    for reader in CSV_READERS:
        if columns >= reader.SIGNATURE:
            return reader
    shown = ", ".join(source.header[:6]) + (", ..." if len(source.header) > 6 else "")
    raise SourceError(
        f"{source.name}: unknown header ({shown}); expected a data.gouv.fr export: "
        + describe_kinds()
    )


def _looks_like_json(path: Path) -> bool:
    if path.is_dir():
        return True
    try:
        with open_bytes(path) as raw:
            start = raw.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (OSError, EOFError, zlib.error) as error:
        raise SourceError(f"{path}: unreadable: {error}") from error
    return start[:1] in (b"{", b"[")


def detect_source(location: Path | str) -> Source:
    """Recognise a path or an http(s) URL; :class:`SourceError` with a one-line reason if it
    is unusable. A URL is only recognised here: it is fetched when the load reads it."""
    if isinstance(location, str) and is_url(location):
        return Source(Path(), "harvest", "rdf", url=location)
    if isinstance(location, str) and "://" in location:
        raise SourceError(f"{location}: only http(s) URLs can be harvested")
    path = Path(location)
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_file() and path.suffix.lower() in SUFFIXES:
        return Source(path, "harvest", "rdf")
    if _looks_like_json(path):
        return Source(path, "datasets", "api")
    csv_source = CsvSource(path)
    try:
        reader = detect_csv_reader(csv_source)
    finally:
        csv_source.close()
    return Source(path, reader.KIND, "csv")
