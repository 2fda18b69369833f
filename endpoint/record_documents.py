"""A record's document: the triples served for one IRI, with what its caching headers need.

A record is its named graph (a distribution: its triples inside its dataset's graph), plus
the type and name of the agents it names as publisher or creator, so a document read alone
says who published it (DCAT-AP makes ``foaf:name`` mandatory on agents). ``version`` joins
the content hashes of every graph the document draws on: it changes exactly when they do.

Where the store keeps the records' text, a document is built from that text without parsing
it: its N-Triples are the record's lines with the graph term cut, the few facts the headers
need are read off the lines that state them, and the triples are parsed only when a format
needs terms (HTML, JSON-LD, other profiles).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse, serialize

from endpoint.record_index import RecordIndex
from exports.page_text import RecordBlock
from exports.page_text import ntriples as ntriples_of_block
from loader.generations import Generation
from loader.repo import Repo
from ontology.namespaces import DCAT, DCT, FOAF, LDC, RDF

AGENT_LINKS = (NamedNode(DCT.publisher), NamedNode(DCT.creator))
AGENT_FACTS = (NamedNode(RDF.type), NamedNode(FOAF.name))
_DCAT_DISTRIBUTION = NamedNode(DCAT.distribution)
_MODIFIED = NamedNode(DCT.modified)
_SLUG = NamedNode(LDC.slug)


class RecordDocument:
    """The triples of one record and where they come from.

    Built from terms (``triples``) or from canonical N-Triples text (``ntriples``); each form
    is derived from the other the first time it is asked for.
    """

    __slots__ = ("_ntriples", "_triples", "iri", "kind", "modified", "version")

    def __init__(self, iri: str, kind: str, version: str, modified: datetime | None, *,
                 triples: list[Triple] | None = None, ntriples: bytes | None = None) -> None:
        if (triples is None) == (ntriples is None):
            raise ValueError("a record document is built from triples or from N-Triples")
        self.iri = iri
        self.kind = kind
        self.version = version
        """Content hashes of the graphs drawn on (or ``""`` when the store has no index)."""
        self.modified = modified
        """The record's ``dct:modified``, if it has one."""
        self._triples = triples
        self._ntriples = ntriples

    @property
    def triples(self) -> list[Triple]:
        """The document's triples, in the order the record states them."""
        if self._triples is None:
            self._triples = [quad.triple for quad in parse(
                self._ntriples or b"", format=RdfFormat.N_TRIPLES)]
        return self._triples

    @property
    def ntriples(self) -> bytes:
        """The document as canonical N-Triples (one statement a line, as pyoxigraph writes)."""
        if self._ntriples is None:
            self._ntriples = serialize(self._triples or [], format=RdfFormat.N_TRIPLES) or b""
        return self._ntriples


def parse_datetime(value: str) -> datetime | None:
    """An ``xsd:dateTime`` / ``xsd:date`` lexical form as an aware datetime (UTC if naive)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _modified(triples: list[Triple], subject: NamedNode) -> datetime | None:
    values = [parse_datetime(triple.object.value) for triple in triples
              if triple.subject == subject and triple.predicate == _MODIFIED
              and isinstance(triple.object, Literal)]
    known = [value for value in values if value is not None]
    return max(known) if known else None


def _hash(index: RecordIndex, generation: Generation, iri: str) -> str:
    """The content hash of the graph holding ``iri`` (a fragment's: its record's)."""
    entry = index.entry(generation, iri.split("#", 1)[0])
    return f"{entry.hash:032x}" if entry is not None else ""


def _agent_facts(repo: Repo, index: RecordIndex, generation: Generation,
                 agent: NamedNode) -> list[Triple]:
    """The type and name of an agent, looked up once per generation (thousands of agents,
    each named by many records: two fewer store lookups for most documents)."""
    memo = index.memo(generation)
    key = f"agent {agent.value}"
    facts: list[Triple] | None = memo.get(key)
    if facts is None:
        facts = [found for fact in AGENT_FACTS for found in repo.match(agent, fact, None)]
        memo[key] = facts
    return facts


def _agent_ntriples(repo: Repo, index: RecordIndex, generation: Generation,
                    agent: str) -> list[bytes]:
    """The N-Triples lines of :func:`_agent_facts`, remembered alike."""
    memo = index.memo(generation)
    key = f"agent lines {agent}"
    lines: list[bytes] | None = memo.get(key)
    if lines is None:
        facts = _agent_facts(repo, index, generation, NamedNode(agent))
        text = serialize(facts, format=RdfFormat.N_TRIPLES) or b""
        lines = memo[key] = text.splitlines(keepends=True)
    return lines


def _statements(ntriples: bytes, subject: str, predicate: str, quote: bytes) -> list[str]:
    """The objects of ``subject predicate`` in ``ntriples`` whose term opens with ``quote``
    (``<`` an IRI, ``"`` a literal), as the text between that mark and the next one of its
    kind (an IRI's value; a date literal's lexical form)."""
    needle = f"<{subject}> <{predicate}> ".encode() + quote
    close = b">" if quote == b"<" else b'"'
    values: list[str] = []
    at = ntriples.find(needle)
    while at >= 0:
        start = at + len(needle)
        if at == 0 or ntriples[at - 1] == 0x0A:  # the statement's subject, not an object
            values.append(ntriples[start:ntriples.find(close, start)].decode("utf-8"))
        at = ntriples.find(needle, start)
    return values


def _document_from_text(repo: Repo, index: RecordIndex, generation: Generation, kind: str,
                        iri: str, nquads: bytes) -> RecordDocument | None:
    """The document of a record graph read as text (see the module)."""
    if not nquads:
        return None
    ntriples = ntriples_of_block(RecordBlock(iri, nquads))
    versions = [_hash(index, generation, iri)]
    added: list[bytes] = []
    for link in AGENT_LINKS:
        for agent in _statements(ntriples, iri, link.value, b"<"):
            versions.append(_hash(index, generation, agent))
            added += (line for line in _agent_ntriples(repo, index, generation, agent)
                      if line not in added and b"\n" + line not in b"\n" + ntriples)
    dates = [parse_datetime(value) for value in _statements(ntriples, iri, DCT.modified, b'"')]
    known = [date for date in dates if date is not None]
    return RecordDocument(iri, kind, "-".join(versions) if all(versions) else "",
                          max(known) if known else None, ntriples=ntriples + b"".join(added))


def build_document(repo: Repo, index: RecordIndex, generation: Generation, kind: str,
                   iri: str) -> RecordDocument | None:
    """The document of record ``iri`` of ``kind`` in ``generation``, or ``None`` if absent.

    ``ValueError`` if ``iri`` is not a valid IRI.
    """
    subject = NamedNode(iri)
    if kind != "resources":
        nquads = repo.record_text(iri)
        if nquads is not None:
            return _document_from_text(repo, index, generation, kind, iri, nquads)
    if kind == "resources":
        triples = repo.description(iri)
        datasets = [triple.subject.value for triple in repo.match(None, _DCAT_DISTRIBUTION,
                                                                    subject)
                    if isinstance(triple.subject, NamedNode)]
        versions = [_hash(index, generation, dataset) for dataset in sorted(datasets)]
    else:
        triples = [quad.triple for quad in repo.record_graph(iri)]
        versions = [_hash(index, generation, iri)]
    if not triples:
        return None
    present = dict.fromkeys(triples)
    for triple in triples:
        if triple.subject == subject and triple.predicate in AGENT_LINKS \
                and isinstance(triple.object, NamedNode):
            agent = triple.object
            versions.append(_hash(index, generation, agent.value))
            present.update(dict.fromkeys(_agent_facts(repo, index, generation, agent)))
    ordered = list(present)  # the store's order: stable, and no sort by N-Triples text
    return RecordDocument(iri, kind, "-".join(versions) if all(versions) else "",
                          _modified(ordered, subject), triples=ordered)


def find_by_slug(repo: Repo, base: str, kind: str, slug: str) -> str | None:
    """The IRI of the ``kind`` record whose udata slug is ``slug`` (``ldc:slug``), if any."""
    prefix = f"{base}/{kind}/"
    for triple in repo.match(None, _SLUG, Literal(slug)):
        if isinstance(triple.subject, NamedNode) and triple.subject.value.startswith(prefix):
            return triple.subject.value
    return None
