"""CSV and API readers on real rows and on hostile input."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from itertools import islice, pairwise
from pathlib import Path

import pytest

from loader.readers import api_json, datasets_csv
from loader.readers.csvsource import CsvSource
from loader.readers.fields import RowIssues
from loader.readers.rowview import RowView
from loader.records import DatasetRecord, SourceRef
from loader.report import Issue, Severity, SourceError
from loader.sources import detect_source
from tests.conftest import DATASET_HEADER, PROJECT, csv_text, dataset_row

FIXTURES = PROJECT / "tests" / "fixtures"


def read_all(path: Path) -> tuple[list[DatasetRecord], list[Issue]]:
    source = CsvSource(path)
    issues: list[Issue] = []
    records = []
    for row in source.rows(issues):
        row_issues = RowIssues(source.name, row.line)
        record = datasets_csv.parse_row(RowView(source.index, row.fields),
                                        SourceRef(source.name, row.line), row_issues)
        issues.extend(row_issues.issues)
        if record is not None:
            records.append(record)
    source.close()
    return records, issues


def test_real_export_rows_parse(real_export: Path) -> None:
    source = CsvSource(real_export)
    assert len(source.header) == 40
    assert detect_source(real_export).kind == "datasets"
    issues: list[Issue] = []
    rows = list(islice(source.rows(issues), 3000))
    source.close()
    assert len(rows) == 3000
    assert not [issue for issue in issues if issue.severity is Severity.REJECTED]
    records = []
    for row in rows:
        row_issues = RowIssues(str(real_export), row.line)
        record = datasets_csv.parse_row(RowView(source.index, row.fields),
                                        SourceRef(str(real_export), row.line), row_issues)
        assert record is not None
        records.append(record)
    assert len({record.id for record in records}) == 3000
    assert all(record.page and record.page.startswith("https://www.data.gouv.fr/")
               for record in records)
    assert any("\n" in record.description for record in records)
    assert any(record.archived for record in records)
    # Row lines follow the physical lines of multi-line rows: strictly increasing.
    assert all(a.line < b.line for a, b in pairwise(rows))


def test_current_udata_columns_accepted(write_csv: Callable[..., Path]) -> None:
    header = [*DATASET_HEADER, "badges", "spatial.geom", "harvest.remote_id", "harvest.uri",
              "harvest.issued_at", "harvest.last_update", "harvest.dct_identifier"]
    row = [*dataset_row("d1"), "hvd", "", "r1", "https://example.org/dcat/d1", "", "", "ID-1"]
    records, issues = read_all(write_csv("datasets.csv", csv_text(header, [row])))
    assert not issues
    record = records[0]
    assert record.badges == ["hvd"]
    assert record.is_hvd
    assert record.harvest_uri == "https://example.org/dcat/d1"


def test_gzip_and_bom_and_reordered_columns(write_csv: Callable[..., Path]) -> None:
    header = list(reversed(DATASET_HEADER))
    row = list(reversed(dataset_row("d1", title="Éléphants")))
    text = "\ufeff" + csv_text(header, [row])
    records, issues = read_all(write_csv("datasets.csv.gz", text))
    assert not issues
    assert records[0].title == "Éléphants"


def test_huge_multiline_field(write_csv: Callable[..., Path]) -> None:
    description = ("# Titre\r\n\r\n" + "x" * 2_000_000 + "\r\n- a\r\n- b")
    rows = [dataset_row("d1", description=description), dataset_row("d2")]
    records, issues = read_all(write_csv("datasets.csv", csv_text(DATASET_HEADER, rows)))
    assert not issues
    assert len(records[0].description) == len(description)
    assert records[1].source.line == 7


def test_bad_fields_are_reported_and_dropped(write_csv: Callable[..., Path]) -> None:
    row = dataset_row("d1", created_at="15/01/2026", last_modified="2025-13-45T00:00:00",
                      url="javascript:alert(1)", **{"temporal_coverage.start": "hier",
                                                     "quality_score": "beaucoup"})
    records, issues = read_all(write_csv("datasets.csv", csv_text(DATASET_HEADER, [row])))
    record = records[0]
    assert record.created_at is None
    assert record.last_modified is None
    assert record.page is None
    columns = {issue.column for issue in issues}
    assert {"created_at", "last_modified", "url", "temporal_coverage.start",
            "quality_score"} <= columns
    assert all(issue.severity is Severity.WARNING and issue.line == 2 for issue in issues)
    assert all(issue.record_id == "d1" for issue in issues)


def test_urls_with_spaces_are_repaired(write_csv: Callable[..., Path]) -> None:
    row = dataset_row("d1", url="https://www.data.gouv.fr/datasets/a b|c")
    records, issues = read_all(write_csv("datasets.csv", csv_text(DATASET_HEADER, [row])))
    assert records[0].page == "https://www.data.gouv.fr/datasets/a%20b%7Cc"
    assert not issues


def test_broken_quoting_rejects_the_row_not_the_file(write_csv: Callable[..., Path]) -> None:
    good = csv_text(DATASET_HEADER, [dataset_row("d1")])
    broken_line = csv_text(DATASET_HEADER, [dataset_row("d2")]).split("\r\n")[1]
    broken_line = broken_line.replace('"Jeu d2"', '"Jeu "d2" mal cité"')
    tail = csv_text(DATASET_HEADER, [dataset_row("d3")]).split("\r\n", 1)[1]
    records, issues = read_all(write_csv("datasets.csv", good + broken_line + "\r\n" + tail))
    assert [record.id for record in records] == ["d1", "d3"]
    rejected = [issue for issue in issues if issue.severity is Severity.REJECTED]
    assert len(rejected) == 1
    assert rejected[0].line == 3
    assert "quoting" in rejected[0].reason


def test_wrong_field_count_is_rejected(write_csv: Callable[..., Path]) -> None:
    text = csv_text(DATASET_HEADER, [dataset_row("d1")]) + '"d9";"short row"\r\n'
    records, issues = read_all(write_csv("datasets.csv", text))
    assert len(records) == 1
    assert issues[0].severity is Severity.REJECTED
    assert issues[0].line == 3
    assert "2 fields where the header has 40" in issues[0].reason


def test_latin1_bytes_are_repaired_and_reported(write_csv: Callable[..., Path]) -> None:
    text = csv_text(DATASET_HEADER, [dataset_row("d1", title="Données")])
    data = text.encode("utf-8").replace("Données".encode(), "Données".encode("latin-1"))
    records, issues = read_all(write_csv("datasets.csv", data))
    assert records[0].title == "Données"
    assert issues[0].column == "title"
    assert "Windows-1252" in issues[0].reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("datasets.csv", '"id","title","frequency"\r\n"a","b","c"\r\n', "separated by ','"),
        ("datasets.csv", "", "empty file"),
        ("datasets.csv.gz", b"not gzip at all", "not a gzip file"),
        ("other.csv", '"foo";"bar"\r\n"1";"2"\r\n', "unknown header"),
    ],
)
def test_unusable_sources_raise_one_line(write_csv: Callable[..., Path], name: str,
                                         content: str | bytes, message: str) -> None:
    path = write_csv("raw-" + name, b"")
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SourceError) as caught:
        detect_source(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_truncated_gzip_is_unusable(write_csv: Callable[..., Path]) -> None:
    rows = [dataset_row(f"d{i}", description="x" * 5000) for i in range(300)]
    data = gzip.compress(csv_text(DATASET_HEADER, rows).encode())
    path = write_csv("cut.csv", b"")
    cut = path.with_name("cut.csv.gz")
    cut.write_bytes(data[: len(data) // 2])
    source = CsvSource(cut)
    with pytest.raises(SourceError, match="unreadable after line"):
        for _ in source.rows([]):
            pass


def test_api_pages_give_complete_records() -> None:
    issues: list[Issue] = []
    records = list(api_json.read_datasets(FIXTURES / "api", issues))
    assert len(records) == 5
    by_hidden = {record.id: record.hidden for record in records}
    assert sum(by_hidden.values()) == 2
    public = [record for record in records if not record.hidden]
    assert any(len(record.resources) == 3 for record in public)
    assert all(record.page for record in public)
    assert all(resource.dataset_id == record.id for record in records
               for resource in record.resources)
    assert detect_source(FIXTURES / "api").format == "api"


def test_api_page_that_is_not_json(write_csv: Callable[..., Path]) -> None:
    path = write_csv("page.json", '{"data": [')
    with pytest.raises(SourceError, match="not a udata API JSON page"):
        list(api_json.read_datasets(path, []))


@pytest.mark.parametrize("url", [
    "https://example.org/a?b=c#d", "http://example.org:8080/x/%C3%A9", "https://a.b/c#d#e",
    "https://example.org/a%zz", "https://exa mple.org/", "https://example.org/é",
    "http://[::1]:80/x", "https://example.org:99999999/", "ftp://files.example.org/a.csv",
    "https://-bad-.org/", "https://example.org/a|b", "mailto:x@example.org", "https://",
])
def test_every_accepted_url_is_a_valid_iri(url: str) -> None:
    from pyoxigraph import NamedNode

    from loader.readers.fields import parse_url

    issues = RowIssues("f", 1)
    parsed = parse_url(url, "url", issues)
    if parsed is None:
        assert issues.issues
    else:
        NamedNode(parsed)
        assert parsed.startswith(("http://", "https://", "ftp://"))
