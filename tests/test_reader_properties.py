"""Property tests (hypothesis) of the CSV and JSON readers: whatever the bytes or rows, a
reader either yields records and issues, or refuses the whole source with one
:class:`SourceError` line naming the file; never another exception. Every issue names the
file, the line and (for a field) the column, as the load report prints it."""

from __future__ import annotations

import gzip
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loader.readers import api_json
from loader.readers.csvsource import CsvSource
from loader.readers.fields import RowIssues
from loader.readers.rowview import RowView
from loader.records import SourceRef
from loader.report import Issue, SourceError
from loader.sources import detect_csv_reader, detect_source
from tests.conftest import DATASET_HEADER, RESOURCE_HEADER, csv_text, dataset_row, resource_row

FAST = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reader-properties")


def _file(folder: Path, data: bytes, name: str) -> Path:
    path = Path(tempfile.mkdtemp(dir=folder)) / name
    path.write_bytes(data)
    return path


def read_source(path: Path) -> tuple[list[object], list[Issue]]:
    """What ``ldcat load`` reads from ``path``: records and issues (or :class:`SourceError`)."""
    source = detect_source(path)
    issues: list[Issue] = []
    if source.format == "api":
        return list(api_json.read_datasets(path, issues)), issues
    csv_source = CsvSource(path)
    try:
        reader = detect_csv_reader(csv_source)
        records = []
        for row in csv_source.rows(issues):
            row_issues = RowIssues(csv_source.name, row.line)
            record = reader.parse_row(RowView(csv_source.index, row.fields),
                                      SourceRef(csv_source.name, row.line), row_issues)
            issues.extend(row_issues.issues)
            if record is not None:
                records.append(record)
        return records, issues
    finally:
        csv_source.close()


def check_issues(path: Path, issues: list[Issue], columns: set[str] | None) -> None:
    """Each issue names the file and a line; a column, when given, is one of ``columns``
    (``None``: API items, whose fields are named by their JSON key)."""
    for issue in issues:
        assert issue.file == str(path)
        assert issue.line >= 1
        assert columns is None or issue.column in columns or issue.column == "", issue
        assert str(issue).startswith(f"{path}:{issue.line}")
        assert issue.reason.strip()


def read_or_refusal(path: Path) -> tuple[list[object], list[Issue]] | str:
    """The records and issues read from ``path``, or the message refusing it."""
    try:
        return read_source(path)
    except SourceError as error:
        return str(error)


def refused_or_read(path: Path, columns: set[str] | None) -> None:
    outcome = read_or_refusal(path)
    if isinstance(outcome, str):
        assert outcome.startswith(str(path)), outcome
        assert "\n" not in outcome
        assert "Traceback" not in outcome
        return
    check_issues(path, outcome[1], columns)


HEADER_LINE = (";".join(f'"{name}"' for name in DATASET_HEADER) + "\r\n").encode()


@FAST
@given(data=st.binary(max_size=2_000))
@example(data=b"\x1f\x8b\x08\x00garbage")
@example(data=b"\xef\xbb\xbf")
@example(data=b'{"data": [1, "x", null, {"resources": 5}]}')
def test_arbitrary_bytes_never_crash_a_reader(folder: Path, data: bytes) -> None:
    refused_or_read(_file(folder, data, "export.csv"), set(DATASET_HEADER))


@FAST
@given(data=st.binary(max_size=2_000))
def test_arbitrary_bytes_after_a_real_header(folder: Path, data: bytes) -> None:
    path = _file(folder, HEADER_LINE + data, "export.csv")
    refused_or_read(path, set(DATASET_HEADER))
    gzipped = _file(folder, gzip.compress(HEADER_LINE + data)[:-(len(data) % 7)], "export.csv.gz")
    refused_or_read(gzipped, set(DATASET_HEADER))  # truncated gzip too, some of the time


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
"""Any text, control characters, quotes, ``;``, CR and LF included."""


@FAST
@given(values=st.dictionaries(st.sampled_from(DATASET_HEADER), TEXT, max_size=12),
       rows=st.integers(1, 3))
def test_arbitrary_dataset_fields_are_read_or_reported_by_field(folder: Path,
        values: dict[str, str], rows: int) -> None:
    body = csv_text(DATASET_HEADER, [dataset_row(f"d{index}", **values)
                                     for index in range(rows)])
    path = _file(folder, body.encode("utf-8"), "datasets.csv")
    records, issues = read_source(path)
    check_issues(path, issues, set(DATASET_HEADER))
    physical_lines = len(re.findall(r"\r\n|\r|\n", body))  # as the csv module counts them
    assert all(2 <= issue.line <= physical_lines for issue in issues), issues
    rejected = {issue.line for issue in issues if issue.severity.name == "REJECTED"}
    assert len(records) + len(rejected) == rows
    for issue in issues:
        if issue.column:
            assert issue.column in values, issue  # only a field we changed can be at fault


@FAST
@given(values=st.dictionaries(st.sampled_from(RESOURCE_HEADER), TEXT, max_size=12))
def test_arbitrary_resource_fields_are_read_or_reported_by_field(folder: Path,
        values: dict[str, str]) -> None:
    values.pop("dataset.id", None)
    body = csv_text(RESOURCE_HEADER, [resource_row("d1", "r1", **values)])
    path = _file(folder, body.encode("utf-8"), "resources.csv")
    records, issues = read_source(path)
    check_issues(path, issues, set(RESOURCE_HEADER))
    assert len(records) == 1 or any(issue.severity.name == "REJECTED" for issue in issues)
    for issue in issues:
        if issue.column:
            assert issue.column in values, issue


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "title", "resources", "url", "tags",
                                       "created_at", "last_modified", "organization",
                                       "license", "frequency", "private", "deleted",
                                       "archived", "checksum", "filesize", "format",
                                       "extras", "harvest", "spatial", "temporal_coverage"])
                      | TEXT, children, max_size=6),
    max_leaves=30)


@FAST
@given(items=st.lists(JSON, max_size=5))
@example(items=[{"id": "x", "title": "t", "resources": [{"id": 3, "url": {"a": 1}}]}])
def test_arbitrary_api_items_never_crash(folder: Path, items: list[Any]) -> None:
    path = _file(folder, json.dumps({"data": items, "page": 1}).encode(), "page.json")
    outcome = read_or_refusal(path)
    if isinstance(outcome, str):
        assert outcome.startswith(str(path))
        return
    records, issues = outcome
    check_issues(path, issues, None)
    for issue in issues:
        assert issue.line <= len(items)
    assert len(records) <= len(items)


@FAST
@given(document=JSON)
def test_arbitrary_json_documents_are_refused_in_one_line(folder: Path, document: Any) -> None:
    refused_or_read(_file(folder, json.dumps(document).encode(), "page.json"), None)
