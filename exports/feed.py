"""The change feed: what each generation created, updated and deleted, as ActivityStreams
members of an LDES event stream (the DCAT-AP Feeds pilot's shape).

Changes come from comparing the record-graph indexes of consecutive generations (IRI, kind,
content hash): a graph only in the newer one is an ``as:Create``, one whose hash changed an
``as:Update``, one only in the older one an ``as:Delete``, deletions included. A page is one
slice of one generation's changes; since a published generation never changes, every page is
final except that the newest generation's last page gains a ``next`` link when the following
generation is published.

>>> diff({"a": GraphEntry("datasets", 1), "b": GraphEntry("datasets", 2)},
...      {"b": GraphEntry("datasets", 3), "c": GraphEntry("reuses", 4)})
[Change(kind='Delete', iri='a', record_kind='datasets'), Change(kind='Update', iri='b', \
record_kind='datasets'), Change(kind='Create', iri='c', record_kind='reuses')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad

from loader.generations import QUALITY_KIND, GraphEntry
from ontology.namespaces import HYDRA, RDF, XSD, Namespace

AS = Namespace("https://www.w3.org/ns/activitystreams#")
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
PAGE_SIZE = 100
"""Members per feed page."""


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    """``Create``, ``Update`` or ``Delete``."""
    iri: str
    record_kind: str


@dataclass(frozen=True, slots=True)
class FeedGeneration:
    """What a feed page needs of its generation."""

    id: str
    created: str
    """When it was published (ISO 8601, UTC): the members' ``as:published``."""


def diff(before: dict[str, GraphEntry], after: dict[str, GraphEntry]) -> list[Change]:
    """The record changes from ``before`` to ``after``, in IRI order (quality graphs are
    not records)."""
    changes: list[Change] = []
    for iri in sorted(before.keys() | after.keys()):
        old, new = before.get(iri), after.get(iri)
        if QUALITY_KIND in (getattr(old, "kind", None), getattr(new, "kind", None)):
            continue
        if new is None and old is not None:
            changes.append(Change("Delete", iri, old.kind))
        elif old is None and new is not None:
            changes.append(Change("Create", iri, new.kind))
        elif old is not None and new is not None and old.hash != new.hash:
            changes.append(Change("Update", iri, new.kind))
    return changes


def feed_iri(base_iri: str) -> str:
    return f"{base_iri}/feed"


def page_iri(base_iri: str, generation_id: str, page: int) -> str:
    return f"{base_iri}/feed/{generation_id}/{page}"


def page_count(changes: list[Change]) -> int:
    return max(1, -(-len(changes) // PAGE_SIZE))


def event_stream(base_iri: str, generations: Sequence[FeedGeneration]) -> list[Quad]:
    """The stream's root: an ``ldes:EventStream`` whose view is the first page."""
    stream = NamedNode(feed_iri(base_iri))
    quads = [Quad(stream, NamedNode(RDF.type), NamedNode(LDES.EventStream)),
             Quad(stream, NamedNode(LDES.timestampPath), NamedNode(AS.published))]
    if generations:
        quads.append(Quad(stream, NamedNode(TREE.view),
                          NamedNode(page_iri(base_iri, generations[0].id, 1))))
    return quads


@dataclass(frozen=True, slots=True)
class PageLinks:
    previous: str | None
    next: str | None
    next_published: str | None
    """When the next page's changes were published (the relation's value)."""


def page_links(base_iri: str, generation: FeedGeneration, page: int,
               links: PageLinks) -> list[Quad]:
    """A page's node: its type, the stream's view of it, its previous and next links."""
    stream = NamedNode(feed_iri(base_iri))
    node = NamedNode(page_iri(base_iri, generation.id, page))
    quads = [Quad(node, NamedNode(RDF.type), NamedNode(TREE.Node)),
             Quad(stream, NamedNode(TREE.view), node)]
    if links.previous is not None:
        quads.append(Quad(node, NamedNode(HYDRA.previous), NamedNode(links.previous)))
    if links.next is not None:
        relation = NamedNode(f"{node.value}#next")
        quads += [
            Quad(node, NamedNode(HYDRA.next), NamedNode(links.next)),
            Quad(node, NamedNode(TREE.relation), relation),
            Quad(relation, NamedNode(RDF.type), NamedNode(TREE.GreaterThanOrEqualToRelation)),
            Quad(relation, NamedNode(TREE.node), NamedNode(links.next)),
            Quad(relation, NamedNode(TREE.path), NamedNode(AS.published)),
            Quad(relation, NamedNode(TREE.value),
                 Literal(links.next_published or generation.created,
                         datatype=NamedNode(XSD.dateTime))),
        ]
    return quads


def page_members(record_quads: Callable[[str], list[Quad]], base_iri: str,
                 generation: FeedGeneration, changes: list[Change], page: int) -> list[Quad]:
    """A page's members: activities in the default graph, each created or updated record's
    graph at that generation (``record_quads``) as a named graph named by the activity."""
    stream = NamedNode(feed_iri(base_iri))
    published = Literal(generation.created, datatype=NamedNode(XSD.dateTime))
    quads: list[Quad] = []
    start = (page - 1) * PAGE_SIZE
    for position, change in enumerate(changes[start:start + PAGE_SIZE], start=start):
        activity = NamedNode(f"{base_iri}/feed/{generation.id}#{position}")
        quads += [
            Quad(stream, NamedNode(TREE.member), activity),
            Quad(activity, NamedNode(RDF.type), NamedNode(AS.term(change.kind))),
            Quad(activity, NamedNode(AS.object), NamedNode(change.iri)),
            Quad(activity, NamedNode(AS.published), published),
        ]
        if change.kind != "Delete":
            quads += [Quad(q.subject, q.predicate, q.object, activity)
                      for q in record_quads(change.iri)]
    return quads
