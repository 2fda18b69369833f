"""A record's document: the triples served for one IRI, with what its caching headers need.

A record is its named graph (a distribution: its triples inside its dataset's graph), plus
the type and name of the agents it names as publisher or creator, so a document read alone
says who published it (DCAT-AP makes ``foaf:name`` mandatory on agents). ``version`` joins
the content hashes of every graph the document draws on: it changes exactly when they do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from endpoint.record_index import RecordIndex
from loader.generations import Generation, GraphEntry
from loader.repo import Repo
from ontology.namespaces import DCAT, DCT, FOAF, LDC, RDF

AGENT_LINKS = (NamedNode(DCT.publisher), NamedNode(DCT.creator))
AGENT_FACTS = (NamedNode(RDF.type), NamedNode(FOAF.name))
_DCAT_DISTRIBUTION = NamedNode(DCAT.distribution)
_MODIFIED = NamedNode(DCT.modified)
_SLUG = NamedNode(LDC.slug)


@dataclass(frozen=True, slots=True)
class RecordDocument:
    """The triples of one record and where they come from."""

    iri: str
    kind: str
    triples: list[Triple]
    version: str
    """Content hashes of the graphs drawn on (or ``""`` when the store has no index)."""
    modified: datetime | None
    """The record's ``dct:modified``, if it has one."""


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


def content_version(entry_of: Callable[[str], GraphEntry | None], iri: str) -> str:
    """The content hash of the graph holding ``iri`` (a fragment's: its record's), as
    ``entry_of`` (a graph index lookup) gives it; ``""`` for a graph it does not know."""
    entry = entry_of(iri.split("#", 1)[0])
    return f"{entry.hash:032x}" if entry is not None else ""


def _hash(index: RecordIndex, generation: Generation, iri: str) -> str:
    """The content hash of the graph holding ``iri`` in ``generation``."""
    return content_version(lambda graph: index.entry(generation, graph), iri)


def ordered_agent_facts(facts: Iterable[Triple]) -> list[Triple]:
    """An agent's facts in the order documents list them: types, then names, each sorted
    (the same bytes however the facts were looked up)."""
    return sorted(dict.fromkeys(facts),
                  key=lambda fact: (AGENT_FACTS.index(fact.predicate), str(fact.object)))


def _agent_facts(repo: Repo, index: RecordIndex, generation: Generation,
                 agent: NamedNode) -> list[Triple]:
    """The type and name of an agent, looked up once per generation (thousands of agents,
    each named by many records: two fewer store lookups for most documents)."""
    memo = index.memo(generation)
    key = f"agent {agent.value}"
    facts: list[Triple] | None = memo.get(key)
    if facts is None:
        facts = ordered_agent_facts(found for fact in AGENT_FACTS
                                    for found in repo.match(agent, fact, None))
        memo[key] = facts
    return facts


def build_document(repo: Repo, index: RecordIndex, generation: Generation, kind: str,
                   iri: str) -> RecordDocument | None:
    """The document of record ``iri`` of ``kind`` in ``generation``, or ``None`` if absent.

    ``ValueError`` if ``iri`` is not a valid IRI.
    """
    subject = NamedNode(iri)
    if kind == "resources":
        triples = repo.description(iri)
        datasets = [triple.subject.value for triple in repo.match(None, _DCAT_DISTRIBUTION,
                                                                    subject)
                    if isinstance(triple.subject, NamedNode)]
        versions = [_hash(index, generation, dataset) for dataset in sorted(datasets)]
    else:
        triples = [quad.triple for quad in repo.record_graph(iri)]
        versions = [_hash(index, generation, iri)]
    return assemble_document(
        iri, kind, triples, versions,
        lambda agent: _agent_facts(repo, index, generation, agent),
        lambda agent: _hash(index, generation, agent))


def assemble_document(iri: str, kind: str, triples: list[Triple], versions: list[str],
                      agent_facts: Callable[[NamedNode], list[Triple]],
                      agent_version: Callable[[str], str]) -> RecordDocument | None:
    """The document of ``iri`` from its own ``triples`` and the content hashes they come
    from (``versions``): the facts of the agents it names are added, their hashes joined.

    ``None`` when there are no triples. Shared by the per-request path and the descriptions
    rendered at publication (:mod:`endpoint.prerendered`), so both give the same bytes.
    """
    if not triples:
        return None
    subject = NamedNode(iri)
    present = dict.fromkeys(triples)
    for triple in triples:
        if triple.subject == subject and triple.predicate in AGENT_LINKS \
                and isinstance(triple.object, NamedNode):
            agent = triple.object
            versions.append(agent_version(agent.value))
            present.update(dict.fromkeys(agent_facts(agent)))
    ordered = list(present)  # the store's order: stable, and no sort by N-Triples text
    return RecordDocument(iri, kind, ordered, "-".join(versions) if all(versions) else "",
                          _modified(ordered, subject))


def find_by_slug(repo: Repo, base: str, kind: str, slug: str) -> str | None:
    """The IRI of the ``kind`` record whose udata slug is ``slug`` (``ldc:slug``), if any."""
    prefix = f"{base}/{kind}/"
    for triple in repo.match(None, _SLUG, Literal(slug)):
        if isinstance(triple.subject, NamedNode) and triple.subject.value.startswith(prefix):
            return triple.subject.value
    return None
