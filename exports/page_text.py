"""A catalogue page as text: its record graphs' N-Quads, written out with few Python objects.

A page of 100 datasets holds ~10k triples. Parsing them into pyoxigraph terms, converting
quads to triples and serialising again cost more than the rest of the page, so a page keeps
each record's N-Quads as read (:class:`RecordBlock`) and writes:

* **N-Quads**: the blocks as they are;
* **N-Triples**: each block with its graph term cut off every line (a record's lines all end
  with `` <graph> .``), so no term is ever parsed;
* **other formats**: the N-Triples text parsed once, streamed into the serialiser.

The few terms a page needs to look at (the links to agents and to catalogues, the types of
the records these name) come from the lines that mention them (:func:`quads_with`).

>>> block = RecordBlock("http://e/g", b'<http://e/s> <http://e/p> "1" <http://e/g> .\\n')
>>> ntriples(block)
b'<http://e/s> <http://e/p> "1" .\\n'
>>> [quad.object.value for quad in quads_with([block], ["http://e/p"])]
['1']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import NamedTuple

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse, serialize

from ontology.namespaces import PREFIXES


class RecordBlock(NamedTuple):
    """One record graph and its N-Quads (every line in that graph)."""

    graph: str
    nquads: bytes


def blocks_of_quads(quads: Iterable[Quad]) -> list[RecordBlock]:
    """Record blocks from quads that come graph after graph (a remote store's, or a
    generation's without text)."""
    blocks: list[RecordBlock] = []
    graph: list[Quad] = []
    for quad in chain(quads, [None]):
        if graph and (quad is None or quad.graph_name != graph[0].graph_name):
            name = graph[0].graph_name
            blocks.append(RecordBlock(name.value if isinstance(name, NamedNode) else "",
                                      serialize(graph, format=RdfFormat.N_QUADS) or b""))
            graph = []
        if quad is not None:
            graph.append(quad)
    return blocks


def ntriples(block: RecordBlock) -> bytes:
    """The triples of ``block`` as N-Triples: its lines with the graph term cut, or, if some
    line does not end with it (text not written one graph a block), parsed and rewritten."""
    parts = block.nquads.split(f" <{block.graph}> .\n".encode())
    if not parts[-1] and b"\n" not in b"".join(parts):  # each line ended with the graph
        return b" .\n".join(parts)
    triples = (quad.triple for quad in parse(block.nquads, format=RdfFormat.N_QUADS,
                                             lenient=True))
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""


def _lines_with(data: bytes, needles: list[bytes]) -> Iterator[bytes]:
    """The lines of ``data`` holding one of ``needles`` (each once, newline included)."""
    starts: dict[int, int] = {}
    for needle in needles:
        at = data.find(needle)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at) + 1 or len(data)
            starts[start] = end
            at = data.find(needle, end)
    for start in sorted(starts):
        line = data[start:starts[start]]
        yield line if line.endswith(b"\n") else line + b"\n"


def quads_with(blocks: Iterable[RecordBlock], iris: Iterable[str]) -> list[Quad]:
    """The quads of ``blocks`` on the lines that write one of ``iris`` (in any position, so
    callers still check where): the only lines a page parses for itself."""
    needles = [f"<{iri}>".encode() for iri in iris]
    data = b"".join(_lines_with(b"".join(block.nquads for block in blocks), needles))
    return list(parse(data, format=RdfFormat.N_QUADS, lenient=True)) if data else []


def write_page(blocks: list[RecordBlock], extra: list[Triple], rdf_format: RdfFormat) -> bytes:
    """``blocks`` and the ``extra`` triples (in the default graph) in ``rdf_format``: the
    records' graphs kept apart in a dataset format, merged in the others."""
    if rdf_format.supports_datasets:
        text_format, records = RdfFormat.N_QUADS, b"".join(block.nquads for block in blocks)
    else:
        text_format, records = RdfFormat.N_TRIPLES, b"".join(ntriples(block) for block in blocks)
    if rdf_format == text_format:
        return records + (serialize(extra, format=rdf_format) or b"")
    parsed = parse(records, format=text_format, lenient=True)
    return serialize(chain(parsed, extra), format=rdf_format, prefixes=PREFIXES) or b""
