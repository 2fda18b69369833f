"""Validation results and the three forms of the report: text, Turtle and JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields

from pyoxigraph import RdfFormat, parse, serialize

from shapes.lexical import sparql_string

SH = "http://www.w3.org/ns/shacl#"
LDC = "https://w3id.org/ldcat/ns#"


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``; terms are in N-Triples syntax, the path in SPARQL syntax."""

    focus: str
    path: str | None
    component: str
    """Local name in the sh: namespace, e.g. ``MinCountConstraintComponent``."""
    severity: str
    """Local name: ``Violation``, ``Warning`` or ``Info``."""
    value: str | None
    shape: str
    message: str
    background: bool = False
    """The focus node is described only by the background vocabularies, not by the data."""

    def key(self) -> tuple[str, str | None, str, str]:
        """What two validators must agree on: (focus, path, component, severity)."""
        return (self.focus, self.path, self.component, self.severity)

    def __lt__(self, other: ValidationResult) -> bool:
        return self.order() < other.order()

    def order(self) -> tuple[str, ...]:
        """A total order for stable reports (``None`` sorts first)."""
        return (self.focus, self.path or "", self.component, self.severity, self.value or "",
                self.shape)


@dataclass
class ValidationReport:
    """Every result of one validation run, with what was validated against what."""

    shapes: str
    results: list[ValidationResult]
    checks: int = 0
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)
    slowest: list[str] = field(default_factory=list)
    """The slowest checks with their durations (for ``ldcat validate --profile``)."""
    tallied: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Own results counted but not listed, by (severity, constraint component): those of
    the severities a caller asked only to count (the load's gate, for Warnings)."""

    @property
    def own(self) -> list[ValidationResult]:
        return [r for r in self.results if not r.background]

    @property
    def conforms(self) -> bool:
        """No Violation on the data's own nodes."""
        return not any(r.severity == "Violation" for r in self.own)

    def counts(self) -> dict[str, int]:
        """Own results per severity, plus ``background`` (results on vocabulary nodes)."""
        counts = Counter(r.severity for r in self.own)
        for (severity, _), count in self.tallied.items():
            counts[severity] += count
        counts["background"] = len(self.results) - len(self.own)
        return dict(sorted(counts.items()))

    def to_text(self, limit: int | None = None) -> str:
        """A readable summary followed by the results grouped by severity."""
        counts = self.counts()
        verdict = "conforms" if self.conforms else "does NOT conform"
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        lines = [f"Shapes {self.shapes}: {verdict} ({summary}; {self.checks} checks, "
                 f"{self.seconds:.1f} s)"]
        lines.extend(f"note: {notice}" for notice in self.notices)
        shown = sorted(self.own, key=lambda r: (_SEVERITY_ORDER.get(r.severity, 9), r.order()))
        for result in shown[:limit]:
            where = f" {result.path}" if result.path else ""
            value = f" value={result.value}" if result.value else ""
            lines.append(f"{result.severity}: {result.focus}{where} [{result.component}]"
                         f"{value}: {result.message}")
        if limit is not None and len(shown) > limit:
            lines.append(f"... {len(shown) - limit} more")
        background = [r for r in self.results if r.background]
        if background:
            lines.append(f"{len(background)} results on background vocabulary nodes (not "
                         "counted), e.g.:")
            lines.extend(f"  {r.severity}: {r.focus} {r.path or ''} [{r.component}]"
                         for r in sorted(background, key=ValidationResult.order)[:5])
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        return json.dumps({"shapes": self.shapes, "conforms": self.conforms,
                           "counts": self.counts(), "checks": self.checks,
                           "seconds": round(self.seconds, 3), "notices": self.notices,
                           "results": [_as_dict(r) for r in self.results]},
                          ensure_ascii=False, indent=1)

    def to_turtle(self) -> str:
        """The report as an ``sh:ValidationReport`` in Turtle."""
        lines = ["_:report <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                 f"<{SH}ValidationReport> .",
                 f"_:report <{SH}conforms> {_boolean(self.conforms)} ."]
        for index, result in enumerate(self.results):
            node = f"_:r{index}"
            lines.append(f"_:report <{SH}result> {node} .")
            lines.append(f"{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                         f"<{SH}ValidationResult> .")
            lines.append(f"{node} <{SH}focusNode> {result.focus} .")
            lines.append(f"{node} <{SH}resultSeverity> <{SH}{result.severity}> .")
            lines.append(f"{node} <{SH}sourceConstraintComponent> <{SH}{result.component}> .")
            lines.append(f"{node} <{SH}resultMessage> {sparql_string(result.message)} .")
            if result.shape.startswith(("http://", "https://", "urn:")):
                lines.append(f"{node} <{SH}sourceShape> <{result.shape}> .")
            if result.value is not None:
                lines.append(f"{node} <{SH}value> {result.value} .")
            if result.path is not None:
                if result.path.startswith("<") and result.path.endswith(">") and \
                        " " not in result.path:
                    lines.append(f"{node} <{SH}resultPath> {result.path} .")
                else:
                    lines.append(f"{node} <{LDC}resultPathSparql> {sparql_string(result.path)} .")
            if result.background:
                lines.append(f"{node} <{LDC}onBackgroundNode> {_boolean(True)} .")
        quads = parse("\n".join(lines).encode(), format=RdfFormat.N_TRIPLES)
        output = serialize(quads, format=RdfFormat.TURTLE,
                           prefixes={"sh": SH, "ldc": LDC})
        assert output is not None
        return output.decode()


def _as_dict(result: ValidationResult) -> dict[str, object]:
    """``dataclasses.asdict`` without its deep copies (the fields are strings)."""
    return {name: getattr(result, name) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(ValidationResult))


def _boolean(value: bool) -> str:
    return f'"{str(value).lower()}"^^<http://www.w3.org/2001/XMLSchema#boolean>'


_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
