"""Coordinating a load's mapping: sources in dependency order, checks across records.

The coordinator reads sources (CSV in parallel batches, API pages in-process), accepts each
mapped record once (duplicates rejected with a pointer to the first), hands N-Quads to a
:class:`GraphSink`, and keeps each record graph's kind and content hash. At the end it adds the
records nobody exported but everybody references (organisations and owners named by datasets),
the thematic catalogues and the root catalogue.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from tqdm import tqdm

from loader.batching import batched_list
from loader.generations import GraphEntry
from loader.mapping.catalog import map_catalog, map_theme
from loader.mapping.context import MappingContext
from loader.mapping.nquads import HASH_MODULUS, GraphWriter, content_hash
from loader.mapping.organization import map_organization, map_user
from loader.mapping.provenance import map_source, source_graph
from loader.parts import PartLoader
from loader.readers import api_json
from loader.readers.csvsource import CsvRow, CsvSource
from loader.readers.dcat_rdf import Harvest, read_catalogue
from loader.readers.fields import RowIssues
from loader.records import OrganizationRecord, SourceRef, UserRecord
from loader.report import Issue, LoadReport, Severity, SourceError
from loader.sources import Source
from loader.workerpool import map_in_workers
from loader.workers import (
    HIDDEN,
    PUBLISHED,
    DatasetFacts,
    MappedRecord,
    WorkerState,
    map_batch,
    map_record,
    set_state,
)

BATCH_ROWS = 400
BATCH_ROWS_PARALLEL = 1000
PARALLEL_MIN_BYTES = 4 << 20
"""Smaller files are mapped in-process: starting workers would cost more than it saves."""


class QuadTarget(Protocol):
    """Where mapped N-Quads go: written by this process, or streamed by workers."""

    def write(self, graph: str, data: bytes) -> None:
        """Add a block of N-Quads belonging to record graph ``graph``."""

    def locate(self, graph: str, extent: tuple[str, int, int]) -> None:
        """Note a block of ``graph`` that a worker wrote into a part file (name, offset,
        length)."""

    def part_loader(self) -> AbstractContextManager[PartLoader] | None:
        """A loader for part files written by worker processes, or ``None`` if unsupported."""


@dataclass(slots=True)
class PublishedDatasets:
    """Dataset ids a link may point to: those of this load, plus (``--update``) the kept ones."""

    mapped: dict[str, DatasetFacts]
    kept: frozenset[str] = frozenset()
    removed: set[str] = field(default_factory=set)

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self.mapped or (dataset_id in self.kept
                                             and dataset_id not in self.removed)


class Coordinator:
    """Runs the mapping of one load (see module docstring)."""

    def __init__(self, ctx: MappingContext, report: LoadReport, target: QuadTarget,
                 *, workers: int, progress: bool,
                 parent_graphs: dict[str, GraphEntry] | None = None) -> None:
        self.ctx = ctx
        self.report = report
        self.target = target
        self.workers = workers
        self.progress = progress
        self.parent_graphs = parent_graphs
        self.graphs: dict[str, GraphEntry] = {}
        self.removed_graphs: set[str] = set()
        self.dataset_facts: dict[str, DatasetFacts] = {}
        self.hidden_datasets: set[str] = set()
        self.organizations: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.seen: dict[str, dict[str, str]] = defaultdict(dict)
        self.latest_modified: str | None = None
        kept: frozenset[str] = frozenset()
        if parent_graphs is not None:
            prefix = f"{ctx.iris.base}/datasets/"
            kept = frozenset(iri[len(prefix):] for iri, entry in parent_graphs.items()
                             if entry.kind == "datasets" and iri.startswith(prefix))
        self.published = PublishedDatasets(self.dataset_facts, kept, set())

    # -- sources ---------------------------------------------------------------------------

    def run(self, sources: list[Source]) -> None:
        """Map every source, in dependency order, then the derived records."""
        for source in sorted(sources, key=lambda item: item.order):
            self.report.sources.append(source.location)
            if source.format == "api":
                self._run_api(source)
            elif source.format == "rdf":
                self._run_rdf(source)
            else:
                self._run_csv(source)
        self._finish()
        # Workers answer in any order: sort so the report reads (and diffs) deterministically.
        self.report.issues.sort(key=lambda issue: (issue.file, issue.line, issue.column))

    def _state(self) -> WorkerState:
        return WorkerState(self.ctx, self.dataset_facts, frozenset(self.hidden_datasets),
                           self.published)

    def _run_csv(self, source: Source) -> None:
        csv_source = CsvSource(source.path)
        file = csv_source.name
        read_issues: list[Issue] = []
        parallel = self.workers > 1 and source.path.stat().st_size >= PARALLEL_MIN_BYTES
        loader = self.target.part_loader() if parallel else None
        try:
            rows = self._unique_rows(source.kind, csv_source, read_issues)
            with tqdm(desc=f"{source.kind} {source.path.name}", unit=" rows",
                      disable=not self.progress, unit_scale=True) as bar:

                def accept(batch: list[MappedRecord]) -> None:
                    for mapped in batch:
                        self._accept(mapped)
                    bar.update(len(batch))
                    self._count_rejected(source.kind, read_issues)

                batch_rows = BATCH_ROWS_PARALLEL if loader is not None else BATCH_ROWS
                jobs = ((source.kind, file, csv_source.index, batch)
                        for batch in batched_list(rows, batch_rows))
                if loader is None:
                    set_state(self._state())
                    for job in jobs:
                        accept(map_batch(*job))
                else:
                    with loader as parts:
                        map_in_workers(self._state(), self.workers, parts, jobs, accept)
            self._count_rejected(source.kind, read_issues)
        finally:
            csv_source.close()

    def _unique_rows(self, kind: str, source: CsvSource,
                     issues: list[Issue]) -> Iterator[CsvRow]:
        """Rows whose id was not seen before (a repeated id is rejected, pointing at the first)."""
        position = source.index.get("id")
        for row in source.rows(issues):
            identifier = row.fields[position].strip() if position is not None else ""
            if not identifier or self._first_occurrence(kind, identifier, source.name,
                                                        row.line, issues):
                yield row

    def _first_occurrence(self, kind: str, identifier: str, file: str, line: int,
                          issues: list[Issue]) -> bool:
        """Remember where ``identifier`` first appeared; a repeat is rejected, pointing there."""
        seen = self.seen[kind]
        first = seen.get(identifier)
        if first is not None:
            issues.append(Issue(file, line, "id", f"duplicate {kind} id, first seen at {first}",
                                Severity.REJECTED, identifier))
            return False
        seen[identifier] = f"{file}:{line}"
        return True

    def _count_rejected(self, kind: str, issues: list[Issue]) -> None:
        for issue in issues:
            if issue.severity is Severity.REJECTED:
                self.report.rows_read[kind] += 1
        self.report.extend(issues)
        issues.clear()

    def _run_api(self, source: Source) -> None:
        state = self._state()
        read_issues: list[Issue] = []
        for record in api_json.read_datasets(source.path, read_issues):
            if not self._first_occurrence("datasets", record.id, record.source.file,
                                          record.source.line, read_issues):
                continue
            issues = RowIssues(record.source.file, record.source.line, record.id)
            mapped = map_record(record, state, issues)
            if mapped is not None:
                mapped.line = record.source.line
                self._accept(mapped)
                self.report.rows_read["resources"] += len(record.resources)
                if mapped.status == PUBLISHED:
                    self.report.published["resources"] += len(record.resources)
        self._count_rejected("datasets", read_issues)

    def _run_rdf(self, source: Source) -> None:
        """Harvest a DCAT catalogue: each record in the graph of its own IRI, and the source's
        provenance graph (kind ``sources``)."""
        location = source.location
        harvest = Harvest(location)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        members: list[str] = []
        counts: Counter[str] = Counter()
        records = tqdm(read_catalogue(location, harvest), desc=f"harvest {location}",
                       unit=" records", disable=not self.progress)
        for record in records:
            self.report.rows_read[record.kind] += 1
            if record.iri in self.graphs:
                self.report.add(Issue(location, 0, "", f"record {record.iri} is already "
                                      "given by another source of this load",
                                      Severity.REJECTED, record.iri))
                continue
            self._add(record.iri, record.kind, record.data, content_hash(record.data))
            self.report.published[record.kind] += 1
            counts[record.kind] += 1
            members.append(record.iri)
        graph = source_graph(self.ctx.iris.base, location)
        if graph in self.graphs:
            raise SourceError(f"{location}: given twice")
        self._add_writer(map_source(self.ctx.iris.base, location, bool(source.url),
                                    harvest.pages, members), "sources")
        for note in harvest.notes:
            self.report.add(Issue(location, 0, "", note))
        self.report.harvests.append({
            "source": location, "graph": graph, "harvested_at": started,
            "pages": harvest.pages, "records": dict(counts), "notes": harvest.notes})

    # -- records ---------------------------------------------------------------------------

    def _accept(self, mapped: MappedRecord) -> None:
        kind = mapped.kind
        self.report.rows_read[kind] += 1
        self.report.extend(mapped.issues)
        if mapped.status == HIDDEN:
            self.report.hidden[kind] += 1
            self._hide(mapped)
            return
        if mapped.status != PUBLISHED:
            return
        self.report.published[kind] += 1
        graph_kind = "datasets" if kind == "resources" else kind
        self._add(mapped.graph, graph_kind, mapped.text, mapped.hash, mapped.extent)
        if kind == "datasets":
            self._note_dataset(mapped)
        elif mapped.agent is not None:
            self._note_agent(mapped.agent)

    def _hide(self, mapped: MappedRecord) -> None:
        if mapped.kind == "datasets":
            self.hidden_datasets.add(mapped.id)
            self.published.removed.add(mapped.id)
        if mapped.graph and self.parent_graphs is not None and mapped.graph in self.parent_graphs:
            self.removed_graphs.add(mapped.graph)
            self.report.removed[mapped.kind] += 1

    def _note_dataset(self, mapped: MappedRecord) -> None:
        assert mapped.facts is not None
        assert mapped.agent is not None
        self.dataset_facts[mapped.id] = mapped.facts
        self._note_agent(mapped.agent)
        if mapped.modified and (self.latest_modified is None
                                or mapped.modified > self.latest_modified):
            self.latest_modified = mapped.modified

    def _note_agent(self, agent: tuple[str, str, str, str]) -> None:
        """Remember the organisation or user a record names, to publish it if no export does."""
        organization_id, organization_name, owner_id, owner_name = agent
        if organization_id:
            self.organizations.setdefault(organization_id, organization_name or organization_id)
        elif owner_id:
            self.users.setdefault(owner_id, owner_name or owner_id)

    def _add(self, graph: str, kind: str, data: bytes, digest: int,
             extent: tuple[str, int, int] | None = None) -> None:
        if data:
            self.target.write(graph, data)
        elif extent is not None:
            self.target.locate(graph, extent)
        entry = self.graphs.get(graph)
        total = digest if entry is None else (entry.hash + digest) % HASH_MODULUS
        self.graphs[graph] = GraphEntry(kind, total)

    def _add_writer(self, writer: GraphWriter, kind: str) -> None:
        data = writer.text().encode("utf-8")
        self._add(writer.graph_iri, kind, data, content_hash(data))
        self.report.published[kind] += 1

    # -- derived records -------------------------------------------------------------------

    def _exists(self, graph: str) -> bool:
        return graph in self.graphs or (self.parent_graphs is not None
                                        and graph in self.parent_graphs
                                        and graph not in self.removed_graphs)

    def _finish(self) -> None:
        iris = self.ctx.iris
        for organization_id, name in sorted(self.organizations.items()):
            if not self._exists(iris.organization(organization_id)):
                record = OrganizationRecord(organization_id, name, SourceRef("", 0))
                self._add_writer(map_organization(record, self.ctx), "organizations")
        for user_id, name in sorted(self.users.items()):
            if not self._exists(iris.user(user_id)):
                self._add_writer(map_user(UserRecord(user_id, name, SourceRef("", 0)),
                                          self.ctx), "users")
        for theme in self.ctx.themes.themes:
            self._add_writer(map_theme(theme, self.ctx), "themes")
        own_licences = {licence.iri: licence.label
                        for licence in self.ctx.alignments.licences.values()
                        if licence.iri and not licence.is_eu_concept}
        self._add_writer(map_catalog(self.ctx, self.latest_modified, own_licences), "catalog")


def default_workers() -> int:
    """One mapping worker per core."""
    return max(1, len(os.sched_getaffinity(0)))

