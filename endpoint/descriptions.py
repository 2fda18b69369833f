"""Graphs that describe the endpoint: the SPARQL service description and VoID.

Both are built from the generation's manifest (counts computed once at publication by
:mod:`loader.statistics`), never by querying the whole store per request.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from endpoint.query_formats import RDF_FORMATS, RESULT_FORMATS
from endpoint.settings import EndpointSettings
from loader.generations import Generation
from ontology.namespaces import DCT, RDF, RDFS, VOID, XSD

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "ttl": "Turtle", "nt": "N-Triples", "rdf": "RDF_XML",
    "jsonld": "JSON-LD", "trig": "TriG", "nq": "N-Quads", "n3": "N3",
}
VOCABULARIES = ("http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/",
                "http://xmlns.com/foaf/0.1/", "http://www.w3.org/2006/vcard/ns#",
                "http://www.w3.org/ns/adms#", "http://data.europa.eu/r5r/",
                "http://www.w3.org/2004/02/skos/core#", "http://spdx.org/rdf/terms#",
                "http://www.w3.org/ns/locn#")
PREFIXES = {"sd": SD, "void": VOID.iri, "dct": DCT.iri, "formats": FORMATS, "rdfs": RDFS.iri,
            "xsd": XSD.iri}


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD.integer))


def _statistics(generation: Generation) -> dict[str, Any] | None:
    statistics = generation.manifest.get("statistics")
    return statistics if isinstance(statistics, dict) else None


def dataset_iri(generation: Generation) -> NamedNode:
    return NamedNode(f"{generation.base_iri}/-/void#catalogue")


def service_description(generation: Generation, settings: EndpointSettings) -> list[Triple]:
    """The ``sd:Service`` at ``{base}/sparql``: language, formats, features, default dataset."""
    endpoint = NamedNode(f"{generation.base_iri}/sparql")
    dataset = dataset_iri(generation)
    default_graph = BlankNode()
    triples = [
        Triple(endpoint, NamedNode(RDF.type), NamedNode(SD + "Service")),
        Triple(endpoint, NamedNode(SD + "endpoint"), endpoint),
        Triple(endpoint, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
        Triple(endpoint, NamedNode(SD + "feature"), NamedNode(SD + "UnionDefaultGraph")),
        Triple(endpoint, NamedNode(SD + "defaultEntailmentRegime"),
               NamedNode("http://www.w3.org/ns/entailment/Simple")),
        Triple(endpoint, NamedNode(DCT.title), Literal("ldcat SPARQL endpoint")),
        Triple(endpoint, NamedNode(RDFS.comment), Literal(
            f"Read-only SPARQL 1.1 Query. Each query may run {settings.query_timeout:g} s and "
            f"return {settings.max_rows} rows or triples; SPARQL updates are refused (the "
            "catalogue is published with ldcat load); SERVICE is refused unless the operator "
            "allows the endpoint. The default graph is the union of the record graphs.",
            language="en")),
        Triple(endpoint, NamedNode(SD + "defaultDataset"), dataset),
        Triple(dataset, NamedNode(RDF.type), NamedNode(SD + "Dataset")),
        Triple(dataset, NamedNode(SD + "defaultGraph"), default_graph),
        Triple(default_graph, NamedNode(RDF.type), NamedNode(SD + "Graph")),
    ]
    for answer_format in (*RESULT_FORMATS, *RDF_FORMATS):
        triples.append(Triple(endpoint, NamedNode(SD + "resultFormat"),
                              NamedNode(FORMATS + _FORMAT_IRIS[answer_format.name])))
    statistics = _statistics(generation)
    if statistics is not None:
        triples.append(Triple(default_graph, NamedNode(VOID.triples),
                              _integer(int(statistics["quads"]))))
    return triples


def void_description(generation: Generation, dumps: tuple[str, ...] = ()) -> list[Triple]:
    """The catalogue as a ``void:Dataset``: counts, class and property partitions, links."""
    base = generation.base_iri
    dataset = dataset_iri(generation)
    triples = [
        Triple(dataset, NamedNode(RDF.type), NamedNode(VOID.Dataset)),
        Triple(dataset, NamedNode(DCT.title), Literal("ldcat catalogue")),
        Triple(dataset, NamedNode(VOID.sparqlEndpoint), NamedNode(f"{base}/sparql")),
        Triple(dataset, NamedNode(VOID.rootResource), NamedNode(f"{base}/catalog")),
        Triple(dataset, NamedNode(VOID.uriSpace), Literal(f"{base}/")),
        Triple(dataset, NamedNode(DCT.modified),
               Literal(generation.created, datatype=NamedNode(XSD.dateTime))),
        Triple(dataset, NamedNode(DCT.identifier), Literal(generation.id)),
    ]
    triples += [Triple(dataset, NamedNode(VOID.vocabulary), NamedNode(iri))
                for iri in VOCABULARIES]
    triples += [Triple(dataset, NamedNode(VOID.dataDump), NamedNode(iri)) for iri in dumps]
    statistics = _statistics(generation)
    if statistics is None:
        triples.append(Triple(dataset, NamedNode(RDFS.comment), Literal(
            "This generation was published before ldcat counted generations at publication: "
            "no counts.", language="en")))
        return triples
    classes: dict[str, int] = statistics["classes"]
    properties: dict[str, int] = statistics["properties"]
    triples += [
        Triple(dataset, NamedNode(VOID.triples), _integer(int(statistics["quads"]))),
        Triple(dataset, NamedNode(VOID.classes), _integer(len(classes))),
        Triple(dataset, NamedNode(VOID.properties), _integer(len(properties))),
        Triple(dataset, NamedNode(RDFS.comment), Literal(
            "void:triples counts the triples of all record graphs; void:documents counts the "
            "record graphs.", language="en")),
    ]
    if statistics.get("graphs") is not None:
        triples.append(Triple(dataset, NamedNode(VOID.documents),
                              _integer(int(statistics["graphs"]))))
    for iri, count in classes.items():
        partition = BlankNode()
        triples += [Triple(dataset, NamedNode(VOID.classPartition), partition),
                    Triple(partition, NamedNode(VOID.term("class")), NamedNode(iri)),
                    Triple(partition, NamedNode(VOID.entities), _integer(count))]
    for iri, count in properties.items():
        partition = BlankNode()
        triples += [Triple(dataset, NamedNode(VOID.propertyPartition), partition),
                    Triple(partition, NamedNode(VOID.property), NamedNode(iri)),
                    Triple(partition, NamedNode(VOID.triples), _integer(count))]
    return triples
