"""The mapping work done on batches of CSV rows, in worker processes or in-process.

A batch is a list of ``(line, fields)`` rows of one file. Each row becomes a
:class:`MappedRecord`: the record's id, its graph IRI, its N-Quads block, the block's hash and
what the coordinating process needs to know about it (:class:`RecordFacts`). Workers hold a
:class:`WorkerState` set once per process.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from types import ModuleType

from loader.mapping.context import MappingContext
from loader.mapping.dataservice import map_dataservice
from loader.mapping.dataset import map_dataset
from loader.mapping.distribution import map_distribution
from loader.mapping.hvd import hvd_category
from loader.mapping.licences import resolve_licence
from loader.mapping.nquads import GraphWriter, content_hash
from loader.mapping.organization import map_organization
from loader.mapping.reuse import map_reuse
from loader.readers import (
    dataservices_csv,
    datasets_csv,
    organizations_csv,
    resources_csv,
    reuses_csv,
)
from loader.readers.csvsource import CsvRow
from loader.readers.fields import RowIssues
from loader.readers.rowview import RowView
from loader.records import (
    DataserviceRecord,
    DatasetRecord,
    OrganizationRecord,
    ResourceRecord,
    ReuseRecord,
    SourceRef,
)
from loader.report import Issue
from ontology.alignments import Licence

PUBLISHED, HIDDEN, REJECTED = "published", "hidden", "rejected"


@dataclass(frozen=True, slots=True)
class DatasetFacts:
    """What distributions and links need to know of a published dataset."""

    licence: Licence
    page: str | None
    hvd: bool


@dataclass(slots=True)
class MappedRecord:
    """One mapped row."""

    kind: str
    id: str
    graph: str
    text: bytes
    hash: int
    issues: list[Issue]
    status: str = PUBLISHED
    """``published``, ``hidden`` (private, deleted, of a hidden dataset) or ``rejected``."""
    agent: tuple[str, str, str, str] | None = None
    """Datasets, reuses, data services: (organization id, organization name, owner id, owner
    name); the coordinator derives the agent records they point to."""
    facts: DatasetFacts | None = None
    modified: str | None = None
    line: int = 0
    extent: tuple[str, int, int] | None = None
    """Where a worker wrote ``text`` (part file name, offset, length) before dropping it."""


@dataclass(slots=True)
class WorkerState:
    """Per-process inputs: the mapping context and the published datasets' facts."""

    context: MappingContext
    datasets: dict[str, DatasetFacts] = field(default_factory=dict)
    hidden_datasets: frozenset[str] = frozenset()
    published_datasets: Container[str] = frozenset()
    """Dataset ids that reuses and data services may link to."""


_STATE: list[WorkerState] = []


def set_state(state: WorkerState) -> None:
    """Use ``state`` for in-process mapping."""
    _STATE[:] = [state]


CSV_READERS: dict[str, ModuleType] = {
    reader.KIND: reader
    for reader in (datasets_csv, resources_csv, organizations_csv, reuses_csv, dataservices_csv)
}


def map_batch(kind: str, file: str, index: dict[str, int],
              rows: list[CsvRow]) -> list[MappedRecord]:
    """Map a batch of rows of one CSV file of ``kind`` with the current process's state."""
    state = _STATE[0]
    reader = CSV_READERS[kind]
    out: list[MappedRecord] = []
    for row in rows:
        issues = RowIssues(file, row.line)
        record = reader.parse_row(RowView(index, row.fields), SourceRef(file, row.line), issues)
        mapped = map_record(record, state, issues) if record is not None else None
        if mapped is None:
            mapped = MappedRecord(reader.KIND, issues.record_id, "", b"", 0, issues.issues,
                                  status=REJECTED)
        mapped.line = row.line
        out.append(mapped)
    return out


def map_record(record: object, state: WorkerState, issues: RowIssues) -> MappedRecord | None:
    """Map one parsed record; ``None`` when it must not be published (reported)."""
    ctx = state.context
    if isinstance(record, DatasetRecord):
        return _dataset(record, ctx, issues)
    if isinstance(record, ResourceRecord):
        return _resource(record, state, issues)
    if isinstance(record, OrganizationRecord):
        writer = map_organization(record, ctx)
        return _mapped("organizations", record.id, writer, issues)
    if isinstance(record, ReuseRecord):
        if record.private or record.deleted:
            return _hidden("reuses", record.id, issues)
        writer = map_reuse(record, ctx, state.published_datasets, issues)
        mapped = _mapped("reuses", record.id, writer, issues)
        mapped.agent = (record.organization_id, record.organization_name, record.owner_id,
                        record.owner_name)
        return mapped
    if isinstance(record, DataserviceRecord):
        if record.private or record.deleted:
            return _hidden("dataservices", record.id, issues)
        writer = map_dataservice(record, ctx, state.published_datasets, issues)
        mapped = _mapped("dataservices", record.id, writer, issues)
        mapped.agent = (record.organization_id, record.organization_name, record.owner_id,
                        record.owner_name)
        return mapped
    raise TypeError(f"no mapping for {type(record).__name__}")


def _hidden(kind: str, record_id: str, issues: RowIssues) -> MappedRecord:
    return MappedRecord(kind, record_id, "", b"", 0, issues.issues, status=HIDDEN)


def _mapped(kind: str, record_id: str, writer: GraphWriter, issues: RowIssues) -> MappedRecord:
    data = writer.text().encode("utf-8")
    return MappedRecord(kind, record_id, writer.graph_iri, data, content_hash(data),
                        issues.issues)


def _dataset(record: DatasetRecord, ctx: MappingContext, issues: RowIssues) -> MappedRecord:
    if record.hidden:
        return MappedRecord("datasets", record.id, ctx.iris.dataset(record.id), b"", 0,
                            issues.issues, status=HIDDEN)
    writer = map_dataset(record, ctx, issues)
    licence = resolve_licence(record.license, ctx.alignments, "license", None)
    category = hvd_category(record.tags, record.is_hvd, ctx, None,
                            resources=record.resources_count)
    facts = DatasetFacts(licence, record.page, category is not None)
    for resource in record.resources:
        map_distribution(resource, writer, dataset_iri=writer.graph_iri,
                         dataset_page=record.page, licence=licence, hvd=facts.hvd,
                         ctx=ctx, issues=issues)
    mapped = _mapped("datasets", record.id, writer, issues)
    mapped.agent = (record.organization_id, record.organization_name, record.owner_id,
                    record.owner_name)
    mapped.facts = facts
    mapped.modified = record.last_modified
    return mapped


def _resource(record: ResourceRecord, state: WorkerState,
              issues: RowIssues) -> MappedRecord | None:
    facts = state.datasets.get(record.dataset_id)
    if facts is None and record.dataset_id not in state.hidden_datasets \
            and not record.dataset_private:
        issues.reject("dataset.id", f"dataset {record.dataset_id!r} is not in this load")
        return None
    if facts is None or record.dataset_private:
        return _hidden("resources", record.id, issues)
    ctx = state.context
    dataset_iri = ctx.iris.dataset(record.dataset_id)
    writer = GraphWriter(dataset_iri)
    map_distribution(record, writer, dataset_iri=dataset_iri, dataset_page=facts.page,
                     licence=facts.licence, hvd=facts.hvd, ctx=ctx, issues=issues)
    return _mapped("resources", record.id, writer, issues)
