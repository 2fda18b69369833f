"""The udata ``datasets`` CSV export (40 columns in January 2026, 47 in current udata)."""

from __future__ import annotations

from loader.readers.fields import (
    RowIssues,
    parse_archived,
    parse_bool,
    parse_count,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_list,
    parse_url,
)
from loader.readers.rowview import RowView
from loader.records import DatasetRecord, SourceRef

KIND = "datasets"
SIGNATURE = frozenset({"id", "title", "frequency", "resources_count"})
REQUIRED = ("id", "title")


def parse_row(view: RowView, ref: SourceRef, issues: RowIssues) -> DatasetRecord | None:
    """One export row as a :class:`DatasetRecord`; ``None`` (with a rejection) if unusable."""
    dataset_id = view("id").strip()
    issues.record_id = dataset_id
    if not dataset_id:
        issues.reject("id", "empty dataset id")
        return None
    title = view("title").strip()
    if not title:
        issues.reject("title", "empty dataset title")
        return None
    temporal_start = parse_date(view("temporal_coverage.start"), "temporal_coverage.start", issues)
    temporal_end = parse_date(view("temporal_coverage.end"), "temporal_coverage.end", issues)
    if temporal_start and temporal_end and temporal_end < temporal_start:
        issues.warn("temporal_coverage.end", "temporal coverage ends before it starts; dropped")
        temporal_start = temporal_end = None
    return DatasetRecord(
        id=dataset_id,
        title=title,
        source=ref,
        slug=view("slug").strip(),
        acronym=view("acronym").strip(),
        page=parse_url(view("url"), "url", issues),
        organization_id=view("organization_id").strip(),
        organization_name=view("organization").strip(),
        owner_id=view("owner_id").strip(),
        owner_name=view("owner").strip(),
        description=view("description"),
        frequency=view("frequency").strip(),
        license=view("license").strip(),
        temporal_start=temporal_start,
        temporal_end=temporal_end,
        spatial_granularity=view("spatial.granularity").strip(),
        spatial_zones=parse_list(view("spatial.zones")),
        featured=parse_bool(view("featured"), "featured", issues),
        created_at=parse_datetime(view("created_at"), "created_at", issues),
        last_modified=parse_datetime(view("last_modified"), "last_modified", issues),
        tags=parse_list(view("tags")),
        archived=parse_archived(view("archived"), "archived", issues),
        resources_count=parse_count(view("resources_count"), "resources_count", issues),
        resources_formats=parse_list(view("resources_formats")),
        harvest_backend=view("harvest.backend").strip(),
        harvest_domain=view("harvest.domain").strip(),
        harvest_remote_url=parse_url(view("harvest.remote_url"), "harvest.remote_url", issues),
        harvest_uri=parse_url(view("harvest.uri"), "harvest.uri", issues),
        harvest_dct_identifier=view("harvest.dct_identifier").strip(),
        quality_score=parse_decimal(view("quality_score"), "quality_score", issues),
        badges=parse_list(view("badges")),
    )
