"""A page written from its records' text (exports/page_text.py): every format carries the
graph the records' quads make, whether or not each block's lines end with its graph."""

from __future__ import annotations

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, parse

from exports.page_text import RecordBlock, blocks_of_quads, ntriples, quads_with, write_page

S, P, Q = NamedNode("http://e/s"), NamedNode("http://e/p"), NamedNode("http://e/q")
G1, G2 = NamedNode("http://e/g1"), NamedNode("http://e/g2")
QUADS = [Quad(S, P, Literal('a "quoted" <http://e/g1> .\nline'), G1),
         Quad(S, Q, G1, G1),
         Quad(G2, P, Literal("tab\there", language="fr"), G2)]
VIEW = [Triple(G1, P, Literal("view"))]


def _union(quads: list[Quad]) -> set[Triple]:
    return {quad.triple for quad in quads}


def test_blocks_cut_to_ntriples_are_the_union() -> None:
    blocks = blocks_of_quads(QUADS)
    assert [block.graph for block in blocks] == [G1.value, G2.value]
    text = b"".join(ntriples(block) for block in blocks)
    assert {q.triple for q in parse(text, format=RdfFormat.N_TRIPLES)} == _union(QUADS)


def test_a_block_with_a_line_of_another_graph_is_parsed_instead() -> None:
    mixed = RecordBlock(G1.value, b"".join(block.nquads for block in blocks_of_quads(QUADS)))
    text = ntriples(mixed)
    assert {q.triple for q in parse(text, format=RdfFormat.N_TRIPLES)} == _union(QUADS)


def test_quads_with_reads_only_the_lines_naming_an_iri() -> None:
    found = quads_with(blocks_of_quads(QUADS), [Q.value, "http://e/none"])
    assert found == [QUADS[1]]


@pytest.mark.parametrize("rdf_format", [RdfFormat.N_TRIPLES, RdfFormat.N_QUADS,
                                        RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML,
                                        RdfFormat.JSON_LD])
def test_every_format_carries_the_records_and_the_extra_triples(rdf_format: RdfFormat) -> None:
    body = write_page(blocks_of_quads(QUADS), VIEW, rdf_format)
    written = set(parse(body, format=rdf_format))
    if rdf_format.supports_datasets:
        assert written == {*QUADS, *(Quad(t.subject, t.predicate, t.object, DefaultGraph())
                                     for t in VIEW)}
    else:
        assert {quad.triple for quad in written} == _union(QUADS) | set(VIEW)
