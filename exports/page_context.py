"""What a catalogue page carries besides its datasets, so that it stands alone.

A harvester reads a page as it comes: data.europa.eu's importer cuts each dataset out of the
page with what it reaches there, and ldcat's own harvester keeps each record's graph. What
the page only names is, to them, an untyped IRI, and fails the DCAT-AP ranges (``sh:class``)
of the official shapes and of ldcat's gate alike. So a page also carries, whole, as published:

* the **catalogue tree**: the page's catalogue, the catalogues it is part of (a thematic
  catalogue's root, which also types the vocabulary terms the datasets use and describes the
  catalogue's publisher, ``{base}/catalog#publisher``) and their parts (``dct:hasPart`` needs
  them typed ``dcat:Catalog``): a few small graphs;
* the **agents** its records name (publisher, creator, rights holder) that have a record graph
  of their own. Contact points need nothing more: ldcat describes each as a fragment of its
  record (``{dataset}#contact``), in the record's graph.

In N-Quads and TriG each is its own graph, as in the store. Graphs are read through a
:data:`RecordsReader` (the page source's ``records_quads``), a batch per level of links (for
the embedded store, :func:`read_records`: one index query and one parse), never one lookup
per dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from loader.repo import Snapshot
from ontology.namespaces import DCAT, DCT, FOAF, RDF

AGENT_LINKS = frozenset({DCT.publisher, DCT.creator, DCT.rightsHolder})
"""The properties whose values a page describes (when they are agents with a record)."""
AGENT_CLASSES = frozenset({FOAF.Agent, FOAF.Organization, FOAF.Person})
CATALOG_CLASSES = frozenset({DCAT.Catalog})
_AGENT_LINKS = frozenset(NamedNode(link) for link in AGENT_LINKS)
_TREE_LINKS = frozenset({NamedNode(DCT.isPartOf), NamedNode(DCT.hasPart)})
MAX_TREE_DEPTH = 4
"""How many levels of links are followed (ldcat's tree has two: root and themes)."""

RecordsReader = Callable[[list[str]], list[Quad]]
"""Reads the record graphs of several IRIs at once (an IRI that is no record gives nothing)."""


def _linked(quads: Iterable[Quad], links: frozenset[NamedNode], known: set[str]) -> list[str]:
    """The IRIs ``quads`` name through ``links``, except those in ``known``, sorted."""
    named = {quad.object for quad in quads if quad.predicate in links}
    return sorted(node.value for node in named
                  if isinstance(node, NamedNode) and node.value not in known)


def read_records(snapshot: Snapshot, iris: list[str]) -> list[Quad]:
    """The quads of the record graphs ``iris`` of an embedded generation, in IRI order.

    From the records' text in one batched read; a generation without text (loaded before it
    existed) is read from the store, graph by graph.
    """
    if not iris:
        return []
    if snapshot.text is None:
        return [quad for iri in iris for quad in snapshot.record_quads(iri)]
    data = snapshot.text.nquads_of(iris)
    return list(parse(data, format=RdfFormat.N_QUADS, lenient=True)) if data else []


def _of_classes(quads: list[Quad], graphs: set[str], classes: frozenset[str]) -> set[str]:
    """Those of ``graphs`` that type their own IRI with one of ``classes`` in ``quads``."""
    return {quad.graph_name.value for quad in quads
            if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value in graphs
            and quad.subject == quad.graph_name and quad.predicate.value == RDF.type
            and isinstance(quad.object, NamedNode) and quad.object.value in classes}


def page_context(read: RecordsReader, quads: list[Quad], catalogue: str,
                 on_page: set[str]) -> list[Quad]:
    """The graphs a page of ``catalogue`` carries besides ``quads`` (its catalogue's graph and
    its datasets', whose IRIs are ``on_page``): the catalogues linked from the catalogue by
    ``dct:isPartOf`` / ``dct:hasPart``, transitively, and the agents anything on the page
    names (:data:`AGENT_LINKS`), a graph being kept only if it types its IRI as such.

    One read per level of the tree (two for a root page of ldcat's, three for a theme's).
    """
    known = set(on_page)
    found: list[Quad] = []
    catalogue_graph = NamedNode(catalogue)
    tree_level = [quad for quad in quads if quad.graph_name == catalogue_graph]
    level = quads
    for _ in range(MAX_TREE_DEPTH):
        tree = set(_linked(tree_level, _TREE_LINKS, known))
        agents = set(_linked(level, _AGENT_LINKS, known))
        if not tree and not agents:
            break
        known |= tree | agents
        read_now = read(sorted(tree | agents))
        kept = (_of_classes(read_now, tree, CATALOG_CLASSES)
                | _of_classes(read_now, agents, AGENT_CLASSES))
        level = [quad for quad in read_now
                 if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value in kept]
        tree_level = [quad for quad in level
                      if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value in tree]
        found += level
    return found
