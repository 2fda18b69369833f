"""The udata ``reuses`` CSV export (``datasets`` is a comma-separated id list)."""

from __future__ import annotations

from loader.readers.fields import (
    RowIssues,
    parse_archived,
    parse_datetime,
    parse_list,
    parse_url,
)
from loader.readers.rowview import RowView
from loader.records import ReuseRecord, SourceRef

KIND = "reuses"
SIGNATURE = frozenset({"id", "title", "remote_url", "datasets"})
REQUIRED = ("id", "title")


def parse_row(view: RowView, ref: SourceRef, issues: RowIssues) -> ReuseRecord | None:
    """One export row as a :class:`ReuseRecord`."""
    reuse_id = view("id").strip()
    issues.record_id = reuse_id
    if not reuse_id:
        issues.reject("id", "empty reuse id")
        return None
    title = view("title").strip()
    if not title:
        issues.reject("title", "reuse without a title")
        return None
    return ReuseRecord(
        id=reuse_id,
        title=title,
        source=ref,
        slug=view("slug").strip(),
        page=parse_url(view("url"), "url", issues),
        type=view("type").strip(),
        description=view("description"),
        remote_url=parse_url(view("remote_url"), "remote_url", issues),
        organization_id=view("organization_id").strip(),
        organization_name=view("organization").strip(),
        owner_id=view("owner_id").strip(),
        owner_name=view("owner").strip(),
        image=parse_url(view("image"), "image", issues),
        created_at=parse_datetime(view("created_at"), "created_at", issues),
        last_modified=parse_datetime(view("last_modified"), "last_modified", issues),
        archived=parse_archived(view("archived"), "archived", issues),
        topic=view("topic").strip(),
        tags=parse_list(view("tags")),
        datasets=parse_list(view("datasets")),
    )
