"""IRIs of the vocabularies ldcat writes, as plain strings (the mapping emits N-Quads text).

>>> DCAT.Dataset
'http://www.w3.org/ns/dcat#Dataset'
"""

from __future__ import annotations


class Namespace:
    """A namespace IRI; attribute access appends the local name.

    Not a ``str`` subclass on purpose: ``DCT.title`` or ``DCT.format`` would then be string
    methods, not IRIs.
    """

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, local_name: str) -> str:
        if local_name.startswith("__"):
            raise AttributeError(local_name)
        term = self.iri + local_name
        self.__dict__[local_name] = term  # later lookups skip __getattr__ (hot path)
        return term

    def __str__(self) -> str:
        return self.iri

    def __repr__(self) -> str:
        return f"Namespace({self.iri!r})"

    def term(self, local_name: str) -> str:
        """The IRI of ``local_name`` in this namespace (for names that are not identifiers)."""
        return self.iri + local_name


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SPDX_HTTPS = Namespace("https://spdx.org/rdf/terms#")
"""SPDX terms spelled with https: what the official DCAT-AP 3.0.1 checksum shape accepts."""
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
SCHEMA = Namespace("https://schema.org/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VOID = Namespace("http://rdfs.org/ns/void#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
LDC = Namespace("https://w3id.org/ldcat/ns#")
"""ldcat's own terms (see ``ontology/ldcat.ttl``)."""

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FREQUENCY = Namespace(EU_AUTHORITY + "frequency/")
EU_LANGUAGE = Namespace(EU_AUTHORITY + "language/")
EU_COUNTRY = Namespace(EU_AUTHORITY + "country/")
EU_ACCESS_RIGHT = Namespace(EU_AUTHORITY + "access-right/")
EU_FILE_TYPE = Namespace(EU_AUTHORITY + "file-type/")
EU_DISTRIBUTION_STATUS = Namespace(EU_AUTHORITY + "distribution-status/")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
ADMS_STATUS = Namespace("http://purl.org/adms/status/")
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
HVD_CATEGORY_SCHEME = "http://data.europa.eu/bna/asd487ae75"
INSEE_GEO = "http://id.insee.fr/geo/"

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "dct": str(DCT),
    "dcatap": str(DCATAP),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "spdx": str(SPDX),
    "skos": str(SKOS),
    "locn": str(LOCN),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "ldc": str(LDC),
    "hydra": str(HYDRA),
    "void": str(VOID),
}
"""Prefixes used when ldcat serialises Turtle or SPARQL for people to read."""
