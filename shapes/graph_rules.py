"""ldcat's store rules (``shapes/ldcat/ldcat-rules.ttl``) evaluated natively over the records'
text, for the partitioned validator.

These SPARQL-based constraints look at named graphs (a record in its own graph, fragments in
their owner's, every graph holding its record, IRIs under the base...), which the partitioned
index drops. Run on the SPARQL engine they cost minutes on the full catalogue (one of them
scans every quad with a string test); here the few facts they need (:class:`GraphFacts`) are
noted while the validator reads the records' text (each worker for its part, merged with
:meth:`GraphFacts.update`), and each rule is a set computation giving the same rows (root
catalogue, value, path) as its query.

A rule is used only for the exact query it was written against: :data:`RULES` is keyed by
the shape's IRI and a digest of the constraint's prefixes and ``SELECT`` text (whitespace
normalised), so an edited query runs on the SPARQL engine until its rule is updated.
``tests/test_validator_differential.py`` holds them equal to the SPARQL engine on hostile
stores, with one process and with two.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from shapes.graphindex import RDF_TYPE, GraphIndex, record_statements
from shapes.model import SparqlConstraint

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
DATASET = f"<{DCAT}Dataset>"
DISTRIBUTION = f"<{DCAT}Distribution>"
CATALOG = f"<{DCAT}Catalog>"
RECORD_CLASSES = frozenset({DATASET, f"<{DCAT}DataService>", CATALOG,
                            "<https://w3id.org/ldcat/ns#Reuse>",
                            "<http://xmlns.com/foaf/0.1/Agent>"})
"""The classes of records: each described in the graph named by its IRI."""
DESCRIBED_CLASSES = RECORD_CLASSES | {DISTRIBUTION}
PROV_COLLECTION = "<http://www.w3.org/ns/prov#Collection>"
QUALITY_METADATA = "<http://www.w3.org/ns/dqv#QualityMetadata>"
RDFS_RESOURCE = "<http://www.w3.org/2000/01/rdf-schema#Resource>"
DISTRIBUTION_LINK = f"{DCAT}distribution"
IS_PART_OF = f"{DCT}isPartOf"
HAD_MEMBER = "http://www.w3.org/ns/prov#hadMember"
LINKS_TO_DATASETS = frozenset({f"{DCAT}dataset", f"{DCAT}servesDataset", f"{DCT}references"})
IS_REFERENCED_BY = f"{DCT}isReferencedBy"
KIND_CLASSES = {
    DATASET: re.compile(r"datasets/[^/?#]+"),
    DISTRIBUTION: re.compile(r"resources/[^/?#]+"),
    f"<{DCAT}DataService>": re.compile(r"dataservices/[^/?#]+|catalog#api"),
    "<https://w3id.org/ldcat/ns#Reuse>": re.compile(r"reuses/[^/?#]+"),
    CATALOG: re.compile(r"catalog|themes/[^/?#]+"),
    "<http://xmlns.com/foaf/0.1/Agent>": re.compile(
        r"organizations/[^/?#]+|users/[^/?#]+|catalog#publisher"),
}
"""RecordIriUnderBase: the IRI path each class allows under the base (``$`` anchored)."""
INTERESTING = DESCRIBED_CLASSES | {PROV_COLLECTION, QUALITY_METADATA}

Row = tuple[str, str | None, str | None]
"""(focus node, value, path) as the SPARQL engine returns a constraint's solutions."""


@dataclass
class GraphFacts:
    """What the store rules need from every named graph (terms in N-Triples form)."""

    graphs: list[str] = field(default_factory=list)
    """Every named graph, as ``<iri>``."""
    typed: dict[str, set[str]] = field(default_factory=dict)
    """Node -> its classes among :data:`INTERESTING`, stated in any graph or the background."""
    typed_in: dict[str, set[str]] = field(default_factory=dict)
    """Node -> the graphs where it has an ``rdf:type`` statement (any class)."""
    own_types: dict[str, set[str]] = field(default_factory=dict)
    """Graph -> the classes its own subject is given in it."""
    distributions_held: set[str] = field(default_factory=set)
    """Distributions typed in the graph of a dataset typed there that lists them."""
    foreign: set[tuple[str, str, str]] = field(default_factory=set)
    """(graph, subject, predicate): a statement about another IRI (no fragment) than the
    graph's, not linking to the graph, not an ``rdfs:Resource`` typing, not about a
    distribution the graph lists."""
    fragments: set[tuple[str, str]] = field(default_factory=set)
    """(graph, fragment IRI): a statement about ``x#y`` in a graph other than ``x``'s, not
    linking to the graph, ``x`` not a distribution the graph lists."""
    part_of: set[str] = field(default_factory=set)
    """Subjects of ``dct:isPartOf``."""
    linked: set[str] = field(default_factory=set)
    """Objects of ``dcat:dataset`` / ``dcat:servesDataset`` / ``dct:references``, subjects of
    ``dct:isReferencedBy``."""
    members: dict[str, set[str]] = field(default_factory=dict)
    """Graph ``S`` -> ``R`` for each ``S prov:hadMember R`` stated in ``S``."""
    interesting: frozenset[str] | None = INTERESTING
    """The classes noted in :attr:`typed` (``None``: every class; the rules only ever
    intersect a node's classes with theirs, so noting more changes no row)."""

    def add(self, graph: str, statements: Iterable[tuple[str, str, str]]) -> None:
        """Note the statements ``(subject, predicate IRI, object)`` of named graph
        ``graph`` (``<iri>``); each graph is added once."""
        self.graphs.append(graph)
        own: set[str] = set()
        listed: set[str] = set()
        typed_here: dict[str, set[str]] = {}
        others: list[tuple[str, str, str]] = []
        for subject, predicate, obj in statements:
            if predicate == RDF_TYPE:
                typed_here.setdefault(subject, set()).add(obj)
                if subject == graph:
                    own.add(obj)
            elif predicate == DISTRIBUTION_LINK and subject == graph:
                listed.add(obj)
            elif predicate in LINKS_TO_DATASETS:
                self.linked.add(obj)
            elif predicate == IS_REFERENCED_BY:
                self.linked.add(subject)
            elif predicate == IS_PART_OF:
                self.part_of.add(subject)
            elif predicate == HAD_MEMBER and subject == graph:
                self.members.setdefault(graph, set()).add(obj)
            if subject != graph and obj != graph and subject[0] == "<":
                others.append((subject, predicate, obj))
        self.own_types[graph] = own
        for subject, classes in typed_here.items():
            self.typed_in.setdefault(subject, set()).add(graph)
            interesting = classes if self.interesting is None else classes & self.interesting
            if interesting:
                self.typed.setdefault(subject, set()).update(interesting)
        if DATASET in own:
            self.distributions_held.update(
                node for node in listed if DISTRIBUTION in typed_here.get(node, ()))
        for subject, predicate, obj in others:
            cut = subject.find("#")
            if cut < 0:
                if subject not in listed and not (predicate == RDF_TYPE and obj == RDFS_RESOURCE):
                    self.foreign.add((graph, subject, predicate))
            elif subject[:cut] + ">" not in listed and subject[:cut] + ">" != graph:
                self.fragments.add((graph, subject))

    def add_blocks(self, blocks: Iterable[tuple[str, bytes]]) -> None:
        """Note records given as (graph IRI, N-Quads)."""
        for graph, nquads in blocks:
            for name, statements in record_statements(graph, nquads):
                self.add(name, statements)

    def update(self, other: GraphFacts) -> None:
        """Add the facts of other graphs (each graph noted in one of the two only)."""
        self.graphs.extend(other.graphs)
        self.own_types.update(other.own_types)
        self.members.update(other.members)
        for mine, theirs in ((self.typed, other.typed), (self.typed_in, other.typed_in)):
            for node, found in theirs.items():
                known = mine.get(node)
                if known is None:
                    mine[node] = found
                else:
                    known |= found
        self.distributions_held |= other.distributions_held
        self.foreign |= other.foreign
        self.fragments |= other.fragments
        self.part_of |= other.part_of
        self.linked |= other.linked

    def add_background(self, background: GraphIndex) -> None:
        """The default graph's statements (the vocabularies): in the union, in no graph."""
        for subject, description in background.subjects.items():
            classes = set(description.get(RDF_TYPE, ()))
            interesting = classes if self.interesting is None else classes & self.interesting
            if interesting:
                self.typed.setdefault(subject, set()).update(interesting)
            for predicate in LINKS_TO_DATASETS:
                self.linked.update(description.get(predicate, ()))
            if IS_REFERENCED_BY in description:
                self.linked.add(subject)
            if IS_PART_OF in description:
                self.part_of.add(subject)


# --- the rules --------------------------------------------------------------------------


def _roots(facts: GraphFacts, catalogs: Iterable[str]) -> list[str]:
    return sorted(c for c in catalogs if c not in facts.part_of)


def _base(root: str) -> str:
    """``SUBSTR(STR($this), 1, STRLEN(STR($this)) - 7)``: the root's IRI without "catalog"."""
    return root[1:-1][:-7]


def _sources(facts: GraphFacts, base: str) -> set[str]:
    """Graphs vouched for by a provenance graph under ``{base}sources/``."""
    prefix = f"<{base}sources/"
    return {member for source, members in facts.members.items() if source.startswith(prefix)
            for member in members}


def record_in_own_graph(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for node, classes in facts.typed.items():
        if node[0] == "<" and "#" not in node and \
                (classes & RECORD_CLASSES) - facts.own_types.get(node, set()):
            yield from ((root, node, None) for root in roots)


def statement_in_foreign_graph(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for _, node, predicate in facts.foreign:
        if facts.typed.get(node, set()) & DESCRIBED_CLASSES:
            yield from ((root, node, f"<{predicate}>") for root in roots)


def distribution_in_dataset_graph(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for node, classes in facts.typed.items():
        if DISTRIBUTION in classes and node not in facts.distributions_held:
            yield from ((root, node, None) for root in roots)


def fragment_in_owner_graph(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for root in roots:
        if root.endswith('/catalog>'):
            prefix = "<" + _base(root)
            yield from ((root, node, None) for _, node in facts.fragments
                        if node.startswith(prefix))


def graph_holds_its_record(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for root in roots:
        base = _base(root)
        for graph in facts.graphs:
            own = facts.own_types.get(graph, set())
            if not (own & RECORD_CLASSES
                    or (PROV_COLLECTION in own and graph.startswith(f"<{base}sources/"))
                    or (QUALITY_METADATA in own and graph.startswith(f"<{base}"))):
                yield root, graph, None


def linked_dataset_is_published(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for node in facts.linked:
        if DATASET not in facts.own_types.get(node, set()):
            yield from ((root, node, None) for root in roots)


def one_root_catalogue(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    others = {node for node, classes in facts.typed.items()
              if CATALOG in classes and node not in facts.part_of}
    for root in roots:
        if not root.endswith('/catalog>') or others - {root}:
            yield root, None, None


def _catalog_roots(facts: GraphFacts, roots: list[str]) -> Iterable[tuple[str, str, set[str]]]:
    """(root, its base, the graphs its sources vouch for) of the roots named
    ``{base}catalog`` (the rules that ask for ``STRENDS(STR($this), "/catalog")``)."""
    for root in roots:
        if root.endswith('/catalog>'):
            base = _base(root)
            yield root, base, _sources(facts, base)


def _misplaced(facts: GraphFacts, roots: list[str]) -> Iterator[tuple[str, str, set[str]]]:
    """(root, node, graphs vouched for) of the record nodes whose IRI is not where their
    class puts them under the root's base."""
    for root, base, vouched in _catalog_roots(facts, roots):
        for node, classes in facts.typed.items():
            if node[0] != "<":
                continue
            iri = node[1:-1]
            path = iri[len(base):] if iri.startswith(base) else ""
            for cls in classes:
                pattern = KIND_CLASSES.get(cls)
                if pattern is not None and not (iri.startswith(base) and pattern.fullmatch(path)):
                    yield root, node, vouched
                    break


def record_iri_under_base(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for root, node, vouched in _misplaced(facts, roots):
        if not facts.typed_in.get(node, set()) & vouched:
            yield root, node, None


def typing_graphs_needed(facts: GraphFacts, catalogs: Iterable[str]) -> set[str]:
    """The nodes whose :attr:`GraphFacts.typed_in` the rules read (given the complete
    :attr:`GraphFacts.typed`): the partitioned validator fetches only those."""
    return {node for _, node, _ in _misplaced(facts, _roots(facts, catalogs))}


def graph_name_under_base(facts: GraphFacts, roots: list[str]) -> Iterable[Row]:
    for root, base, vouched in _catalog_roots(facts, roots):
        for graph in facts.graphs:
            if not graph.startswith(f"<{base}") and graph not in vouched:
                yield root, graph, None


Rule = Callable[[GraphFacts, list[str]], Iterable[Row]]
SHAPES = "https://w3id.org/ldcat/shapes#"
RULES: dict[tuple[str, str], Rule] = {
    (f"{SHAPES}RecordInOwnGraph", "f64814426d673347"): record_in_own_graph,
    (f"{SHAPES}RecordInOwnGraph", "fdea82f88f7ff167"): statement_in_foreign_graph,
    (f"{SHAPES}DistributionInDatasetGraph", "92487cefc97ba054"): distribution_in_dataset_graph,
    (f"{SHAPES}FragmentInOwnerGraph", "d401713d7b14152e"): fragment_in_owner_graph,
    (f"{SHAPES}GraphHoldsItsRecord", "2e42ac27390bc640"): graph_holds_its_record,
    (f"{SHAPES}LinkedDatasetIsPublished", "57f3bc9df566d953"): linked_dataset_is_published,
    (f"{SHAPES}OneRootCatalogue", "6d388cba6da6bec1"): one_root_catalogue,
    (f"{SHAPES}RecordIriUnderBase", "0a2fd3f41f5d9ee5"): record_iri_under_base,
    (f"{SHAPES}GraphNameUnderBase", "6682f34be352cc4c"): graph_name_under_base,
}
"""(shape IRI, :func:`digest` of its query) -> the rule computing the query's rows."""


def digest(constraint: SparqlConstraint) -> str:
    """A constraint's query, whitespace normalised, hashed (16 hex digits)."""
    text = " ".join(constraint.select.split())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rule_for(shape_name: str, constraint: SparqlConstraint) -> Rule | None:
    """The native rule of this exact query, if there is one."""
    return RULES.get((shape_name, digest(constraint)))


def run_rule(rule: Rule, facts: GraphFacts, catalogs: Iterable[str]) -> set[Row]:
    """The rows of ``rule``'s query for the focus nodes ``catalogs`` (the instances of the
    shape's target class): only root catalogues (part of no other) give any."""
    return set(rule(facts, _roots(facts, catalogs)))
