"""``ldcat load``: sources -> a new store generation, published atomically.

Two modes:

* **snapshot** (default): the new generation holds exactly the records of the given sources;
  a record missing from a new full export is gone from it.
* **update** (``update=True``): the new generation starts as a checkpoint of the current one
  (RocksDB hard links, not a record-by-record copy) and only the given records are replaced,
  added or, when the source marks them private or deleted, removed.

Either way nothing is visible until the whole generation is built, and a failure (unusable
source, crash, ``kill -9``) leaves the published generation serving, untouched.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from loader.background import BackgroundTask
from loader.coordinator import Coordinator, default_workers
from loader.gate import GateOptions, check_gate, run_gate
from loader.generations import QUALITY_KIND, Generation, GraphEntry, StoreLayout
from loader.mapping.context import MappingContext
from loader.mapping.iris import check_base_iri
from loader.mapping.nquads import HASH_MODULUS, content_hash
from loader.memory import release_free_memory
from loader.parts import PartLoader, part_loader
from loader.quality import QualityOptions, assess, publish_into, write_graphs
from loader.record_text import RecordText, RecordTextWriter
from loader.report import LoadReport, SourceError
from loader.search_index import SEARCH_SUFFIX, build_search_index
from loader.search_scan import SearchIndexCompanion
from loader.sources import Source, detect_source
from loader.statistics import compute_statistics, property_counts
from ontology.datatypes import restore_datatypes
from ontology.namespaces import DCAT

DEFAULT_BASE_IRI = "http://127.0.0.1:8000"
SEARCH_INDEX = "search.sqlite"
"""Built in the staging directory, published beside the generation (``gNNNNNN.search.sqlite``)."""
QUALITY_SUMMARY = "quality.json"
"""Published beside the generation (``gNNNNNN.quality.json``) when quality was measured."""


class Companion(Protocol):
    """A file published beside each generation, built from its records' text in a background
    process started once the gate is done, while the load measures quality and computes its
    statistics and search index (e.g. the rendered descriptions, :mod:`endpoint.prerendered`:
    the loader does not import readers). The text it reads holds the records, not the
    quality graphs, and the store it is prepared from holds no quality graphs yet."""

    name: str
    """What it is, for the load report's timings."""
    suffix: str
    """Its name beside the generation: ``gNNNNNN{suffix}``."""

    def prepare(self, store: Store, graphs: dict[str, GraphEntry], base_iri: str,
                parent: Generation | None) -> Callable[[Path, Path], float]:
        """Read what the file needs from the staging ``store`` (in the load's process) and
        return its builder, run in a forked process: ``(text_dir, target) -> seconds``.
        ``parent``: the published generation the load started from (its file may be reused)."""


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to load: base IRI, mode, parallelism, progress display."""

    base_iri: str | None = None
    """Public base IRI; by default the current generation's, else :data:`DEFAULT_BASE_IRI`."""
    update: bool = False
    workers: int = 0
    load_threads: int = 1
    """Concurrent bulk loads: each one more is faster and holds another load's memory."""
    progress: bool = False
    gate: GateOptions = field(default_factory=GateOptions)
    """The SHACL gate run before publication."""
    quality: QualityOptions | None = field(default_factory=QualityOptions)
    """Measure metadata quality (DQV in the store, totals beside it); ``None``: do not."""
    companions: tuple[Companion, ...] = ()
    """Files built beside the generation from its records' text (``ldcat load`` adds the
    rendered descriptions)."""


class _Companions:
    """The companions of one load, running in the background from the records' text."""

    def __init__(self, companions: Sequence[Companion], store: Store,
                 graphs: dict[str, GraphEntry], base_iri: str, parent: Generation | None,
                 text_dir: Path, staging: Path) -> None:
        self.tasks: list[tuple[Companion, Path, BackgroundTask[float]]] = []
        release_free_memory()  # what this process freed, the forks need not share
        try:
            for companion in companions:
                builder = companion.prepare(store, graphs, base_iri, parent)
                target = staging / f"companion{companion.suffix}"
                self.tasks.append((companion, target,
                                   BackgroundTask.start(partial(builder, text_dir, target))))
        except BaseException:
            self.cancel()
            raise

    def finish(self, report: LoadReport) -> dict[str, Path]:
        """Wait for every companion; the files to publish (by suffix)."""
        files: dict[str, Path] = {}
        started = time.monotonic()
        for companion, target, task in self.tasks:
            report.seconds[f"{companion.name} (background)"] = round(task.result(), 2)
            files[companion.suffix] = target
        if self.tasks:
            report.timed("waiting for the background", started)
        self.tasks = []
        return files

    def cancel(self) -> None:
        """Stop them all (the load failed)."""
        for _, _, task in self.tasks:
            task.cancel()
        self.tasks = []


class StoreTarget:
    """Bulk-loads mapped N-Quads into a fresh store: buffered from this process, or as part
    files written by workers (:func:`~loader.parts.part_loader`); keeps every record's text
    (:mod:`loader.record_text`)."""

    FLUSH_BYTES = 64 << 20

    def __init__(self, store: Store, folder: Path, load_threads: int = 1) -> None:
        self.store = store
        self.folder = folder
        self.load_threads = load_threads
        self.text = RecordTextWriter(folder / "text")
        self.buffer: list[bytes] = []
        self.buffered = 0

    def write(self, graph: str, data: bytes) -> None:
        """Buffer a block; bulk-load when the buffer is large."""
        self.text.append(graph, data)
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= self.FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Bulk-load what is buffered."""
        if self.buffer:
            self.store.bulk_load(b"".join(self.buffer), format=RdfFormat.N_QUADS)
            self.buffer.clear()
            self.buffered = 0

    def locate(self, graph: str, extent: tuple[str, int, int]) -> None:
        """Note a block a worker wrote (the part file is kept once loaded)."""
        self.text.locate(graph, *extent)

    def part_loader(self) -> AbstractContextManager[PartLoader]:
        """A loader thread for the part files worker processes write."""
        return part_loader(self.store, self.folder, self.load_threads, keep=self.text.adopt)


class GraphCollector:
    """Keeps N-Quads per graph, for replacing whole graphs in an update."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[bytes]] = {}

    def write(self, graph: str, data: bytes) -> None:
        """Append a block to its graph."""
        self.blocks.setdefault(graph, []).append(data)

    def locate(self, graph: str, extent: tuple[str, int, int]) -> None:
        """Never called: updates map in this process."""
        raise RuntimeError("an update maps in-process; no part files to locate")

    def part_loader(self) -> None:
        """Updates replace graph by graph, in this process."""
        return None


def load(paths: Sequence[Path | str], store_dir: Path, options: LoadOptions) -> LoadReport:
    """Load ``paths`` (files, directories, or http(s) URLs of DCAT catalogues) into a new
    generation of ``store_dir`` and publish it.

    Raises :class:`SourceError` (nothing published) when a source is unusable, and
    ``ValueError`` for a bad base IRI or an update without a published generation.
    """
    if options.base_iri is not None:
        check_base_iri(options.base_iri)
    if not paths:
        raise SourceError("no source given")
    sources = [detect_source(path) for path in paths]
    check_gate(options.gate)
    layout = StoreLayout(store_dir)
    with layout.lock():
        layout.clean_staging()
        parent = layout.current()
        base_iri = check_base_iri(options.base_iri or (parent.base_iri if parent else "")
                                  or DEFAULT_BASE_IRI)
        if options.update and parent is None:
            raise ValueError(f"{store_dir}: --update needs a published generation; "
                             "load a snapshot first")
        if options.update and parent is not None:
            return _update(sources, layout, parent, base_iri, options)
        return _snapshot(sources, layout, parent, base_iri, options)


def _manifest(report: LoadReport, base_iri: str, parent: Generation | None,
              coordinator: Coordinator) -> dict[str, object]:
    return {
        "base_iri": base_iri,
        "mode": report.mode,
        "parent": parent.id if parent else None,
        "sources": report.sources,
        "quads": report.quads,
        "published": dict(report.published),
        "latest_modified": coordinator.latest_modified,
        "quality": report.quality or None,
    }


def _snapshot(sources: list[Source], layout: StoreLayout, parent: Generation | None,
              base_iri: str, options: LoadOptions) -> LoadReport:
    report = LoadReport(mode="snapshot")
    generation_id = layout.next_id()
    staging = layout.staging_dir(generation_id)
    ctx = MappingContext.create(base_iri)
    background: _Companions | None = None
    try:
        store = Store(str(staging / "store"))
        target = StoreTarget(store, staging, options.load_threads)
        coordinator = Coordinator(ctx, report, target,
                                  workers=options.workers or default_workers(),
                                  progress=options.progress)
        started = time.monotonic()
        coordinator.run(sources)
        target.flush()
        started = report.timed("mapping and loading", started)
        coordinator.graphs = run_gate(store, coordinator.graphs, report, options.gate,
                                      ctx.iris.catalog, target.text)
        started = report.timed("gate", started)
        target.text.finish(coordinator.graphs, durable=False)  # the companions read it
        background = _Companions((SearchIndexCompanion(), *options.companions), store,
                                 coordinator.graphs, base_iri, parent, staging / "text", staging)
        started = report.timed("preparing the background", started)
        properties = property_counts(store)  # the records' (of the quality graphs: below)
        started = report.timed("statistics", started)
        files = _measure_quality(store, ctx.iris.catalog, base_iri, report, options, staging,
                                 coordinator.graphs, target.text, properties)
        store.flush()
        target.text.finish(coordinator.graphs)
        started = report.timed("quality", started)
        report.quads = len(store)
        statistics = compute_statistics(store, record_count(coordinator.graphs), properties)
        started = report.timed("statistics", started)
        files.update(background.finish(report))
        started = time.monotonic()
        del store, target
        report.generation = generation_id
        layout.publish(staging / "store", generation_id,
                       {**_manifest(report, base_iri, parent, coordinator),
                        "statistics": statistics},
                       coordinator.graphs, report.to_json(), text=staging / "text",
                       files=files)
        report.timed("publication", started)
        staging.rmdir()
    except BaseException:
        if background is not None:
            background.cancel()
        layout.clean_staging()
        raise
    return report


def record_count(graphs: dict[str, GraphEntry]) -> int:
    """The number of record graphs among a generation's graphs (quality graphs are not)."""
    return sum(1 for entry in graphs.values() if entry.kind != QUALITY_KIND)


def _drop_quality(store: Store, graphs: dict[str, GraphEntry]) -> None:
    """Remove a parent's quality graphs (replaced, or gone with ``--no-quality``)."""
    for graph in [iri for iri, entry in graphs.items() if entry.kind == QUALITY_KIND]:
        del graphs[graph]
        store.remove_graph(NamedNode(graph))


def _measure_quality(store: Store, catalog_iri: str, base_iri: str, report: LoadReport,
                     options: LoadOptions, staging: Path, graphs: dict[str, GraphEntry],
                     text: RecordTextWriter | None,
                     properties: Counter[str]) -> dict[str, Path]:
    """Measure quality when asked (from the records' ``text`` when there is one): DQV into
    ``store``, ``graphs`` and ``text`` (written once to a file that is bulk-loaded, then kept
    as part of the text), its triples per property added to ``properties`` (those of the
    records: the caller counted them before), the totals in ``report.quality``; returns the
    file to publish beside the generation."""
    _drop_quality(store, graphs)
    if options.quality is None:
        return {}
    validated = "skipped" not in report.validation
    invalid = report.validation.get("invalid_records", []) if validated else None
    blocks = text.blocks(list(graphs)) if text is not None else None
    assessment = assess(store, base_iri, catalog_iri, invalid, options.quality, text=blocks)
    part = staging / f"quality-{uuid.uuid4().hex}.nq"  # a name no inherited text file has
    written = write_graphs(assessment, part)
    publish_into(store, part)
    properties.update(assessment.predicate_counts())
    graphs.update((found.graph, found.entry()) for found in written)
    if text is not None:
        for found in written:
            text.locate(found.graph, part.name, found.offset, found.length)
        text.adopt(part)
    else:
        part.unlink()
    catalogue = assessment.summary["catalogue"]
    report.quality = {"score": catalogue["score"], "rating": catalogue["rating"],
                      "max_score": assessment.summary["max_score"],
                      "datasets": catalogue["datasets"],
                      "fixes": [fix["text"] for fix in catalogue["fixes"][:3]]}
    path = staging / QUALITY_SUMMARY
    path.write_text(json.dumps(assessment.summary, ensure_ascii=False, indent=1), "utf-8")
    return {f".{QUALITY_SUMMARY}": path}


def _carry_distributions(store: Store, ctx: MappingContext, collector: GraphCollector,
                         coordinator: Coordinator) -> None:
    """Keep the published distributions of datasets replaced by a load without resources
    (ldcat's own datasets only: a harvested record always comes with its distributions)."""
    resources_prefix = f"{ctx.iris.base}/resources/"
    datasets_prefix = f"{ctx.iris.base}/datasets/"
    distribution = NamedNode(DCAT.distribution)
    for graph, blocks in collector.blocks.items():
        entry = coordinator.graphs.get(graph)
        if entry is None or entry.kind != "datasets" or not graph.startswith(datasets_prefix):
            continue
        kept = restore_datatypes(
            quad for quad in store.quads_for_pattern(None, None, None, NamedNode(graph))
            if quad.predicate == distribution
            or str(quad.subject).startswith(f"<{resources_prefix}"))
        if kept:
            data = serialize(kept, format=RdfFormat.N_QUADS) or b""
            blocks.append(data)
            coordinator.graphs[graph] = GraphEntry(
                entry.kind, (entry.hash + content_hash(data)) % HASH_MODULUS)


def _update_text(layout: StoreLayout, parent: Generation, folder: Path,
                 graphs: dict[str, GraphEntry], collector: GraphCollector
                 ) -> RecordTextWriter | None:
    """The records' text of an update, to finish once the graphs are final: the parent's
    kept records (files hard-linked) and the replaced ones; ``None`` when the parent has no
    text (readers use the store)."""
    parent_text = RecordText.open(layout.text_dir(parent.id))
    if parent_text is None:
        return None
    try:
        writer = RecordTextWriter(folder)
        writer.inherit(parent_text, (graph for graph in graphs
                                     if graph not in collector.blocks))
        for graph, blocks in collector.blocks.items():
            writer.append(graph, b"".join(blocks))
    finally:
        parent_text.close()
    return writer


def _update(sources: list[Source], layout: StoreLayout, parent: Generation, base_iri: str,
            options: LoadOptions) -> LoadReport:
    if parent.base_iri and parent.base_iri != base_iri:
        raise ValueError(f"--update must keep the base IRI of generation {parent.id} "
                         f"({parent.base_iri}), not {base_iri}")
    report = LoadReport(mode="update")
    parent_graphs = layout.graphs(parent)
    generation_id = layout.next_id()
    staging = layout.staging_dir(generation_id)
    ctx = MappingContext.create(base_iri)
    collector = GraphCollector()
    coordinator = Coordinator(ctx, report, collector,
                              workers=options.workers or default_workers(),
                              progress=options.progress, parent_graphs=parent_graphs)
    coordinator.latest_modified = parent.manifest.get("latest_modified")
    background: _Companions | None = None
    try:
        started = time.monotonic()
        coordinator.run(sources)
        started = report.timed("mapping", started)
        Store.read_only(str(parent.path)).backup(str(staging / "store"))
        store = Store(str(staging / "store"))
        if not any(source.kind == "resources" or source.format == "api" for source in sources):
            _carry_distributions(store, ctx, collector, coordinator)
        for graph in coordinator.removed_graphs:
            store.remove_graph(NamedNode(graph))
        for graph, blocks in collector.blocks.items():
            node = NamedNode(graph)
            if store.contains_named_graph(node):
                store.remove_graph(node)
            store.load(b"".join(blocks), format=RdfFormat.N_QUADS)
        graphs = {iri: entry for iri, entry in parent_graphs.items()
                  if iri not in coordinator.removed_graphs}
        graphs.update(coordinator.graphs)
        _drop_quality(store, graphs)  # the parent's measurements: measured again below
        text = _update_text(layout, parent, staging / "text", graphs, collector)
        started = report.timed("loading", started)
        graphs = run_gate(store, graphs, report, options.gate, ctx.iris.catalog, text)
        started = report.timed("gate", started)
        if text is not None:  # without text, readers build every description per request
            text.finish(graphs, durable=False)  # the companions read it
            background = _Companions((SearchIndexCompanion(), *options.companions), store,
                                     graphs, base_iri, parent, staging / "text", staging)
            started = report.timed("preparing the background", started)
        properties = property_counts(store)  # the records' (of the quality graphs: below)
        started = report.timed("statistics", started)
        files = _measure_quality(store, ctx.iris.catalog, base_iri, report, options, staging,
                                 graphs, text, properties)
        if text is not None:
            text.finish(graphs)
        store.flush()
        started = report.timed("quality", started)
        report.quads = len(store)
        statistics = compute_statistics(store, record_count(graphs), properties)
        started = report.timed("statistics", started)
        if background is None:  # no text: the index is read from the store
            build_search_index(store, staging / SEARCH_INDEX, base_iri, graphs,
                               options.progress)
            files[SEARCH_SUFFIX] = staging / SEARCH_INDEX
            started = report.timed("search index", started)
        else:
            files.update(background.finish(report))
            started = time.monotonic()
        del store
        report.generation = generation_id
        layout.publish(staging / "store", generation_id,
                       {**_manifest(report, base_iri, parent, coordinator),
                        "statistics": statistics}, graphs, report.to_json(),
                       text=staging / "text" if text is not None else None,
                       files=files)
        report.timed("publication", started)
        staging.rmdir()
    except BaseException:
        if background is not None:
            background.cancel()
        layout.clean_staging()
        raise
    return report
