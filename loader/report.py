"""The load report: what was read, published, rejected or repaired, and where.

Every problem found in a source becomes an :class:`Issue` naming the file, the line, the
column and the reason, so that nothing is dropped silently.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    """How bad an issue is: ``rejected`` rows are left out, ``warning`` fields are repaired."""

    REJECTED = "rejected"
    WARNING = "warning"
    INVALID = "invalid"
    """Published with SHACL violations (``--on-invalid keep``)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a source, pinned to a file, line and column."""

    file: str
    line: int
    column: str
    reason: str
    severity: Severity = Severity.WARNING
    record_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" [{self.column}]" if self.column else ""
        record = f" (record {self.record_id})" if self.record_id else ""
        return f"{where}{column}{record}: {self.severity}: {self.reason}"


class SourceError(Exception):
    """A whole source is unusable (wrong file, unreadable gzip, unknown header...).

    The message is one line naming the file; a load that meets it publishes nothing.
    """


@dataclass(slots=True)
class LoadReport:
    """Counts per entity kind and every issue met while loading."""

    sources: list[str] = field(default_factory=list)
    rows_read: Counter[str] = field(default_factory=Counter)
    published: Counter[str] = field(default_factory=Counter)
    hidden: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    quads: int = 0
    generation: str = ""
    mode: str = "snapshot"
    validation: dict[str, Any] = field(default_factory=dict)
    """The SHACL gate's summary (shapes, policy, counts per severity, seconds)."""
    quality: dict[str, Any] = field(default_factory=dict)
    """The catalogue's quality totals when quality was measured (score, rating, top fixes)."""
    harvests: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each stage of the load (mapping and loading, gate, quality...); the
    report stored with the generation is written during publication, so it lacks that one."""
    """Per harvested RDF source: location, provenance graph, time, pages, records per kind,
    notes (loops, repeated records, nodes that could not be records)."""

    def add(self, issue: Issue) -> None:
        """Record one issue."""
        self.issues.append(issue)

    def extend(self, issues: list[Issue]) -> None:
        """Record several issues."""
        self.issues.extend(issues)

    @property
    def rejected(self) -> list[Issue]:
        """The issues that left a row out."""
        return [issue for issue in self.issues if issue.severity is Severity.REJECTED]

    def summary(self) -> str:
        """A few human lines: counts per kind, issue totals."""
        kinds = sorted(set(self.rows_read) | set(self.published))
        lines = [f"generation {self.generation} ({self.mode}), {self.quads:,} quads"]
        for kind in kinds:
            extra = []
            if self.hidden[kind]:
                extra.append(f"{self.hidden[kind]:,} hidden")
            if self.removed[kind]:
                extra.append(f"{self.removed[kind]:,} removed")
            suffix = f" ({', '.join(extra)})" if extra else ""
            lines.append(
                f"  {kind}: {self.rows_read[kind]:,} read, {self.published[kind]:,} published"
                + suffix
            )
        for harvest in self.harvests:
            records = ", ".join(f"{n:,} {kind}" for kind, n in sorted(harvest["records"].items()))
            lines.append(f"  harvested {harvest['source']}: {len(harvest['pages']):,} pages, "
                         f"{records or 'no records'}")
        rejected = len(self.rejected)
        lines.append(f"  {rejected:,} rows rejected, {len(self.issues) - rejected:,} warnings")
        if self.validation.get("counts") is not None:
            counts = ", ".join(f"{n:,} {name}" for name, n in self.validation["counts"].items())
            verdict = "conforms" if self.validation["conforms"] else "does not conform"
            lines.append(f"  SHACL ({self.validation['shapes']}): {verdict}; {counts} "
                         f"({self.validation['seconds']} s)")
        if self.seconds:
            lines.append("  seconds: " + ", ".join(f"{stage} {seconds:,.1f}"
                                                   for stage, seconds in self.seconds.items()))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "generation": self.generation,
            "mode": self.mode,
            "sources": self.sources,
            "quads": self.quads,
            "rows_read": dict(self.rows_read),
            "published": dict(self.published),
            "hidden": dict(self.hidden),
            "removed": dict(self.removed),
            "validation": self.validation,
            "harvests": self.harvests,
            "quality": self.quality,
            "seconds": self.seconds,
            "issues": [asdict(issue) for issue in self.issues],
        }

    def timed(self, stage: str, started: float) -> float:
        """Note that ``stage`` ran from ``started`` (``time.monotonic()``) until now; returns
        now, the start of the next stage."""
        now = time.monotonic()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - started, 2)
        return now

    def write(self, path: Path) -> None:
        """Write the report as JSON (issues included) to ``path``."""
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), "utf-8")
