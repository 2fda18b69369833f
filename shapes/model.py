"""The SHACL shapes ldcat's validator understands, as plain immutable data.

:mod:`shapes.parse` builds these from a shapes graph; :mod:`shapes.compile` turns them into
SPARQL. Terms are kept as SPARQL text (``<iri>``, ``"lit"@fr``) because that is all the
compiler needs; IRIs of shapes and components are plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar


class NodeKind(Enum):
    """The six values of ``sh:nodeKind``."""

    IRI = "IRI"
    BLANK_NODE = "BlankNode"
    LITERAL = "Literal"
    BLANK_NODE_OR_IRI = "BlankNodeOrIRI"
    BLANK_NODE_OR_LITERAL = "BlankNodeOrLiteral"
    IRI_OR_LITERAL = "IRIOrLiteral"


@dataclass(frozen=True)
class Path:
    """A SHACL property path.

    ``sparql`` is the path in SPARQL property-path syntax; ``predicate`` is set when the path
    is a single IRI; ``unbounded`` when it uses ``*``, ``+`` or ``?`` (its values cannot be
    enumerated without a subject).
    """

    sparql: str
    predicate: str | None = None
    unbounded: bool = False


@dataclass(frozen=True)
class Target:
    """One target declaration: ``kind`` is ``class``, ``node``, ``subjectsOf``, ``objectsOf``."""

    kind: str
    term: str
    """SPARQL text of the class, node or property."""


# --- constraints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """Base of all constraints; ``component`` is the local name of the constraint component."""

    COMPONENT: ClassVar[str] = ""

    @property
    def component(self) -> str:
        return self.COMPONENT


@dataclass(frozen=True)
class ClassConstraint(Constraint):
    cls: str  # IRI
    COMPONENT: ClassVar[str] = "ClassConstraintComponent"


@dataclass(frozen=True)
class DatatypeConstraint(Constraint):
    datatype: str  # IRI
    COMPONENT: ClassVar[str] = "DatatypeConstraintComponent"


@dataclass(frozen=True)
class NodeKindConstraint(Constraint):
    kind: NodeKind
    COMPONENT: ClassVar[str] = "NodeKindConstraintComponent"


@dataclass(frozen=True)
class MinCountConstraint(Constraint):
    count: int
    COMPONENT: ClassVar[str] = "MinCountConstraintComponent"


@dataclass(frozen=True)
class MaxCountConstraint(Constraint):
    count: int
    COMPONENT: ClassVar[str] = "MaxCountConstraintComponent"


@dataclass(frozen=True)
class InConstraint(Constraint):
    values: tuple[str, ...]  # SPARQL terms
    COMPONENT: ClassVar[str] = "InConstraintComponent"


@dataclass(frozen=True)
class HasValueConstraint(Constraint):
    value: str  # SPARQL term
    COMPONENT: ClassVar[str] = "HasValueConstraintComponent"


@dataclass(frozen=True)
class PatternConstraint(Constraint):
    pattern: str
    flags: str = ""
    COMPONENT: ClassVar[str] = "PatternConstraintComponent"


@dataclass(frozen=True)
class MinLengthConstraint(Constraint):
    length: int
    COMPONENT: ClassVar[str] = "MinLengthConstraintComponent"


@dataclass(frozen=True)
class MaxLengthConstraint(Constraint):
    length: int
    COMPONENT: ClassVar[str] = "MaxLengthConstraintComponent"


@dataclass(frozen=True)
class LanguageInConstraint(Constraint):
    languages: tuple[str, ...]
    COMPONENT: ClassVar[str] = "LanguageInConstraintComponent"


@dataclass(frozen=True)
class UniqueLangConstraint(Constraint):
    COMPONENT: ClassVar[str] = "UniqueLangConstraintComponent"


@dataclass(frozen=True)
class RangeConstraint(Constraint):
    """``sh:minInclusive`` / ``maxInclusive`` / ``minExclusive`` / ``maxExclusive``."""

    bound: str  # SPARQL literal
    operator: str  # the comparison a conforming value satisfies: >=, <=, >, <
    name: str  # e.g. "MinInclusive"

    @property
    def component(self) -> str:
        return f"{self.name}ConstraintComponent"


@dataclass(frozen=True)
class NodeConstraint(Constraint):
    shape: Shape
    COMPONENT: ClassVar[str] = "NodeConstraintComponent"


@dataclass(frozen=True)
class NotConstraint(Constraint):
    shape: Shape
    COMPONENT: ClassVar[str] = "NotConstraintComponent"


@dataclass(frozen=True)
class LogicalConstraint(Constraint):
    """``sh:and``, ``sh:or`` or ``sh:xone`` over a list of shapes."""

    operator: str  # "And", "Or", "Xone"
    shapes: tuple[Shape, ...]

    @property
    def component(self) -> str:
        return f"{self.operator}ConstraintComponent"


@dataclass(frozen=True)
class QualifiedConstraint(Constraint):
    """``sh:qualifiedValueShape`` with one of its bounds (one constraint per bound)."""

    shape: Shape
    count: int
    maximum: bool
    disjoint_from: tuple[Shape, ...] = ()

    @property
    def component(self) -> str:
        return "QualifiedMaxCountConstraintComponent" if self.maximum else \
            "QualifiedMinCountConstraintComponent"


@dataclass(frozen=True)
class ClosedConstraint(Constraint):
    allowed: tuple[str, ...]  # property IRIs
    COMPONENT: ClassVar[str] = "ClosedConstraintComponent"


@dataclass(frozen=True)
class SparqlConstraint(Constraint):
    """A SELECT-based constraint: ``select`` is its query (``$this`` written ``?this``, ``$PATH``
    replaced), ``where`` the body of its WHERE clause."""

    prefixes: tuple[tuple[str, str], ...]
    select: str
    where: str
    projects_value: bool
    projects_path: bool
    message: str | None = None
    COMPONENT: ClassVar[str] = "SPARQLConstraintComponent"


# --- shapes ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Shape:
    """A node shape (``path is None``) or a property shape.

    Compared by identity: two shapes with the same IRI are the same object (the parser
    memoises them).
    """

    name: str
    """The shape's IRI, or a readable label for a blank-node shape."""
    path: Path | None = None
    severity: str = "Violation"
    deactivated: bool = False
    message: str | None = None
    targets: tuple[Target, ...] = ()
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)

    def __hash__(self) -> int:
        return id(self)


@dataclass(frozen=True)
class ShapesGraph:
    """Every shape of a shapes graph; ``roots`` are those with targets (validated directly)."""

    shapes: tuple[Shape, ...]
    notices: tuple[str, ...] = ()
    """Things the parser ignored on purpose (e.g. ``sh:shape``, not a SHACL term)."""

    @property
    def roots(self) -> tuple[Shape, ...]:
        return tuple(shape for shape in self.shapes if shape.targets and not shape.deactivated)
