"""ldcat's JSON-LD contexts: short, predictable keys for the terms the catalogue uses.

:data:`LDCAT_CONTEXT` is published at ``/-/context.jsonld`` (stable: keys are only ever
added); :data:`SCHEMA_CONTEXT` is the small inline context of the schema.org profile. Each
term says how its values are written, and :mod:`endpoint.jsonld_frame` writes a value in the
short form only when expanding it gives back exactly the stored literal or IRI.

>>> LDCAT_CONTEXT.document()["@context"]["title"]
{'@id': 'dct:title', '@language': 'fr'}
>>> LDCAT_CONTEXT.forward["http://www.w3.org/ns/dcat#distribution"].key
'distribution'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ontology.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    FOAF,
    LDC,
    LOCN,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)

ID, TEXT, TYPED, PLAIN = "id", "text", "typed", "plain"


@dataclass(frozen=True, slots=True)
class Term:
    """One key: the property it stands for and how its values are written."""

    key: str
    iri: str
    kind: str = PLAIN
    """``id`` (IRI values), ``text`` (language-tagged), ``typed`` (a datatype), ``plain``."""
    datatype: str = ""
    many: bool = False
    """Always an array (``@container: @set``)."""
    embed: bool = False
    """Nodes it points to are nested as objects (when the document describes them)."""
    reverse: bool = False
    """The key holds the subjects pointing *to* this node (``@reverse``)."""
    language: str = "fr"


def _id(key: str, iri: str, *, many: bool = False, embed: bool = False) -> Term:
    return Term(key, iri, ID, many=many, embed=embed)


def _text(key: str, iri: str) -> Term:
    return Term(key, iri, TEXT)


def _typed(key: str, iri: str, datatype: str) -> Term:
    return Term(key, iri, TYPED, datatype=datatype)


class Context:
    """A JSON-LD context and the lookups the framer needs."""

    def __init__(self, prefixes: dict[str, str], classes: dict[str, str],
                 terms: tuple[Term, ...], vocab: str = "") -> None:
        self.prefixes = prefixes
        self.classes = classes
        self.terms = terms
        self.vocab = vocab
        self.forward = {term.iri: term for term in terms if not term.reverse}
        self.reverse = {term.iri: term for term in terms if term.reverse}
        self.class_keys = {iri: key for key, iri in classes.items()}
        self.order = {term.key: position for position, term in enumerate(terms)}

    def compact(self, iri: str) -> str:
        """``prefix:local`` when a prefix of this context covers ``iri``, else ``iri``."""
        if self.vocab and iri.startswith(self.vocab):
            return iri
        for prefix, namespace in self.prefixes.items():
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and all(
                    char.isalnum() or char in "_-." for char in local):
                return f"{prefix}:{local}"
        return iri

    def type_key(self, iri: str) -> str:
        """How a class is written as a ``type`` value."""
        if iri in self.class_keys:
            return self.class_keys[iri]
        if self.vocab and iri.startswith(self.vocab):
            return iri[len(self.vocab):]
        return self.compact(iri)

    def _definition(self, term: Term) -> Any:
        iri = term.iri if self.vocab and term.iri.startswith(self.vocab) else self.compact(term.iri)
        definition: dict[str, str] = {"@reverse" if term.reverse else "@id": iri}
        if term.kind == ID:
            definition["@type"] = "@id"
        elif term.kind == TEXT:
            definition["@language"] = term.language
        elif term.kind == TYPED:
            definition["@type"] = self.compact(term.datatype)
        if term.many:
            definition["@container"] = "@set"
        if len(definition) == 1 and not term.reverse:
            return iri
        return definition

    def document(self) -> dict[str, Any]:
        """The context document: ``{"@context": {...}}``."""
        context: dict[str, Any] = {"@version": 1.1}
        if self.vocab:
            context["@vocab"] = self.vocab
        context.update({"id": "@id", "type": "@type", "included": "@included"})
        context.update(self.prefixes)
        context.update({key: self.compact(iri) for key, iri in self.classes.items()})
        context.update({term.key: self._definition(term) for term in self.terms})
        return {"@context": context}


LDCAT_CONTEXT = Context(
    prefixes={"dcat": DCAT.iri, "dct": DCT.iri, "dcatap": DCATAP.iri, "foaf": FOAF.iri,
              "vcard": VCARD.iri, "adms": ADMS.iri, "spdx": SPDX.iri, "skos": SKOS.iri,
              "locn": LOCN.iri, "rdf": RDF.iri, "rdfs": RDFS.iri, "owl": OWL.iri,
              "xsd": XSD.iri, "ldc": LDC.iri, "prov": PROV.iri},
    classes={
        "Catalog": DCAT.Catalog, "Dataset": DCAT.Dataset, "Distribution": DCAT.Distribution,
        "DataService": DCAT.DataService, "Organization": FOAF.Organization,
        "Person": FOAF.Person, "Agent": FOAF.Agent, "Document": FOAF.Document,
        "Kind": VCARD.Kind, "ContactOrganization": VCARD.Organization,
        "ContactIndividual": VCARD.Individual, "PeriodOfTime": DCT.PeriodOfTime,
        "Location": DCT.Location, "RightsStatement": DCT.RightsStatement,
        "LicenseDocument": DCT.LicenseDocument, "Checksum": SPDX.Checksum,
        "Reuse": LDC.Reuse, "Resource": RDFS.Resource,
    },
    terms=(
        _text("title", DCT.title),
        _text("description", DCT.description),
        _text("alternative", DCT.alternative),
        Term("identifier", DCT.identifier),
        Term("slug", LDC.slug),
        _typed("issued", DCT.issued, XSD.dateTime),
        _typed("modified", DCT.modified, XSD.dateTime),
        Term("keyword", DCAT.keyword, many=True),
        _id("theme", DCAT.theme, many=True),
        _id("language", DCT.language, many=True),
        _id("accessRights", DCT.accessRights),
        _id("license", DCT.license),
        _id("rights", DCT.rights),
        _id("frequency", DCT.accrualPeriodicity),
        _id("landingPage", DCAT.landingPage),
        _id("status", ADMS.status),
        _id("publisher", DCT.publisher, embed=True),
        _id("creator", DCT.creator, embed=True),
        _id("contactPoint", DCAT.contactPoint, embed=True),
        _id("temporal", DCT.temporal, many=True, embed=True),
        _typed("startDate", DCAT.startDate, XSD.date),
        _typed("endDate", DCAT.endDate, XSD.date),
        _id("spatial", DCT.spatial, many=True, embed=True),
        _text("prefLabel", SKOS.prefLabel),
        _text("label", RDFS.label),
        Term("altLabel", SKOS.altLabel),
        _id("distribution", DCAT.distribution, many=True, embed=True),
        _id("accessURL", DCAT.accessURL),
        _id("downloadURL", DCAT.downloadURL),
        _id("format", DCT.format),
        Term("formatLabel", LDC.format),
        _id("mediaType", DCAT.mediaType),
        _typed("byteSize", DCAT.byteSize, XSD.nonNegativeInteger),
        _id("checksum", SPDX.checksum, embed=True),
        _id("algorithm", SPDX.algorithm),
        _typed("checksumValue", SPDX.checksumValue, XSD.hexBinary),
        Term("resourceType", LDC.resourceType),
        _id("applicableLegislation", DCATAP.applicableLegislation, many=True),
        _id("hvdCategory", DCATAP.hvdCategory, many=True),
        Term("name", FOAF.name),
        Term("fn", VCARD.fn),
        _id("url", VCARD.hasURL),
        _id("homepage", FOAF.homepage),
        _id("page", FOAF.page, many=True),
        _id("depiction", FOAF.depiction),
        Term("siret", LDC.siret),
        Term("badge", LDC.badge, many=True),
        _id("references", DCT.references, many=True),
        _id("referencedBy", DCT.isReferencedBy, many=True),
        Term("reuseType", LDC.reuseType),
        Term("topic", LDC.topic),
        _id("endpointURL", DCAT.endpointURL),
        _id("endpointDescription", DCAT.endpointDescription),
        _id("servesDataset", DCAT.servesDataset, many=True),
        _typed("availability", LDC.availability, XSD.decimal),
        Term("rateLimiting", LDC.rateLimiting),
        _id("dataset", DCAT.dataset, many=True),
        _id("service", DCAT.service, many=True),
        _id("hasPart", DCT.hasPart, many=True),
        _id("isPartOf", DCT.isPartOf),
        _id("themeTaxonomy", DCAT.themeTaxonomy, many=True),
        _typed("qualityScore", LDC.qualityScore, XSD.decimal),
        _typed("featured", LDC.featured, XSD.boolean),
        _typed("archived", LDC.archived, XSD.dateTime),
        _id("harvestedFrom", LDC.harvestedFrom),
        Term("harvestBackend", LDC.harvestBackend),
        Term("spatialGranularity", LDC.spatialGranularity),
        _id("sameAs", OWL.sameAs, many=True),
        Term("inCatalog", DCAT.dataset, ID, many=True, reverse=True),
        Term("servedBy", DCAT.servesDataset, ID, many=True, reverse=True),
    ),
)
"""The context of ``/-/context.jsonld`` (the DCAT-AP 3 and 2.1.1 profiles)."""

SCHEMA_CONTEXT = Context(
    prefixes={"xsd": XSD.iri},
    classes={},
    vocab=SCHEMA.iri,
    terms=(
        _text("name", SCHEMA.name),
        _text("description", SCHEMA.description),
        _text("alternateName", SCHEMA.alternateName),
        Term("identifier", SCHEMA.identifier),
        Term("keywords", SCHEMA.keywords, many=True),
        _id("url", SCHEMA.url),
        _id("license", SCHEMA.license),
        _typed("datePublished", SCHEMA.datePublished, XSD.dateTime),
        _typed("dateModified", SCHEMA.dateModified, XSD.dateTime),
        Term("inLanguage", SCHEMA.inLanguage),
        _typed("isAccessibleForFree", SCHEMA.isAccessibleForFree, XSD.boolean),
        _id("publisher", SCHEMA.publisher, embed=True),
        _id("provider", SCHEMA.provider, embed=True),
        _id("author", SCHEMA.author, embed=True),
        Term("temporalCoverage", SCHEMA.temporalCoverage),
        _id("spatialCoverage", SCHEMA.spatialCoverage, many=True, embed=True),
        _id("distribution", SCHEMA.distribution, many=True, embed=True),
        _id("contentUrl", SCHEMA.contentUrl),
        Term("encodingFormat", SCHEMA.encodingFormat),
        Term("contentSize", SCHEMA.contentSize),
        _id("includedInDataCatalog", SCHEMA.includedInDataCatalog, many=True, embed=True),
        _id("isPartOf", SCHEMA.isPartOf),
        _id("isBasedOn", SCHEMA.isBasedOn, many=True),
        _id("image", SCHEMA.image),
        _id("logo", SCHEMA.logo),
        _id("documentation", SCHEMA.documentation, many=True),
        Term("creativeWorkStatus", SCHEMA.creativeWorkStatus),
    ),
)
"""The inline context of the schema.org profile (search engines read it without a fetch)."""
