"""Reading a DCAT catalogue in any RDF syntax, from a URL (page by page) or a local file.

The syntax comes from the page's ``Content-Type`` (or, when it says nothing useful, the URL's
or file's suffix): Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD, all parsed by
pyoxigraph, whose JSON-LD parser never fetches a remote context. A URL is walked along Hydra
``hydra:next`` / ``hydra:nextPage`` links, each page fetched with :mod:`loader.readers.fetch`
(same origin only); a link back to a page already read ends the walk (noted), and more than
:data:`MAX_PAGES` pages is an error. Each page is cut into records by
:mod:`loader.readers.dcat_records`; a record met again on a later page is noted and the first
description kept, except an agent met again with the same description (a paged catalogue
describes a publisher on every page naming it), which is simply skipped.

Any failure (refused or failed fetch, wrong media type, unparseable page) raises
:class:`~loader.report.SourceError` naming the page: a snapshot built from part of a
catalogue would unpublish the records of the pages it could not read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urldefrag, urljoin

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from loader.readers.dcat_records import AGENT_KINDS, RecordDescription, cut_records
from loader.readers.fetch import FetchError, PageFetcher
from loader.report import SourceError
from ontology.namespaces import HYDRA

MAX_PAGES = 10_000
MAX_FILE_BYTES = 1 << 30

MEDIA_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}
SUFFIXES: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML, ".owl": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}
"""File suffixes ``ldcat load`` takes for RDF (``detect_source`` looks here)."""
UNINFORMATIVE = {"", "application/octet-stream", "text/plain"}
"""Content types that say nothing about the syntax: the URL's suffix decides."""
NEXT = (HYDRA.next, HYDRA.nextPage)
T = TypeVar("T")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(slots=True)
class HarvestedRecord:
    """A record's N-Quads (graph = its IRI, lines sorted) and the page it came from."""

    iri: str
    kind: str
    data: bytes
    page: str


@dataclass(slots=True)
class Harvest:
    """What a walk met: the pages read, and notes (loops, repeats, skipped nodes)."""

    location: str
    pages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: dict[str, str] = field(default_factory=dict)
    """Record IRI -> the page it was taken from."""
    agents: dict[str, bytes] = field(default_factory=dict)
    """Agent record IRI -> its N-Quads as first taken (to tell a repeat from a change)."""


def is_url(location: str) -> bool:
    """Whether a source names an http(s) URL rather than a file."""
    return location.lower().startswith(("http://", "https://"))


def syntax_for(media_type: str, name: str) -> RdfFormat:
    """The RDF syntax of a page from its media type, else from its name's suffix;
    ``ValueError`` naming what was found."""
    media_type = media_type.lower()
    if media_type in MEDIA_TYPES:
        return MEDIA_TYPES[media_type]
    suffix = Path(urldefrag(name)[0].split("?", 1)[0]).suffix.lower()
    if media_type in UNINFORMATIVE and suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if media_type in UNINFORMATIVE:
        raise ValueError(f"no RDF media type ({media_type or 'none given'}) and no known "
                         f"suffix ({', '.join(SUFFIXES)})")
    raise ValueError(f"media type {media_type} is not an RDF syntax "
                     f"({', '.join(MEDIA_TYPES)})")


def parse_page(body: bytes, syntax: RdfFormat, base_iri: str, name: str) -> list[Quad]:
    """The quads of a page; :class:`SourceError` naming ``name`` and the parser's position
    when it is not valid ``syntax``."""
    try:
        return list(parse(body, syntax, base_iri=base_iri, rename_blank_nodes=True))
    except (SyntaxError, ValueError) as error:
        detail = " ".join(str(error).split())
        raise SourceError(f"{name}: not valid {syntax.name}: {detail}") from None


def next_pages(quads: list[Quad], page_urls: set[str]) -> list[str]:
    """The pages a page links to as next: from the view of this page when it names one."""
    links = [(triple.subject, triple.object) for triple in quads
             if triple.predicate.value in NEXT and isinstance(triple.object, NamedNode)]
    own = [target for subject, target in links
           if isinstance(subject, NamedNode) and subject.value in page_urls]
    chosen = own or [target for _, target in links]
    return sorted({urldefrag(target.value)[0] for target in chosen})


def _clean(triple: Triple) -> Triple:
    """Text without XML-forbidden characters and with LF line ends (DESIGN §2)."""
    literal = triple.object
    if not isinstance(literal, Literal) or literal.value.isprintable():
        return triple
    value = _XML_FORBIDDEN.sub("", literal.value).replace("\r\n", "\n").replace("\r", "\n")
    if value == literal.value:
        return triple
    cleaned = Literal(value, language=literal.language) if literal.language \
        else Literal(value, datatype=literal.datatype)
    return Triple(triple.subject, triple.predicate, cleaned)


def record_nquads(record: RecordDescription) -> bytes:
    """The record's triples as N-Quads in its own graph, one line each, sorted; blank nodes
    get canonical labels (RDFC, pyoxigraph's) prefixed by a hash of the record IRI: the same
    description always gives the same text, and no two records share a blank node."""
    graph = NamedNode(record.iri)
    dataset = Dataset(Quad(t.subject, t.predicate, t.object, graph)
                      for t in map(_clean, record.triples))
    if any(isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode) for q in dataset):
        prefix = "r" + hashlib.blake2b(record.iri.encode("utf-8"), digest_size=8).hexdigest()
        dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
        dataset = Dataset(Quad(_prefixed(q.subject, prefix), q.predicate,
                               _prefixed(q.object, prefix), graph) for q in dataset)
    data = serialize(dataset, format=RdfFormat.N_QUADS) or b""
    return b"".join(sorted(set(data.splitlines(keepends=True))))


def _prefixed(term: T, prefix: str) -> T:
    if isinstance(term, BlankNode):
        return BlankNode(prefix + term.value)  # type: ignore[return-value]
    return term


def _take(harvest: Harvest, page: str, quads: list[Quad]) -> Iterator[HarvestedRecord]:
    cut = cut_records(quads)
    harvest.notes.extend(f"{page}: {reason}" for reason in cut.skipped)
    for record in cut.records:
        first = harvest.records.get(record.iri)
        data = record_nquads(record) if first is None or record.kind in AGENT_KINDS else b""
        if first is not None:
            if harvest.agents.get(record.iri) != data:
                harvest.notes.append(f"{page}: record {record.iri} met again (first on "
                                     f"{first}); the first description is kept")
            continue
        harvest.records[record.iri] = page
        if record.kind in AGENT_KINDS:
            harvest.agents[record.iri] = data
        yield HarvestedRecord(record.iri, record.kind, data, page)


def read_file(path: Path, harvest: Harvest) -> Iterator[HarvestedRecord]:
    """The records of a local RDF file (syntax from its suffix; links are not followed)."""
    try:
        syntax = syntax_for("", path.name)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SourceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        body = path.read_bytes()
    except ValueError as error:
        raise SourceError(f"{path}: {error}") from None
    except OSError as error:
        raise SourceError(f"{path}: unreadable: {error.strerror or error}") from None
    triples = parse_page(body, syntax, path.resolve().as_uri(), str(path))
    harvest.pages.append(str(path))
    if next_pages(triples, set()):
        harvest.notes.append(f"{path}: Hydra next links in a local file are not followed")
    yield from _take(harvest, str(path), triples)


def read_url(url: str, harvest: Harvest, fetcher: PageFetcher | None = None,
             max_pages: int = MAX_PAGES) -> Iterator[HarvestedRecord]:
    """The records of every page of the catalogue at ``url`` (see the module docstring)."""
    try:
        fetcher = fetcher or PageFetcher(url)
    except ValueError as error:
        raise SourceError(str(error)) from None
    visited: set[str] = set()
    pending: list[str] = [urldefrag(url)[0]]
    while pending:
        page_url = pending.pop(0)
        if len(harvest.pages) >= max_pages:
            raise SourceError(f"{url}: more than {max_pages:,} pages; stopped at {page_url}")
        try:
            fetched = fetcher.fetch(page_url)
            syntax = syntax_for(fetched.media_type, fetched.url)
        except FetchError as error:
            raise SourceError(str(error)) from None
        except ValueError as error:
            raise SourceError(f"{page_url}: {error}") from None
        visited.update({page_url, fetched.url})
        harvest.pages.append(page_url)
        triples = parse_page(fetched.body, syntax, fetched.url, page_url)
        for target in next_pages(triples, {page_url, fetched.url}):
            target = urljoin(fetched.url, target)
            if target in visited or target in pending:
                harvest.notes.append(f"{page_url}: next link back to {target} (a page already "
                                     "read); the walk ends here")
            else:
                pending.append(target)
        yield from _take(harvest, page_url, triples)


def read_catalogue(location: str, harvest: Harvest) -> Iterator[HarvestedRecord]:
    """The records of a catalogue at a URL or in a file; :class:`SourceError` if unusable."""
    if is_url(location):
        return read_url(location, harvest)
    return read_file(Path(location), harvest)
