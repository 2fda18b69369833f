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
:data:`RecordsReader` (the page source's ``records``), a batch per level of links (for the
embedded store, :func:`read_records`: one index query and a few reads), never one lookup per
dataset. Links and types are taken from the few lines that write them
(:func:`~exports.page_text.quads_with`), not from a parse of the whole page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyoxigraph import NamedNode

from exports.page_text import RecordBlock, blocks_of_quads, quads_with
from loader.repo import Snapshot
from ontology.namespaces import DCAT, DCT, FOAF, RDF

AGENT_LINKS = frozenset({DCT.publisher, DCT.creator, DCT.rightsHolder})
"""The properties whose values a page describes (when they are agents with a record)."""
AGENT_CLASSES = frozenset({FOAF.Agent, FOAF.Organization, FOAF.Person})
CATALOG_CLASSES = frozenset({DCAT.Catalog})
TREE_LINKS = frozenset({DCT.isPartOf, DCT.hasPart})
MAX_TREE_DEPTH = 4
"""How many levels of links are followed (ldcat's tree has two: root and themes)."""

RecordsReader = Callable[[list[str]], list[RecordBlock]]
"""Reads the record graphs of several IRIs at once (an IRI that is no record gives nothing)."""


def _linked(blocks: Iterable[RecordBlock], links: frozenset[str], known: set[str]) -> set[str]:
    """The IRIs ``blocks`` name through ``links``, except those in ``known``."""
    return {quad.object.value for quad in quads_with(blocks, links)
            if isinstance(quad.object, NamedNode) and quad.predicate.value in links} - known


def read_records(snapshot: Snapshot, iris: list[str]) -> list[RecordBlock]:
    """The record graphs ``iris`` of an embedded generation with their N-Quads, in IRI order.

    From the records' text in one batched read; a generation without text (loaded before it
    existed) is read from the store, graph by graph.
    """
    wanted = sorted(set(iris))
    if snapshot.text is None:
        return blocks_of_quads(quad for iri in wanted for quad in snapshot.record_quads(iri))
    return [RecordBlock(iri, data) for iri, data in snapshot.text.blocks_of(wanted)]


def _of_classes(blocks: list[RecordBlock], graphs: set[str], classes: frozenset[str]) -> set[str]:
    """Those of ``graphs`` whose blocks type their own IRI with one of ``classes``."""
    typing = quads_with((block for block in blocks if block.graph in graphs), [RDF.type])
    return {quad.graph_name.value for quad in typing
            if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value in graphs
            and quad.subject == quad.graph_name and quad.predicate.value == RDF.type
            and isinstance(quad.object, NamedNode) and quad.object.value in classes}


def page_context(read: RecordsReader, blocks: list[RecordBlock], catalogue: str,
                 on_page: set[str]) -> list[RecordBlock]:
    """The record graphs a page of ``catalogue`` carries besides ``blocks`` (its catalogue's
    graph and its datasets', whose IRIs are ``on_page``): the catalogues linked from the
    catalogue by ``dct:isPartOf`` / ``dct:hasPart``, transitively, and the agents anything on
    the page names (:data:`AGENT_LINKS`), a graph being kept only if it types its IRI as such.

    One read per level of the tree (two for a root page of ldcat's, three for a theme's).
    """
    known = set(on_page)
    found: list[RecordBlock] = []
    tree_level = [block for block in blocks if block.graph == catalogue]
    level = blocks
    for _ in range(MAX_TREE_DEPTH):
        tree = _linked(tree_level, TREE_LINKS, known)
        agents = _linked(level, AGENT_LINKS, known)
        if not tree and not agents:
            break
        known |= tree | agents
        read_now = read(sorted(tree | agents))
        kept = (_of_classes(read_now, tree, CATALOG_CLASSES)
                | _of_classes(read_now, agents, AGENT_CLASSES))
        level = [block for block in read_now if block.graph in kept]
        tree_level = [block for block in level if block.graph in tree]
        found += level
    return found
