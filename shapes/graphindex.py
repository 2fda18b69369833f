"""Plain Python indexes of RDF data: subject -> predicate -> values, terms as strings.

Built from natively parsed N-Quads (pyoxigraph); the graph names are dropped, as in the union
graph the shapes see. Literals are kept in their stored form (:mod:`shapes.terms`), so every
test and every reported value matches what the SPARQL engine reads from the store.

>>> index = GraphIndex()
>>> xsd = "http://www.w3.org/2001/XMLSchema#"
>>> index.add_nquads(f'<http://e/s> <http://e/p> "012"^^<{xsd}integer> .'.encode())
1
>>> index.finish()
>>> index.values("<http://e/s>", "http://e/p")
['"12"^^<http://www.w3.org/2001/XMLSchema#integer>']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse

from shapes.terms import Canonical

Description = dict[str, list[str]]
"""predicate IRI -> values of one subject."""

_EMPTY: list[str] = []
_PARSE_INSTEAD = (b"\t", b"\x7f", b"\\u", b"\\U")
_UPPER_CASE_LANGUAGE = re.compile(rb'"@[a-zA-Z0-9-]*[A-Z]')
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class GraphIndex:
    """The statements of some records (or vocabularies), by subject then predicate: all of
    them, or those of the ``keep`` predicates (and ``rdf:type``)."""

    def __init__(self, keep: Iterable[str] | None = None) -> None:
        self.subjects: dict[str, Description] = {}
        self._canonical = Canonical()
        self._shared: dict[str, str] = {}
        """One string object per predicate and per IRI (a subject's and the objects
        naming it; a class, a licence...): ~20% less memory for real records."""
        self._keep = None if keep is None else {p: p for p in {*keep, RDF_TYPE}}
        """The predicates whose statements are kept (all when ``None``): a subject whose
        statements are all left out is still a subject, with no statements."""

    def add_nquads(self, data: bytes) -> int:
        """Add N-Quads (or N-Triples) text; returns the number of statements read."""
        return self.add_quads(parse(data, format=RdfFormat.N_QUADS, lenient=True))

    def add_records(self, blocks: Iterable[tuple[str, bytes]]) -> int:
        """Add records given as (graph IRI, N-Quads of that graph); returns the number of
        statements read.

        A record's text as ldcat writes it (one statement a line, every line ending with
        `` <graph> .``) is read as strings, ~40% less work than parsing it: the graph suffix
        is cut and each line split into its three terms, which are then in the form
        ``str(term)`` gives for the parsed term. Any block that might not be is parsed
        (:meth:`add_nquads`): lines not all ending with the graph, and text where the two
        writers of records' text (:mod:`loader.mapping.nquads` and pyoxigraph) can differ
        from ``str(term)``: a raw tab or DEL (pyoxigraph escapes them), ``\\u`` escapes
        (decoded by the parser), upper-case language tags (lower-cased by the parser).
        """
        count = 0
        for graph, nquads in blocks:
            if self.needs_parsing(nquads):
                count += self.add_nquads(nquads)
                continue
            statements = nquads.decode("utf-8").split(f" <{graph}> .\n")
            if statements[-1] or nquads.count(b"\n") != len(statements) - 1:
                count += self.add_nquads(nquads)
            else:
                statements.pop()
                count += self._add_statements(statements)
        return count

    @staticmethod
    def needs_parsing(nquads: bytes) -> bool:
        """Whether text may hold a term in another form than ``str(term)`` of the parsed
        term (see :meth:`add_records`)."""
        return (any(mark in nquads for mark in _PARSE_INSTEAD)
                or _UPPER_CASE_LANGUAGE.search(nquads) is not None)

    def _add_statements(self, statements: list[str]) -> int:
        """Add N-Triples statements without their final `` .`` (see :meth:`add_records`);
        statements come grouped by subject (a record's text is), so a subject is looked up
        once per run of statements."""
        subjects = self.subjects
        canonical = self._canonical
        shared = self._shared
        keep = self._keep
        last = ""
        description: Description = {}
        for statement in statements:
            subject, predicate, obj = statement.split(" ", 2)
            if subject != last:
                last = subject
                found = subjects.get(subject)
                if found is None:
                    subject = shared.setdefault(subject, subject)
                    found = subjects[subject] = {}
                description = found
            predicate = predicate[1:-1]
            if keep is None:
                predicate = shared.setdefault(predicate, predicate)
            else:
                kept = keep.get(predicate)
                if kept is None:
                    continue
                predicate = kept
            if obj[-1] == ">" and obj[0] == '"':
                obj = canonical(obj)
            elif obj[0] == "<":
                obj = shared.setdefault(obj, obj)
            values = description.get(predicate)
            if values is None:
                description[predicate] = [obj]
            else:
                values.append(obj)
        return len(statements)

    def add_file(self, path: Path, fmt: RdfFormat) -> int:
        """Add an RDF file (background vocabularies)."""
        return self.add_quads(parse(path=str(path), format=fmt))

    def add_quads(self, quads: Iterable[Quad | Triple]) -> int:
        """Add parsed statements; returns how many.

        Each is written as the N-Triples line its terms give (``str(term)``, the form the
        index keeps) and added by :meth:`_add_statements`, the one loop that fills the index:
        this is the path for parsed text (vocabularies, blocks not in ldcat's form), which is
        rarely hot.
        """
        return self._add_statements([f"{quad.subject} <{quad.predicate.value}> {quad.object}"
                                     for quad in quads])

    def add(self, subject: str, predicate: str, values: Iterable[str]) -> None:
        """Add statements given as strings (values already in stored form)."""
        self.subjects.setdefault(subject, {}).setdefault(predicate, []).extend(values)

    def finish(self) -> None:
        """Drop duplicate values (a statement in several graphs is one in the union)."""
        for description in self.subjects.values():
            for predicate, values in description.items():
                if len(values) > 1:
                    unique = list(dict.fromkeys(values))
                    if len(unique) != len(values):
                        description[predicate] = unique

    def inverse(self, predicates: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """predicate -> object -> subjects, for ``predicates``."""
        found: dict[str, dict[str, list[str]]] = {p: {} for p in predicates}
        for subject, description in self.subjects.items():
            for predicate, by_object in found.items():
                for obj in description.get(predicate, ()):
                    by_object.setdefault(obj, []).append(subject)
        return found

    def values(self, subject: str, predicate: str) -> list[str]:
        description = self.subjects.get(subject)
        if description is None:
            return _EMPTY
        return description.get(predicate, _EMPTY)


def record_statements(graph: str, nquads: bytes) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The statements ``(subject, predicate IRI, object)`` of a record's text, by graph
    (``<iri>``): read as strings in ldcat's form (see :meth:`GraphIndex.add_records`), else
    parsed; terms as ``str(term)`` gives them."""
    if not GraphIndex.needs_parsing(nquads):
        lines = nquads.decode("utf-8").split(f" <{graph}> .\n")
        if not lines[-1] and nquads.count(b"\n") == len(lines) - 1:
            lines.pop()
            found: list[tuple[str, str, str]] = []
            for line in lines:
                subject, predicate, obj = line.split(" ", 2)
                found.append((subject, predicate[1:-1], obj))
            return [(f"<{graph}>", found)]
    by_graph: dict[str, list[tuple[str, str, str]]] = {}
    for quad in parse(nquads, format=RdfFormat.N_QUADS, lenient=True):
        name = quad.graph_name
        if isinstance(name, NamedNode):
            by_graph.setdefault(str(name), []).append(
                (str(quad.subject), quad.predicate.value, str(quad.object)))
    return list(by_graph.items())
