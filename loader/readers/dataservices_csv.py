"""The udata ``dataservices`` CSV export (APIs)."""

from __future__ import annotations

from loader.readers.fields import (
    RowIssues,
    parse_archived,
    parse_datetime,
    parse_decimal,
    parse_list,
    parse_url,
)
from loader.readers.rowview import RowView
from loader.records import DataserviceRecord, SourceRef

KIND = "dataservices"
SIGNATURE = frozenset({"id", "title", "base_api_url"})
REQUIRED = ("id", "title")


def parse_row(view: RowView, ref: SourceRef, issues: RowIssues) -> DataserviceRecord | None:
    """One export row as a :class:`DataserviceRecord`."""
    service_id = view("id").strip()
    issues.record_id = service_id
    if not service_id:
        issues.reject("id", "empty dataservice id")
        return None
    title = view("title").strip()
    if not title:
        issues.reject("title", "dataservice without a title")
        return None
    return DataserviceRecord(
        id=service_id,
        title=title,
        source=ref,
        slug=view("slug").strip(),
        acronym=view("acronym").strip(),
        page=parse_url(view("url"), "url", issues),
        description=view("description"),
        base_api_url=parse_url(view("base_api_url"), "base_api_url", issues),
        machine_documentation_url=parse_url(
            view("machine_documentation_url"), "machine_documentation_url", issues),
        technical_documentation_url=parse_url(
            view("technical_documentation_url"), "technical_documentation_url", issues),
        business_documentation_url=parse_url(
            view("business_documentation_url"), "business_documentation_url", issues),
        authorization_request_url=parse_url(
            view("authorization_request_url"), "authorization_request_url", issues),
        availability=parse_decimal(view("availability"), "availability", issues),
        rate_limiting=view("rate_limiting").strip(),
        access_type=view("access_type").strip(),
        license=view("license").strip(),
        organization_id=view("organization_id").strip(),
        organization_name=view("organization").strip(),
        owner_id=view("owner_id").strip(),
        owner_name=view("owner").strip(),
        created_at=parse_datetime(view("created_at"), "created_at", issues),
        modified=parse_datetime(view("metadata_modified_at"), "metadata_modified_at", issues),
        archived=parse_archived(view("archived"), "archived", issues),
        tags=parse_list(view("tags")),
        datasets=parse_list(view("datasets")),
    )
