"""Cutting the triples of a DCAT page into records: one description per dataset, service or agent.

A record is every ``dcat:Dataset`` or ``dcat:DataService`` named by an IRI, except a service
whose IRI is a fragment of a catalogue on the page (``{catalog}#api``: part of the catalogue's
own description, not a record of its own). An agent (``foaf:Agent``, ``foaf:Organization``,
``foaf:Person``) named by an IRI is a record too, as in ldcat's store (organisations and
users have graphs of their own), unless its IRI is a fragment of a catalogue or of another
record (``{catalog}#publisher``); an agent without an IRI belongs to the record that names it.
Its description, which becomes the record's named graph, holds:

* the triples about the record and, transitively, about the nodes it *owns*: blank nodes,
  fragment IRIs of an owned node (``{record}#contact``, ``{distribution}#checksum``), its
  distributions (objects of ``dcat:distribution``) and its contact points (objects of
  ``dcat:contactPoint``, copied into each record naming a shared one: DCAT-AP contact points
  are not records);
* the ``rdf:type`` triples of the other IRIs it links to when the page says nothing else about
  them (``<landing page> a foaf:Document``): typing stubs, not descriptions of other things;
* for a dataset or service, the links *to* it from nodes that no record owns (``<catalog>
  dcat:dataset <record>``, ``<catalog#api> dcat:servesDataset <record>``), Hydra paging terms
  excepted.

When the page carries named graphs (N-Quads, TriG) and a record has a graph named by its IRI,
that graph *is* the record's description, taken as it is: the source said where the record
ends. ldcat's own paged catalogue does so (with the graphs of the agents its datasets name),
and a harvest of it gives back isomorphic record graphs. From a page without graphs (Turtle,
JSON-LD...) the cut above is the best reading: it gives ldcat's own dataset graphs back except
for the type declarations of vocabulary terms that ldcat keeps once in its catalogue graph
(``<.../language/FRA> a dct:LinguisticSystem``), which a record linking them gets as typing
stubs, and for what a dataset's graph says about an agent (``<organisation> a rdfs:Resource``),
which goes to the agent's record.

Blank nodes keep being blank nodes, with labels
derived from the record IRI and their path from it, so the same page always gives the same
N-Quads (and content hash), and two records never share a blank node.

>>> from pyoxigraph import NamedNode, Quad
>>> d, t = NamedNode("http://e/d"), NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
>>> cut = cut_records([Quad(d, t, NamedNode("http://www.w3.org/ns/dcat#Dataset"))])
>>> [(record.iri, record.kind, len(record.triples)) for record in cut.records]
[('http://e/d', 'datasets', 1)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, NamedNode, Quad, Triple

from ontology.namespaces import DCAT, FOAF, HYDRA, RDF

RECORD_CLASSES = {DCAT.Dataset: "datasets", DCAT.DataService: "dataservices"}
"""Record classes and the kind their graphs get in the generation's graph index."""
AGENT_CLASSES = frozenset({FOAF.Agent, FOAF.Organization, FOAF.Person})
AGENT_KINDS = frozenset({"organizations", "users"})
"""The kinds of agent records: a person is a ``users`` record, any other agent an
``organizations`` one, as in ldcat's own store."""
OWNED_LINKS = frozenset({DCAT.distribution, DCAT.contactPoint})
"""Properties whose IRI values belong to the record naming them (copied when shared)."""

Node = NamedNode | BlankNode


@dataclass(slots=True)
class RecordDescription:
    """One record cut from a page: its IRI, kind and triples (the parser's blank nodes)."""

    iri: str
    kind: str
    triples: list[Triple]


@dataclass(slots=True)
class Cut:
    """The records of a page, and what could not become a record (with the reason)."""

    records: list[RecordDescription] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class _PageIndex:
    """A page's triples by subject and by object, and each subject's types."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.by_subject: dict[Node, list[Triple]] = defaultdict(list)
        self.by_object: dict[NamedNode, list[Triple]] = defaultdict(list)
        self.types: dict[Node, set[str]] = defaultdict(set)
        for triple in set(triples):
            subject = triple.subject
            if not isinstance(subject, NamedNode | BlankNode):
                continue  # RDF 1.2 triple terms: not DCAT
            self.by_subject[subject].append(triple)
            if isinstance(triple.object, NamedNode):
                self.by_object[triple.object].append(triple)
            if triple.predicate.value == RDF.type and isinstance(triple.object, NamedNode):
                self.types[subject].add(triple.object.value)

    def is_stub(self, node: NamedNode) -> bool:
        """Whether the page says nothing about ``node`` but its types."""
        return all(triple.predicate.value == RDF.type for triple in self.by_subject[node])


def _fragment_base(iri: str) -> str:
    return iri.split("#", 1)[0] if "#" in iri else ""


def cut_records(quads: Iterable[Quad]) -> Cut:
    """The record descriptions of one page (see the module docstring)."""
    graphs: dict[str, list[Triple]] = defaultdict(list)
    triples: list[Triple] = []
    for quad in quads:
        triples.append(quad.triple)
        if isinstance(quad.graph_name, NamedNode):
            graphs[quad.graph_name.value].append(quad.triple)
    index = _PageIndex(triples)
    catalogs = {node.value for node, types in index.types.items()
                if DCAT.Catalog in types and isinstance(node, NamedNode)}
    cut = Cut()
    candidates: dict[NamedNode, str] = {}
    agents: dict[NamedNode, str] = {}
    for node, types in sorted(index.types.items(), key=lambda item: str(item[0])):
        kinds = sorted({RECORD_CLASSES[t] for t in types if t in RECORD_CLASSES})
        if kinds and isinstance(node, BlankNode):
            cut.skipped.append(f"a {kinds[0][:-1]} without an IRI (blank node) cannot be a "
                               "record graph; left out")
        elif kinds and isinstance(node, NamedNode):
            if _fragment_base(node.value) not in catalogs:  # {catalog}#api: the catalogue's
                candidates[node] = kinds[0]
        elif types & AGENT_CLASSES and isinstance(node, NamedNode):
            agents[node] = "users" if FOAF.Person in types else "organizations"
    bases = catalogs | {node.value for node in candidates}
    candidates.update((node, kind) for node, kind in agents.items()
                      if _fragment_base(node.value) not in bases)
    owned = {record: _owned(index, record, candidates) for record in candidates}
    claimed: set[Node] = set().union(*owned.values()) if owned else set()
    for record, kind in candidates.items():
        own_graph = graphs.get(record.value)
        described = list(dict.fromkeys(own_graph)) if own_graph else \
            _describe(index, record, owned[record], candidates, claimed)
        cut.records.append(RecordDescription(record.value, kind, described))
    return cut


def _owned(index: _PageIndex, record: NamedNode, candidates: dict[NamedNode, str]) -> set[Node]:
    """The nodes ``record``'s description covers, itself included."""
    owned: set[Node] = {record}
    owned_iris = {record.value}
    queue: list[Node] = [record]
    while queue:
        node = queue.pop()
        for triple in index.by_subject[node]:
            target = triple.object
            if target in owned or not isinstance(target, NamedNode | BlankNode):
                continue
            if isinstance(target, BlankNode) or (
                    target not in candidates
                    and (_fragment_base(target.value) in owned_iris
                         or triple.predicate.value in OWNED_LINKS)):
                owned.add(target)
                if isinstance(target, NamedNode):
                    owned_iris.add(target.value)
                queue.append(target)
    return owned


def _describe(index: _PageIndex, record: NamedNode, owned: set[Node],
              candidates: dict[NamedNode, str], claimed: set[Node]) -> list[Triple]:
    """The triples of ``record``'s graph cut from the page (see the module docstring)."""
    out: list[Triple] = []
    stubs: set[NamedNode] = set()
    for node in owned:
        for triple in index.by_subject[node]:
            target = triple.object
            if (isinstance(target, NamedNode) and target not in owned
                    and target not in candidates and index.by_subject.get(target)
                    and index.is_stub(target)):
                stubs.add(target)
            out.append(triple)
    for stub in stubs:
        out.extend(index.by_subject[stub])
    if candidates[record] in AGENT_KINDS:
        return out  # a link to an agent (<catalog> dct:publisher <agent>) says nothing of it
    for triple in index.by_object.get(record, []):
        subject = triple.subject
        if (isinstance(subject, NamedNode) and subject not in claimed
                and subject not in candidates
                and not triple.predicate.value.startswith(str(HYDRA))):
            out.append(triple)
    return out
