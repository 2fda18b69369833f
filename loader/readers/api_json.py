"""Saved udata API v1 pages (``GET /api/1/datasets/``): ``{data, page, page_size, total, ...}``.

A source is one page file or a directory of them (read in name order). Datasets come with
their resources nested, so one page yields complete :class:`DatasetRecord` objects. Issues
point at the file and at the item's position in ``data`` (reported as its line number).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loader.readers.csvsource import open_bytes
from loader.readers.fields import (
    RowIssues,
    parse_bool,
    parse_count,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_url,
)
from loader.readers.resources_csv import parse_checksum
from loader.records import DatasetRecord, ResourceRecord, SourceRef
from loader.report import Issue, SourceError

KIND = "datasets"


def page_files(path: Path) -> list[Path]:
    """The page files of a source: the file itself, or a directory's ``*.json`` files."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith((".json", ".json.gz")))
        if not files:
            raise SourceError(f"{path}: directory holds no .json API pages")
        return files
    return [path]


def read_page(path: Path) -> list[Any]:
    """The ``data`` list of one saved page; :class:`SourceError` if it is not one."""
    try:
        with open_bytes(path) as raw:
            document = json.loads(raw.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(f"{path}: not a udata API JSON page: {error}") from error
    except (OSError, EOFError) as error:
        raise SourceError(f"{path}: unreadable: {error}") from error
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        data: list[Any] = document["data"]
        return data
    if isinstance(document, list):
        return document
    raise SourceError(f"{path}: not a udata API page (expected an object with a 'data' list)")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(tag).strip() for tag in value if str(tag).strip()))


def _badges(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    kinds = (badge.get("kind") if isinstance(badge, dict) else badge for badge in value)
    return [str(kind) for kind in kinds if kind]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _resource(item: Any, dataset_id: str, where: str, ref: SourceRef,
              issues: RowIssues) -> ResourceRecord | None:
    if not isinstance(item, dict) or not _text(item.get("id")).strip():
        issues.warn(where, "resource without an id; left out")
        return None
    checksum = _object(item.get("checksum"))
    return ResourceRecord(
        id=_text(item["id"]).strip(),
        dataset_id=dataset_id,
        url=parse_url(_text(item.get("url")), f"{where}.url", issues),
        source=ref,
        title=_text(item.get("title")).strip(),
        description=_text(item.get("description")),
        filetype=_text(item.get("filetype")),
        type=_text(item.get("type")),
        format=_text(item.get("format")).strip(),
        mime=_text(item.get("mime")).strip(),
        filesize=parse_count(_text(item.get("filesize")), f"{where}.filesize", issues),
        checksum=parse_checksum(_text(checksum.get("type")), _text(checksum.get("value")),
                                issues),
        created_at=parse_datetime(_text(item.get("created_at")), f"{where}.created_at", issues),
        modified=parse_datetime(_text(item.get("last_modified")), f"{where}.last_modified",
                                issues),
        schema_name=_text(_object(item.get("schema")).get("name")),
    )


def parse_item(item: Any, ref: SourceRef, issues: RowIssues) -> DatasetRecord | None:
    """One API dataset object as a :class:`DatasetRecord` with its resources."""
    if not isinstance(item, dict):
        issues.reject("", "not a JSON object")
        return None
    dataset_id = _text(item.get("id")).strip()
    issues.record_id = dataset_id
    title = _text(item.get("title")).strip()
    if not dataset_id or not title:
        issues.reject("id" if not dataset_id else "title", "dataset without id or title")
        return None
    organization = _object(item.get("organization"))
    owner = _object(item.get("owner"))
    temporal = _object(item.get("temporal_coverage"))
    spatial = _object(item.get("spatial"))
    harvest = _object(item.get("harvest"))
    quality = _object(item.get("quality"))
    owner_name = " ".join(
        part for part in (_text(owner.get("first_name")), _text(owner.get("last_name"))) if part
    )
    record = DatasetRecord(
        id=dataset_id,
        title=title,
        source=ref,
        slug=_text(item.get("slug")),
        acronym=_text(item.get("acronym")),
        page=parse_url(_text(item.get("page")), "page", issues),
        organization_id=_text(organization.get("id")),
        organization_name=_text(organization.get("name")),
        owner_id=_text(owner.get("id")),
        owner_name=owner_name,
        description=_text(item.get("description")),
        frequency=_text(item.get("frequency")),
        license=_text(item.get("license")),
        temporal_start=parse_date(_text(temporal.get("start")), "temporal_coverage.start",
                                  issues),
        temporal_end=parse_date(_text(temporal.get("end")), "temporal_coverage.end", issues),
        spatial_granularity=_text(spatial.get("granularity")),
        spatial_zones=[str(zone) for zone in spatial.get("zones") or [] if zone],
        featured=parse_bool(_text(item.get("featured")), "featured", issues),
        created_at=parse_datetime(_text(item.get("created_at")), "created_at", issues),
        last_modified=parse_datetime(_text(item.get("last_modified")), "last_modified", issues),
        tags=_tags(item.get("tags")),
        archived=parse_datetime(_text(item.get("archived")), "archived", issues)
        if item.get("archived") else None,
        harvest_backend=_text(harvest.get("backend")),
        harvest_domain=_text(harvest.get("domain")),
        harvest_remote_url=parse_url(_text(harvest.get("remote_url")), "harvest.remote_url",
                                     issues),
        harvest_uri=parse_url(_text(harvest.get("uri")), "harvest.uri", issues),
        harvest_dct_identifier=_text(harvest.get("dct_identifier")),
        quality_score=parse_decimal(_text(quality.get("score")), "quality.score", issues),
        badges=_badges(item.get("badges")),
        private=item.get("private") is True,
        deleted=bool(item.get("deleted")),
    )
    resources = item.get("resources") or []
    for position, resource in enumerate(resources if isinstance(resources, list) else []):
        parsed = _resource(resource, dataset_id, f"resources[{position}]", ref, issues)
        if parsed is not None:
            record.resources.append(parsed)
    record.resources_count = len(record.resources)
    return record


def read_datasets(path: Path, issues: list[Issue]) -> Iterator[DatasetRecord]:
    """Every dataset of every page under ``path``; issues go to ``issues``."""
    for page in page_files(path):
        for position, item in enumerate(read_page(page), start=1):
            row_issues = RowIssues(str(page), position)
            record = parse_item(item, SourceRef(str(page), position), row_issues)
            issues.extend(row_issues.issues)
            if record is not None:
                yield record
