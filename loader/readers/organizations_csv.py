"""The udata ``organizations`` CSV export."""

from __future__ import annotations

from loader.readers.fields import RowIssues, parse_datetime, parse_list, parse_url
from loader.readers.rowview import RowView
from loader.records import OrganizationRecord, SourceRef

KIND = "organizations"
SIGNATURE = frozenset({"id", "name", "business_number_id"})
REQUIRED = ("id", "name")


def parse_row(view: RowView, ref: SourceRef, issues: RowIssues) -> OrganizationRecord | None:
    """One export row as an :class:`OrganizationRecord`."""
    organization_id = view("id").strip()
    issues.record_id = organization_id
    if not organization_id:
        issues.reject("id", "empty organization id")
        return None
    name = view("name").strip()
    if not name:
        issues.reject("name", "organization without a name")
        return None
    return OrganizationRecord(
        id=organization_id,
        name=name,
        source=ref,
        acronym=view("acronym").strip(),
        slug=view("slug").strip(),
        page=parse_url(view("url"), "url", issues),
        description=view("description"),
        logo=parse_url(view("logo"), "logo", issues),
        badges=parse_list(view("badges")),
        created_at=parse_datetime(view("created_at"), "created_at", issues),
        last_modified=parse_datetime(view("last_modified"), "last_modified", issues),
        business_number_id=view("business_number_id").strip(),
    )
