"""Vocabulary alignment: udata values -> EU authority tables and IANA, read from data tables.

The tables live in ``ontology/alignments/*.tsv`` (tab-separated, header first). Code never
lists licences or frequencies itself: to align a new value, add a line to a table.

>>> tables = load_alignments()
>>> tables.frequency("annual")
'http://publications.europa.eu/resource/authority/frequency/ANNUAL'
>>> tables.media_type("text/csv; charset=utf-8", "")
'https://www.iana.org/assignments/media-types/text/csv'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ontology.namespaces import EU_COUNTRY, IANA_MEDIA_TYPES, INSEE_GEO

_MIME = re.compile(
    r"(application|audio|font|image|message|model|multipart|text|video)"
    r"/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
)
_ZONE_ID = re.compile(r"(country|fr:region|fr:departement|fr:commune|fr:epci|fr:canton|"
                      r"country-group|country-subset)[:/]([A-Za-z0-9_-]+)(?:@.*)?")
_INSEE_KINDS = {"fr:region": "region", "fr:departement": "departement", "fr:commune": "commune"}


@dataclass(frozen=True, slots=True)
class Licence:
    """A licence: an IRI to link, or ``None`` when only an honest rights statement fits."""

    iri: str | None
    label: str

    @property
    def is_eu_concept(self) -> bool:
        """True when the IRI is a concept of the EU licence authority table."""
        return bool(self.iri) and "publications.europa.eu/resource/authority/licence/" in str(
            self.iri
        )


@dataclass(frozen=True, slots=True)
class Zone:
    """A spatial zone: a known IRI (EU country, INSEE area) and/or a label."""

    iri: str | None
    label: str
    code: str = ""


def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("ontology").joinpath("alignments", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def fold(value: str) -> str:
    """The lookup key of a value: lower case, inner blanks collapsed."""
    return " ".join(value.lower().split())


@dataclass(frozen=True, slots=True)
class Alignments:
    """The alignment tables, loaded once per process (see :func:`load_alignments`)."""

    licences: dict[str, Licence]
    frequencies: dict[str, str]
    file_types: dict[str, str]
    format_media_types: dict[str, str]
    hvd_categories: dict[str, str]
    zones: dict[str, Zone]
    media_types: frozenset[str]
    """The IANA media types ldcat links to (those of the file-type table)."""

    def licence(self, value: str) -> Licence | None:
        """The licence for a udata licence id or title; ``None`` if the table lacks it."""
        return self.licences.get(fold(value))

    def frequency(self, value: str) -> str | None:
        """The EU frequency IRI for a udata frequency id."""
        return self.frequencies.get(value.strip()) or self.frequencies.get(fold(value))

    def file_type(self, value: str) -> str | None:
        """The EU file-type IRI for a udata format string."""
        return self.file_types.get(fold(value).lstrip("."))

    def media_type(self, mime: str, format_name: str) -> str | None:
        """The IANA media-type IRI for a MIME type (or, failing that, for the format).

        Only media types of the table are linked, so each one is declared once in the
        catalogue graph; an unknown or malformed MIME type falls back to the format's.
        """
        candidate = mime.split(";", 1)[0].strip().lower()
        if candidate not in self.media_types:
            candidate = self.format_media_types.get(fold(format_name).lstrip("."), "")
        if not candidate or not _MIME.fullmatch(candidate):
            return None
        return IANA_MEDIA_TYPES + candidate

    def hvd_category(self, keywords: list[str]) -> str | None:
        """The HVD category of the first keyword the table knows."""
        for keyword in keywords:
            category = self.hvd_categories.get(fold(keyword))
            if category:
                return category
        return None

    def zone(self, value: str) -> Zone:
        """A udata zone: an id (``country:fr``, ``fr:commune:29019``) or a zone name."""
        known = self.zones.get(fold(value))
        if known is not None:
            return known
        match = _ZONE_ID.fullmatch(value.strip())
        if match is None:
            return Zone(None, value.strip())
        level, code = match.groups()
        if level == "country":
            iri = self.zones.get(f"country:{code.lower()}")
            return iri or Zone(None, value.strip(), code)
        insee_kind = _INSEE_KINDS.get(level)
        if insee_kind:
            return Zone(f"{INSEE_GEO}{insee_kind}/{code}", value.strip(), code)
        return Zone(None, value.strip(), code)


@cache
def load_alignments() -> Alignments:
    """Read every table (once per process)."""
    licences = {
        fold(row["key"]): Licence(row["iri"].strip() or None, row["label"].strip())
        for row in _table("licences.tsv")
    }
    frequencies = {row["udata"].strip(): row["iri"].strip() for row in _table("frequencies.tsv")}
    file_types: dict[str, str] = {}
    format_media_types: dict[str, str] = {}
    for row in _table("file_types.tsv"):
        key = fold(row["format"])
        if row["file_type_iri"].strip():
            file_types[key] = row["file_type_iri"].strip()
        if row["media_type"].strip():
            format_media_types[key] = row["media_type"].strip().lower()
    hvd = {fold(row["keyword"]): row["iri"].strip() for row in _table("hvd_categories.tsv")}
    zones = {
        fold(row["key"]): Zone(row["iri"].strip() or None, row["label"].strip())
        for row in _table("zones.tsv")
    }
    zones.setdefault("country:fr", Zone(EU_COUNTRY.FRA, "France"))
    return Alignments(licences, frequencies, file_types, format_media_types, hvd, zones,
                      frozenset(format_media_types.values()))
