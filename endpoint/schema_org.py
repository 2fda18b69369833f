"""The schema.org profile: a record as search engines read it.

dcat:Dataset -> schema:Dataset (its distributions as schema:DataDownload, its catalogues as
schema:DataCatalog), dcat:Catalog -> schema:DataCatalog, dcat:DataService -> schema:WebAPI,
ldc:Reuse -> schema:CreativeWork, foaf:Organization / foaf:Person -> schema:Organization /
schema:Person, dcat:Distribution -> schema:DataDownload. Nodes keep their IRIs; only what
schema.org has a property for is carried over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ontology.namespaces import (
    ADMS,
    ADMS_STATUS,
    DCAT,
    DCT,
    EU_ACCESS_RIGHT,
    EU_LANGUAGE,
    FOAF,
    IANA_MEDIA_TYPES,
    LDC,
    RDF,
    SCHEMA,
    SKOS,
    XSD,
)

Node = NamedNode | BlankNode
Value = NamedNode | BlankNode | Literal
_TYPE = NamedNode(RDF.type)


class _Graph:
    """The input triples by subject and predicate, and the output being built."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.values: dict[Node, dict[str, list[Value]]] = defaultdict(lambda: defaultdict(list))
        self.reverse: dict[tuple[str, Node], list[Node]] = defaultdict(list)
        for triple in triples:
            subject, obj = triple.subject, triple.object
            if isinstance(subject, Triple) or isinstance(obj, Triple):
                continue
            self.values[subject][triple.predicate.value].append(obj)
            if isinstance(obj, NamedNode | BlankNode):
                self.reverse[(triple.predicate.value, obj)].append(subject)
        self.out: dict[Triple, None] = {}

    def get(self, subject: Node, predicate: str) -> list[Value]:
        return self.values.get(subject, {}).get(predicate, [])

    def types(self, subject: Node) -> list[str]:
        return [value.value for value in self.get(subject, RDF.type)]

    def add(self, subject: Node, predicate: str, value: Value) -> None:
        self.out[Triple(subject, NamedNode(predicate), value)] = None

    def copy(self, subject: Node, source: str, target: str) -> None:
        for value in self.get(subject, source):
            self.add(subject, target, value)


def _text(value: str) -> Literal:
    return Literal(value)


def _common(graph: _Graph, subject: Node) -> None:
    graph.copy(subject, DCT.title, SCHEMA.name)
    graph.copy(subject, DCT.description, SCHEMA.description)
    graph.copy(subject, DCT.alternative, SCHEMA.alternateName)
    graph.copy(subject, DCT.identifier, SCHEMA.identifier)
    graph.copy(subject, DCT.issued, SCHEMA.datePublished)
    graph.copy(subject, DCT.modified, SCHEMA.dateModified)
    graph.copy(subject, DCT.license, SCHEMA.license)
    keywords = graph.get(subject, DCAT.keyword)
    for keyword in keywords:
        graph.add(subject, SCHEMA.keywords, keyword)
    if any(value.value == ADMS_STATUS.Deprecated for value in graph.get(subject, ADMS.status)):
        graph.add(subject, SCHEMA.creativeWorkStatus, _text("Deprecated"))


def _agents(graph: _Graph, subject: Node, source: str, target: str) -> None:
    for agent in graph.get(subject, source):
        if not isinstance(agent, NamedNode | BlankNode):
            continue
        graph.add(subject, target, agent)
        person = FOAF.Person in graph.types(agent)
        graph.add(agent, RDF.type, NamedNode(SCHEMA.Person if person else SCHEMA.Organization))
        graph.copy(agent, FOAF.name, SCHEMA.name)


def _temporal(graph: _Graph, subject: Node) -> None:
    for period in graph.get(subject, DCT.temporal):
        if isinstance(period, Literal):
            continue
        start = [value.value for value in graph.get(period, DCAT.startDate)]
        end = [value.value for value in graph.get(period, DCAT.endDate)]
        if start or end:
            graph.add(subject, SCHEMA.temporalCoverage,
                      _text(f"{start[0] if start else '..'}/{end[0] if end else '..'}"))


def _spatial(graph: _Graph, subject: Node) -> None:
    for place in graph.get(subject, DCT.spatial):
        if isinstance(place, Literal):
            continue
        graph.add(subject, SCHEMA.spatialCoverage, place)
        graph.add(place, RDF.type, NamedNode(SCHEMA.Place))
        graph.copy(place, SKOS.prefLabel, SCHEMA.name)


def _encoding(graph: _Graph, distribution: Node) -> str | None:
    for media_type in graph.get(distribution, DCAT.mediaType):
        if media_type.value.startswith(IANA_MEDIA_TYPES):
            return media_type.value[len(IANA_MEDIA_TYPES):]
    for file_type in graph.get(distribution, DCT.format):
        return file_type.value.rsplit("/", 1)[-1]
    for label in graph.get(distribution, LDC.format):
        return label.value
    return None


def _distribution(graph: _Graph, distribution: Node) -> None:
    graph.add(distribution, RDF.type, NamedNode(SCHEMA.DataDownload))
    _common(graph, distribution)
    urls = graph.get(distribution, DCAT.downloadURL) or graph.get(distribution, DCAT.accessURL)
    for url in urls[:1]:
        graph.add(distribution, SCHEMA.contentUrl, url)
    encoding = _encoding(graph, distribution)
    if encoding:
        graph.add(distribution, SCHEMA.encodingFormat, _text(encoding))
    for size in graph.get(distribution, DCAT.byteSize):
        graph.add(distribution, SCHEMA.contentSize, _text(size.value))


def _dataset(graph: _Graph, subject: Node) -> None:
    graph.add(subject, RDF.type, NamedNode(SCHEMA.Dataset))
    _common(graph, subject)
    graph.copy(subject, DCAT.landingPage, SCHEMA.url)
    _agents(graph, subject, DCT.publisher, SCHEMA.publisher)
    _temporal(graph, subject)
    _spatial(graph, subject)
    if any(value.value == EU_LANGUAGE.FRA for value in graph.get(subject, DCT.language)):
        graph.add(subject, SCHEMA.inLanguage, _text("fr"))
    if any(value.value == EU_ACCESS_RIGHT.PUBLIC for value in graph.get(subject,
                                                                          DCT.accessRights)):
        graph.add(subject, SCHEMA.isAccessibleForFree,
                  Literal("true", datatype=NamedNode(XSD.boolean)))
    for distribution in graph.get(subject, DCAT.distribution):
        if isinstance(distribution, NamedNode | BlankNode):
            graph.add(subject, SCHEMA.distribution, distribution)
            _distribution(graph, distribution)
    for catalog in graph.reverse.get((DCAT.dataset, subject), []):
        graph.add(subject, SCHEMA.includedInDataCatalog, catalog)
        graph.add(catalog, RDF.type, NamedNode(SCHEMA.DataCatalog))


def _catalog(graph: _Graph, subject: Node) -> None:
    graph.add(subject, RDF.type, NamedNode(SCHEMA.DataCatalog))
    _common(graph, subject)
    graph.copy(subject, FOAF.homepage, SCHEMA.url)
    graph.copy(subject, DCT.isPartOf, SCHEMA.isPartOf)
    _agents(graph, subject, DCT.publisher, SCHEMA.publisher)


def _service(graph: _Graph, subject: Node) -> None:
    graph.add(subject, RDF.type, NamedNode(SCHEMA.WebAPI))
    _common(graph, subject)
    graph.copy(subject, DCAT.landingPage, SCHEMA.url)
    graph.copy(subject, DCAT.endpointDescription, SCHEMA.documentation)
    graph.copy(subject, FOAF.page, SCHEMA.documentation)
    _agents(graph, subject, DCT.publisher, SCHEMA.provider)


def _reuse(graph: _Graph, subject: Node) -> None:
    graph.add(subject, RDF.type, NamedNode(SCHEMA.CreativeWork))
    _common(graph, subject)
    graph.copy(subject, FOAF.page, SCHEMA.url)
    graph.copy(subject, FOAF.depiction, SCHEMA.image)
    graph.copy(subject, DCT.references, SCHEMA.isBasedOn)
    _agents(graph, subject, DCT.creator, SCHEMA.author)


def _agent(graph: _Graph, subject: Node) -> None:
    person = FOAF.Person in graph.types(subject)
    graph.add(subject, RDF.type, NamedNode(SCHEMA.Person if person else SCHEMA.Organization))
    graph.copy(subject, FOAF.name, SCHEMA.name)
    graph.copy(subject, SKOS.altLabel, SCHEMA.alternateName)
    graph.copy(subject, DCT.description, SCHEMA.description)
    graph.copy(subject, DCT.identifier, SCHEMA.identifier)
    graph.copy(subject, FOAF.homepage, SCHEMA.url)
    graph.copy(subject, FOAF.depiction, SCHEMA.logo)


_BUILDERS = (
    (DCAT.Dataset, _dataset), (DCAT.Catalog, _catalog), (DCAT.DataService, _service),
    (LDC.Reuse, _reuse), (FOAF.Organization, _agent), (FOAF.Person, _agent),
    (DCAT.Distribution, _distribution),
)


def to_schema_org(triples: Iterable[Triple], root: str) -> list[Triple]:
    """The schema.org description of record ``root`` from its DCAT-AP triples.

    >>> from pyoxigraph import NamedNode, Literal, Triple
    >>> dataset = NamedNode("http://x.org/datasets/1")
    >>> triples = [Triple(dataset, NamedNode(RDF.type), NamedNode(DCAT.Dataset)),
    ...            Triple(dataset, NamedNode(DCT.title), Literal("Budget"))]
    >>> out = to_schema_org(triples, dataset.value)
    >>> sorted(str(triple.object) for triple in out)
    ['"Budget"', '<https://schema.org/Dataset>']
    """
    graph = _Graph(triples)
    subject = NamedNode(root)
    types = graph.types(subject)
    for rdf_class, build in _BUILDERS:
        if rdf_class in types:
            build(graph, subject)
            break
    return list(graph.out)
