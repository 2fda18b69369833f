"""The udata ``resources`` CSV export: one row per resource, with its dataset's id."""

from __future__ import annotations

import re

from loader.readers.fields import RowIssues, parse_bool, parse_count, parse_datetime, parse_url
from loader.readers.rowview import RowView
from loader.records import Checksum, ResourceRecord, SourceRef

KIND = "resources"
SIGNATURE = frozenset({"dataset.id", "id", "url", "checksum.type"})
REQUIRED = ("dataset.id", "id", "url")
_HEX = re.compile("[0-9a-f]+")
CHECKSUM_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}


def parse_checksum(kind: str, value: str, issues: RowIssues) -> Checksum | None:
    """A checksum whose algorithm is known and whose value is hex of the right length."""
    kind, value = kind.strip().lower(), value.strip().lower()
    if not kind and not value:
        return None
    expected = CHECKSUM_LENGTHS.get(kind)
    if expected is None:
        issues.warn("checksum.type", f"unknown checksum algorithm {kind!r}; checksum dropped")
        return None
    if len(value) != expected or _HEX.fullmatch(value) is None:
        issues.warn("checksum.value", f"not a {kind} hex digest; checksum dropped")
        return None
    return Checksum(kind, value)


def parse_row(view: RowView, ref: SourceRef, issues: RowIssues) -> ResourceRecord | None:
    """One export row as a :class:`ResourceRecord`; ``None`` (with a rejection) if unusable."""
    resource_id = view("id").strip()
    issues.record_id = resource_id
    if not resource_id:
        issues.reject("id", "empty resource id")
        return None
    dataset_id = view("dataset.id").strip()
    if not dataset_id:
        issues.reject("dataset.id", "resource without a dataset id")
        return None
    return ResourceRecord(
        id=resource_id,
        dataset_id=dataset_id,
        url=parse_url(view("url"), "url", issues),
        source=ref,
        title=view("title").strip(),
        description=view("description"),
        filetype=view("filetype").strip(),
        type=view("type").strip(),
        format=view("format").strip(),
        mime=view("mime").strip(),
        filesize=parse_count(view("filesize"), "filesize", issues),
        checksum=parse_checksum(view("checksum.type"), view("checksum.value"), issues),
        created_at=parse_datetime(view("created_at"), "created_at", issues),
        modified=parse_datetime(view("modified"), "modified", issues),
        schema_name=view("schema_name").strip(),
        dataset_license=view("dataset.license").strip(),
        dataset_private=parse_bool(view("dataset.private"), "dataset.private", issues),
    )
