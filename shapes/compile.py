"""Compile SHACL shapes into SPARQL queries that find their violations.

For a shape ``S`` and a node ``x`` the compiler writes a graph pattern that has a solution
exactly when ``x`` does not conform to ``S`` (:meth:`Compiler.nonconforming`); nested shapes
(``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``, qualified value shapes) become
``EXISTS`` tests over those patterns. Every constraint of a shape with targets becomes one
:class:`Check`:

- a *value* check (the constraint looks at one value node at a time: class, datatype, nodeKind,
  in, pattern, lengths, languageIn, ranges, node, logical) on a bounded path first asks for the
  failing values of the path regardless of the focus node (one scan of the predicate, and the
  same query is shared by every shape using that path and constraint), and only when some fail
  looks up their focus nodes among the targets;
- ``sh:maxCount`` and ``sh:uniqueLang`` first find candidate subjects over the path alone;
- the others (minCount, hasValue, qualified counts, closed, SPARQL constraints) start from the
  targets.

SELECT-based SPARQL constraints run once per focus node with ``$this`` pre-bound (SPARQL
substitution), as SHACL specifies; they suit shapes with few focus nodes (ldcat's store rules
target the catalogues).

Literals whose datatype Oxigraph does not keep are judged by the datatype ldcat publishes
(:data:`ontology.datatypes.DECLARED_DATATYPES`), i.e. the graph as served, not as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shapes.lexical import XSD, sparql_string, well_formed
from shapes.model import (
    ClassConstraint,
    ClosedConstraint,
    Constraint,
    DatatypeConstraint,
    HasValueConstraint,
    InConstraint,
    LanguageInConstraint,
    LogicalConstraint,
    MaxCountConstraint,
    MaxLengthConstraint,
    MinCountConstraint,
    MinLengthConstraint,
    NodeConstraint,
    NodeKind,
    NodeKindConstraint,
    NotConstraint,
    Path,
    PatternConstraint,
    QualifiedConstraint,
    RangeConstraint,
    Shape,
    SparqlConstraint,
    Target,
    UniqueLangConstraint,
)
from shapes.parse import ShapesError

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LITERAL = "http://www.w3.org/2000/01/rdf-schema#Literal"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
FEW_TARGETS = 20_000
"""Below this many focus nodes, absence checks look each one up instead of a hash anti-join."""
MAX_PAIRWISE = 4
"""Counts up to this are written as distinct-value patterns (usable inside EXISTS)."""

ClassClosure = Callable[[str], Sequence[str]]
"""A class IRI -> itself and its subclasses (rdfs:subClassOf*) in the data graph."""

FOCUS = "?this"
VALUE = "?value"
PATH = "?path"

_NODE_KIND_TESTS = {
    NodeKind.IRI: "isIRI({v})",
    NodeKind.BLANK_NODE: "isBlank({v})",
    NodeKind.LITERAL: "isLiteral({v})",
    NodeKind.BLANK_NODE_OR_IRI: "(isIRI({v}) || isBlank({v}))",
    NodeKind.BLANK_NODE_OR_LITERAL: "(isBlank({v}) || isLiteral({v}))",
    NodeKind.IRI_OR_LITERAL: "(isIRI({v}) || isLiteral({v}))",
}
_VALUE_LEVEL = (ClassConstraint, DatatypeConstraint, NodeKindConstraint, InConstraint,
                PatternConstraint, MinLengthConstraint, MaxLengthConstraint,
                LanguageInConstraint, RangeConstraint, NodeConstraint, NotConstraint,
                LogicalConstraint)


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, applied to the focus nodes of one root shape.

    ``query`` finds the violations from the targets (``?this``, optional ``?value`` and
    ``?path``). When ``candidates`` is set it is run first: it selects the failing ``?value``
    (``candidate_var == "value"``) or the failing ``?this`` (``"focus"``) without the targets;
    :meth:`confirm` then turns the candidates into the final query.
    """

    shape: Shape
    constraint: Constraint
    root: Shape
    query: str
    candidates: str | None = None
    candidate_var: str = ""
    confirm_template: str = ""
    confirm_bulk: str = ""
    """The confirming query for many candidates: the candidate query, the path and the targets
    as subqueries, which Oxigraph joins by hashing (a VALUES block of thousands of terms, or a
    lookup per candidate, is far slower)."""
    per_focus: str | None = None
    """A SPARQL-based constraint's query, run once per focus node found by ``query`` with
    ``?this`` pre-bound (SEP-0007 substitution, as SHACL's pre-binding asks)."""


class Compiler:
    """Writes SPARQL for shapes; ``classes`` gives subclass closures, ``declared`` the
    property -> datatype pairs restored on the way out of the store."""

    def __init__(self, classes: ClassClosure, declared: dict[str, str] | None = None,
                 count: Callable[[str], int] | None = None) -> None:
        self.classes = classes
        self.declared = declared or {}
        self.count = count
        """Number of solutions of a pattern (to choose between join strategies)."""
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"?_v{self.counter}"

    # --- top level -------------------------------------------------------------------------

    def checks(self, root: Shape) -> list[Check]:
        """Every check of ``root`` (its own constraints and its property shapes')."""
        found = [self.check(root, root, c) for c in root.constraints]
        for prop in root.properties:
            if not prop.deactivated:
                found.extend(self.check(prop, root, c) for c in prop.constraints)
        return found

    def check(self, shape: Shape, root: Shape, constraint: Constraint) -> Check:
        self.counter = 0
        targets = self.targets(root.targets, FOCUS)
        path = shape.path
        if isinstance(constraint, _VALUE_LEVEL):
            if path is None:
                failure = self.value_failure(constraint, FOCUS, None, top_level=True)
                query = f"SELECT DISTINCT {FOCUS} WHERE {{ {targets} {failure} }}"
                return Check(shape, constraint, root, (query))
            failure = self.value_failure(constraint, VALUE, path, top_level=True)
            query = (f"SELECT DISTINCT {FOCUS} {VALUE} WHERE {{ {targets} "
                     f"{FOCUS} {path.sparql} {VALUE} . {failure} }}")
            if path.unbounded:
                return Check(shape, constraint, root, (query))
            # each distinct value is tested once, whichever subjects share it
            values = f"{{ SELECT DISTINCT {VALUE} WHERE {{ ?_s {path.sparql} {VALUE} }} }}"
            if isinstance(constraint, NodeConstraint | NotConstraint | LogicalConstraint) and \
                    not (isinstance(constraint, LogicalConstraint)
                         and constraint.operator == "Xone"):
                candidates = (f"SELECT DISTINCT {VALUE} WHERE "
                              f"{{ {self.failing_set(constraint, values)} }}")
            else:
                candidates = f"SELECT {VALUE} WHERE {{ {values} {failure} }}"
            confirm = (f"SELECT DISTINCT {FOCUS} {VALUE} WHERE {{ VALUES {VALUE} {{ #VALUES# }} "
                       f"{FOCUS} {path.sparql} {VALUE} . {targets} }}")
            bulk = (f"SELECT DISTINCT {FOCUS} {VALUE} WHERE {{ {{ {candidates} }} "
                    f"{{ SELECT {FOCUS} {VALUE} WHERE {{ {FOCUS} {path.sparql} {VALUE} }} }} "
                    f"{{ SELECT DISTINCT {FOCUS} WHERE {{ {targets} }} }} }}")
            return Check(shape, constraint, root, (query),
                         (candidates), "value", (confirm),
                         confirm_bulk=(bulk))
        if path is not None and isinstance(constraint, MinCountConstraint | HasValueConstraint):
            return self.absence_check(shape, root, constraint, targets, path)
        if path is not None and not path.unbounded and \
                isinstance(constraint, MaxCountConstraint):
            counted = self.fresh()
            candidates = (f"SELECT {FOCUS} WHERE {{ {FOCUS} {path.sparql} {counted} }} "
                          f"GROUP BY {FOCUS} HAVING (COUNT(DISTINCT {counted}) > "
                          f"{constraint.count})")
            query = f"SELECT DISTINCT {FOCUS} WHERE {{ {{ {candidates} }} {targets} }}"
            confirm = (f"SELECT DISTINCT {FOCUS} WHERE {{ VALUES {FOCUS} {{ #VALUES# }} "
                       f"{targets} }}")
            bulk = (f"SELECT DISTINCT {FOCUS} WHERE {{ {{ {candidates} }} "
                    f"{{ SELECT DISTINCT {FOCUS} WHERE {{ {targets} }} }} }}")
            return Check(shape, constraint, root, (query),
                         (candidates), "focus", (confirm),
                         confirm_bulk=(bulk))
        if isinstance(constraint, SparqlConstraint):
            prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in constraint.prefixes)
            query = f"SELECT DISTINCT {FOCUS} WHERE {{ {targets} }}"
            return Check(shape, constraint, root, (query),
                         per_focus=prefixes + constraint.select)
        failure = self.focus_failure(constraint, shape, FOCUS, top_level=True)
        projection = f"{FOCUS} {VALUE} {PATH}"
        query = f"SELECT DISTINCT {projection} WHERE {{ {targets} {failure} }}"
        if isinstance(constraint, UniqueLangConstraint) and \
                path is not None and not path.unbounded:
            candidates = f"SELECT DISTINCT {FOCUS} WHERE {{ {failure} }}"
            confirm = (f"SELECT DISTINCT {FOCUS} WHERE {{ VALUES {FOCUS} {{ #VALUES# }} "
                       f"{targets} }}")
            return Check(shape, constraint, root, (query),
                         (candidates), "focus", (confirm))
        return Check(shape, constraint, root, (query))

    def absence_check(self, shape: Shape, root: Shape,
                      constraint: MinCountConstraint | HasValueConstraint, targets: str,
                      path: Path) -> Check:
        """minCount / hasValue from the targets, as a hash anti-join (no per-node lookup)."""
        if isinstance(constraint, HasValueConstraint):
            present = f"{FOCUS} {path.sparql} {constraint.value}"
        elif constraint.count == 0:  # never fails
            return Check(shape, constraint, root, f"SELECT {FOCUS} WHERE {{ FILTER(false) }}")
        elif constraint.count == 1:
            present = f"{FOCUS} {path.sparql} {self.fresh()}"
        else:
            counted = self.fresh()
            present = (f"SELECT {FOCUS} WHERE {{ {FOCUS} {path.sparql} {counted} }} "
                       f"GROUP BY {FOCUS} HAVING (COUNT(DISTINCT {counted}) >= "
                       f"{constraint.count})")
        if self.count is not None and self.count(targets) < FEW_TARGETS:
            # few focus nodes: a lookup each beats hashing every statement of the path
            inner = present if present.startswith(FOCUS) else f"{{ {present} }}"
            query = f"SELECT DISTINCT {FOCUS} WHERE {{ {targets} FILTER NOT EXISTS {{ {inner} }} }}"
        else:
            query = f"SELECT DISTINCT {FOCUS} WHERE {{ {targets} MINUS {{ {present} }} }}"
        return Check(shape, constraint, root, (query))

    def targets(self, targets: Sequence[Target], focus: str) -> str:
        """A pattern binding ``focus`` to every target node."""
        branches: list[str] = []
        for target in targets:
            if target.kind == "class":
                branches.extend(f"{focus} {RDF_TYPE} <{cls}> ."
                                for cls in self.classes(target.term[1:-1]))
            elif target.kind == "node":
                branches.append(f"VALUES {focus} {{ {target.term} }}")
            elif target.kind == "subjectsOf":
                branches.append(f"{focus} {target.term} {self.fresh()} .")
            else:
                branches.append(f"{self.fresh()} {target.term} {focus} .")
        if not branches:
            return "FILTER(false)"
        return _union(branches)

    # --- sets of values (top level) -------------------------------------------------------

    def failing_set(self, c: NodeConstraint | NotConstraint | LogicalConstraint,
                    values: str) -> str:
        """A pattern binding ``?value`` to each of ``values`` (a subquery) failing ``c``,
        written with set operations (joins, MINUS, GROUP BY) rather than one EXISTS per
        value: Oxigraph evaluates those in well under a microsecond a row."""
        if isinstance(c, NodeConstraint):
            return self.nonconforming_set(c.shape, values)
        if isinstance(c, NotConstraint):
            inner = self.nonconforming_set(c.shape, values)
            return f"{values} MINUS {{ SELECT {VALUE} WHERE {{ {inner} }} }}"
        operands = [self.nonconforming_set(shape, values) for shape in c.shapes]
        if c.operator == "And":
            return _union(operands) if operands else f"{values} FILTER(false)"
        if not operands:  # sh:or () : nothing conforms
            return values
        return " ".join(f"{{ SELECT DISTINCT {VALUE} WHERE {{ {o} }} }}" for o in operands)

    def nonconforming_set(self, shape: Shape, values: str) -> str:
        """A pattern binding ``?value`` to each of ``values`` that does not conform to
        ``shape``."""
        if shape.deactivated:
            return f"{values} FILTER(false)"
        branches = [f"{values} {self._failure(shape, c, VALUE)}" for c in shape.constraints]
        for prop in shape.properties:
            if prop.deactivated or prop.path is None:
                continue
            p = prop.path.sparql
            for c in prop.constraints:
                if isinstance(c, MinCountConstraint) and c.count == 1:
                    branches.append(f"{values} MINUS {{ {VALUE} {p} {self.fresh()} }}")
                elif isinstance(c, HasValueConstraint):
                    branches.append(f"{values} MINUS {{ {VALUE} {p} {c.value} }}")
                elif isinstance(c, MaxCountConstraint) and not prop.path.unbounded:
                    x = self.fresh()
                    branches.append(f"{values} {{ SELECT {VALUE} WHERE {{ {VALUE} {p} {x} }} "
                                    f"GROUP BY {VALUE} HAVING (COUNT(DISTINCT {x}) > {c.count}) }}")
                elif isinstance(c, _VALUE_LEVEL):
                    y = self.fresh()
                    branches.append(f"{values} {VALUE} {p} {y} . "
                                    f"{self.value_failure(c, y, prop.path, top_level=True)}")
                else:
                    branches.append(f"{values} {self._failure(prop, c, VALUE)}")
        return _union(branches) if branches else f"{values} FILTER(false)"

    # --- value nodes one by one ------------------------------------------------------------

    def value_failure(self, c: Constraint, v: str, path: Path | None,
                      top_level: bool = False) -> str:
        """A pattern with a solution iff value node ``v`` (bound) fails ``c``.

        At the top level (``v`` bound in the same group) a class test is a MINUS: a hash
        anti-join, instead of one index lookup per value.
        """
        if isinstance(c, ClassConstraint) and top_level:
            classes = self.classes(c.cls)
            if len(classes) == 1:
                return f"MINUS {{ {v} {RDF_TYPE} <{classes[0]}> }}"
            t = self.fresh()
            listed = " ".join(f"<{cls}>" for cls in classes)
            return f"MINUS {{ VALUES {t} {{ {listed} }} {v} {RDF_TYPE} {t} }}"
        if isinstance(c, ClassConstraint):
            classes = self.classes(c.cls)
            if len(classes) == 1:
                return f"FILTER NOT EXISTS {{ {v} {RDF_TYPE} <{classes[0]}> }}"
            t = self.fresh()
            listed = " ".join(f"<{cls}>" for cls in classes)
            return f"FILTER NOT EXISTS {{ VALUES {t} {{ {listed} }} {v} {RDF_TYPE} {t} }}"
        if isinstance(c, DatatypeConstraint):
            return f"FILTER(!COALESCE({self.datatype_ok(c.datatype, v, path)}, false))"
        if isinstance(c, NodeKindConstraint):
            return f"FILTER(!{_NODE_KIND_TESTS[c.kind].format(v=v)})"
        if isinstance(c, InConstraint):
            members = " || ".join(f"sameTerm({v}, {m})" for m in c.values) or "false"
            return f"FILTER(!({members}))"
        if isinstance(c, PatternConstraint):
            flags = f", {sparql_string(c.flags)}" if c.flags else ""
            return (f"FILTER(!COALESCE(!isBlank({v}) && "
                    f"REGEX(STR({v}), {sparql_string(c.pattern)}{flags}), false))")
        if isinstance(c, MinLengthConstraint):
            return f"FILTER(!COALESCE(!isBlank({v}) && STRLEN(STR({v})) >= {c.length}, false))"
        if isinstance(c, MaxLengthConstraint):
            return f"FILTER(!COALESCE(!isBlank({v}) && STRLEN(STR({v})) <= {c.length}, false))"
        if isinstance(c, LanguageInConstraint):
            tests = " || ".join(f"langMatches(LANG({v}), {sparql_string(lang)})"
                                for lang in c.languages) or "false"
            return f"FILTER(!COALESCE(isLiteral({v}) && ({tests}), false))"
        if isinstance(c, RangeConstraint):
            return f"FILTER(!COALESCE({v} {c.operator} {c.bound}, false))"
        if isinstance(c, NodeConstraint):
            return f"FILTER EXISTS {{ {self.nonconforming(c.shape, v)} }}"
        if isinstance(c, NotConstraint):
            return f"FILTER NOT EXISTS {{ {self.nonconforming(c.shape, v)} }}"
        if isinstance(c, LogicalConstraint):
            fails = [f"EXISTS {{ {self.nonconforming(s, v)} }}" for s in c.shapes]
            if c.operator == "And":
                return f"FILTER({' || '.join(fails) or 'false'})"
            if c.operator == "Or":
                return f"FILTER({' && '.join(fails) or 'true'})"
            conforming = " + ".join(f"IF({f}, 0, 1)" for f in fails) or "0"
            return f"FILTER(({conforming}) != 1)"
        raise ShapesError(f"{type(c).__name__} is not a value-level constraint")

    def datatype_ok(self, datatype: str, v: str, path: Path | None) -> str:
        if datatype == RDFS_LITERAL:  # every literal, as pyshacl and Jena treat it
            return f"isLiteral({v})"
        if datatype == RDF_LANGSTRING:
            return f"isLiteral({v}) && LANG({v}) != \"\""
        actual = f"DATATYPE({v})"
        declared = self.declared.get(path.predicate) if path and path.predicate else None
        if declared is not None:
            actual = f"IF(DATATYPE({v}) = <{XSD}integer>, <{declared}>, DATATYPE({v}))"
        return f"isLiteral({v}) && {actual} = <{datatype}> && ({well_formed(v, datatype)})"

    # --- per focus node --------------------------------------------------------------------

    def values(self, shape: Shape, focus: str, v: str) -> str:
        """A pattern binding ``v`` to each value node of ``shape`` at ``focus``."""
        if shape.path is None:
            return f"BIND({focus} AS {v})"
        return f"{focus} {shape.path.sparql} {v} ."

    def distinct_values(self, shape: Shape, focus: str, count: int,
                        extra: Callable[[str], str] | None = None) -> str:
        """A pattern that has a solution iff ``focus`` has at least ``count`` distinct values
        (each satisfying the pattern ``extra(v)``)."""
        names = [self.fresh() for _ in range(count)]
        parts = [self.values(shape, focus, v) + (" " + extra(v) if extra else "")
                 for v in names]
        pairs = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:]]
        if pairs:
            parts.append(f"FILTER({' && '.join(pairs)})")
        return " ".join(parts)

    def focus_failure(self, c: Constraint, shape: Shape, focus: str,
                      top_level: bool = False) -> str:
        """A pattern with a solution iff ``focus`` (bound) violates ``c`` of ``shape``."""
        if isinstance(c, MinCountConstraint | MaxCountConstraint):
            minimum = isinstance(c, MinCountConstraint)
            needed = c.count if minimum else c.count + 1
            if needed == 0:
                return "FILTER(true)" if not minimum else "FILTER(false)"
            if needed > MAX_PAIRWISE:
                if not top_level or shape.path is None:
                    raise ShapesError(f"shape {shape.name}: {c.component} {c.count} is only "
                                      f"supported up to {MAX_PAIRWISE - 1} inside nested shapes")
                v, n = self.fresh(), self.fresh()
                test = f"{n} < {c.count}" if minimum else f"{n} > {c.count}"
                return (f"{{ SELECT {focus} (COUNT(DISTINCT {v}) AS {n}) WHERE {{ "
                        f"{focus} {shape.path.sparql} {v} }} GROUP BY {focus} }} "
                        f"FILTER({test})" if not minimum else
                        f"OPTIONAL {{ SELECT {focus} (COUNT(DISTINCT {v}) AS {n}) WHERE {{ "
                        f"{focus} {shape.path.sparql} {v} }} GROUP BY {focus} }} "
                        f"FILTER(!BOUND({n}) || {test})")
            pattern = self.distinct_values(shape, focus, needed)
            return f"FILTER NOT EXISTS {{ {pattern} }}" if minimum else pattern
        if isinstance(c, HasValueConstraint):
            if shape.path is None:
                return f"FILTER(!sameTerm({focus}, {c.value}))"
            return f"FILTER NOT EXISTS {{ {focus} {shape.path.sparql} {c.value} }}"
        if isinstance(c, UniqueLangConstraint):
            a, b = self.fresh(), self.fresh()
            return (f"{self.values(shape, focus, a)} {self.values(shape, focus, b)} "
                    f"FILTER(!sameTerm({a}, {b}) && isLiteral({a}) && isLiteral({b}) && "
                    f"LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b})))")
        if isinstance(c, QualifiedConstraint):
            return self.qualified_failure(c, shape, focus)
        if isinstance(c, ClosedConstraint):
            v = self.fresh() if shape.path is not None else focus
            allowed = ", ".join(f"<{p}>" for p in c.allowed)
            value, path = (VALUE, PATH) if top_level else (self.fresh(), self.fresh())
            test = f"FILTER({path} NOT IN ({allowed}))" if allowed else ""
            prefix = self.values(shape, focus, v) if shape.path is not None else ""
            return f"{prefix} {v} {path} {value} . {test}"
        if isinstance(c, SparqlConstraint):  # top-level ones are run per focus (check())
            raise ShapesError(f"shape {shape.name}: SPARQL-based constraints inside "
                              "sh:node/sh:or/... are not supported")
        raise ShapesError(f"shape {shape.name}: {c.component} is not supported")

    def qualified_failure(self, c: QualifiedConstraint, shape: Shape, focus: str) -> str:
        """Too many or too few values conforming to the qualified value shape."""

        def conforms(v: str) -> str:
            test = f"FILTER NOT EXISTS {{ {self.nonconforming(c.shape, v)} }}"
            for sibling in c.disjoint_from:
                test += f" FILTER EXISTS {{ {self.nonconforming(sibling, v)} }}"
            return test

        needed = c.count + 1 if c.maximum else c.count
        if needed == 0:
            return "FILTER(false)"
        if needed > MAX_PAIRWISE:
            raise ShapesError(f"shape {shape.name}: {c.component} {c.count} is not supported "
                              f"(at most {MAX_PAIRWISE - 1})")
        pattern = self.distinct_values(shape, focus, needed, conforms)
        return pattern if c.maximum else f"FILTER NOT EXISTS {{ {pattern} }}"

    # --- nested shapes ---------------------------------------------------------------------

    def nonconforming(self, shape: Shape, x: str) -> str:
        """A pattern with a solution iff node ``x`` does not conform to ``shape``."""
        if shape.deactivated:
            return "FILTER(false)"
        branches = [self._failure(shape, c, x) for c in shape.constraints]
        for prop in shape.properties:
            if not prop.deactivated:
                branches.extend(self._failure(prop, c, x) for c in prop.constraints)
        return _union(branches) if branches else "FILTER(false)"

    def _failure(self, shape: Shape, c: Constraint, focus: str) -> str:
        if isinstance(c, _VALUE_LEVEL):
            if shape.path is None:
                return self.value_failure(c, focus, None)
            v = self.fresh()
            return f"{self.values(shape, focus, v)} {self.value_failure(c, v, shape.path)}"
        return self.focus_failure(c, shape, focus)


def _union(branches: Sequence[str]) -> str:
    if len(branches) == 1:
        return branches[0]
    return " UNION ".join(f"{{ {branch} }}" for branch in branches)
