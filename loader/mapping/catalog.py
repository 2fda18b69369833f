"""The root catalogue and the thematic sub-catalogues, each one record graph."""

from __future__ import annotations

from loader.mapping.catalog_api import write_catalog_api
from loader.mapping.context import MappingContext
from loader.mapping.distribution import (
    CHECKSUM_ALGORITHMS,
    checksum_algorithm,
    spdx_checksum_algorithm,
)
from loader.mapping.nquads import XSD_DATETIME, GraphWriter
from ontology.namespaces import (
    DCAT,
    DCT,
    ELI,
    EU_ACCESS_RIGHT,
    EU_AUTHORITY,
    EU_COUNTRY,
    EU_LANGUAGE,
    FOAF,
    HVD_LEGISLATION,
    IANA_MEDIA_TYPES,
    OWL,
    RDFS,
    SPDX,
)
from ontology.themes import Theme

DATA_THEME_SCHEME = EU_AUTHORITY + "data-theme"


def catalog_publisher_iri(ctx: MappingContext) -> str:
    """The IRI of the organisation publishing the root catalogue."""
    return f"{ctx.iris.catalog}#publisher"


def map_catalog(ctx: MappingContext, modified: str | None,
                own_licences: dict[str, str]) -> GraphWriter:
    """The root catalogue's graph: description, publisher, themes, licence documents.

    ``own_licences`` maps licence IRIs outside the EU table to their labels; they are described
    here once as ``dct:LicenseDocument`` rather than in every dataset graph.
    """
    settings = ctx.catalog
    subject = ctx.iris.catalog
    writer = GraphWriter(subject)
    writer.type(subject, DCAT.Catalog)
    writer.literal(subject, DCT.title, settings.title, lang="fr")
    writer.literal(subject, DCT.description, settings.description, lang="fr")
    writer.iri(subject, FOAF.homepage, settings.homepage)
    writer.type(settings.homepage, FOAF.Document)
    writer.iri(subject, DCT.language, EU_LANGUAGE.term(settings.language))
    writer.iri(subject, DCT.spatial, EU_COUNTRY.term(settings.spatial))
    writer.type(EU_COUNTRY.term(settings.spatial), DCT.Location)
    publisher = catalog_publisher_iri(ctx)
    writer.iri(subject, DCT.publisher, publisher)
    writer.type(publisher, FOAF.Organization, FOAF.Agent)
    writer.literal(publisher, FOAF.name, settings.publisher_name)
    writer.iri(publisher, FOAF.homepage, settings.publisher_homepage)
    writer.iri(subject, DCAT.themeTaxonomy, DATA_THEME_SCHEME)
    write_catalog_api(writer, ctx, publisher)
    if modified:
        writer.typed(subject, DCT.modified, modified, XSD_DATETIME)
    for theme in ctx.themes.themes:
        writer.iri(subject, DCT.hasPart, ctx.iris.theme(theme.slug))
    for iri, label in sorted(own_licences.items()):
        writer.literal(iri, RDFS.label, label, lang="fr")
    write_concept_classes(writer, ctx)
    return writer


def write_concept_classes(writer: GraphWriter, ctx: MappingContext) -> None:
    """Type, once, every vocabulary concept the records may link to, with the class DCAT-AP
    expects as the range (``dct:Frequency``, ``dct:MediaType``...): the EU tables publish them
    as plain ``skos:Concept`` and record graphs stay free of repeated declarations.

    The checksum algorithms are declared here too: the https spelling the official shapes
    demand, ``owl:sameAs`` SPDX's own http term (see :func:`checksum_algorithm`)."""
    tables = ctx.alignments
    declarations: dict[str, set[str]] = {}

    def declare(iri: str, rdf_class: str) -> None:
        declarations.setdefault(iri, set()).add(rdf_class)

    for language in {ctx.catalog.language, "FRA"}:
        declare(EU_LANGUAGE.term(language), DCT.LinguisticSystem)
    for right in ("PUBLIC", "RESTRICTED", "NON_PUBLIC"):
        declare(EU_ACCESS_RIGHT.term(right), DCT.RightsStatement)
    for frequency in tables.frequencies.values():
        declare(frequency, DCT.Frequency)
    for licence in tables.licences.values():
        if licence.iri:
            declare(licence.iri, DCT.LicenseDocument)
    for file_type in tables.file_types.values():
        declare(file_type, DCT.MediaTypeOrExtent)
    for media_type in tables.media_types:
        declare(IANA_MEDIA_TYPES + media_type, DCT.MediaType)
    declare(HVD_LEGISLATION, ELI.LegalResource)

    for iri in sorted(declarations):
        writer.type(iri, *sorted(declarations[iri]))
    for name in CHECKSUM_ALGORITHMS:
        writer.type(checksum_algorithm(name), SPDX.ChecksumAlgorithm)
        writer.iri(checksum_algorithm(name), OWL.sameAs, spdx_checksum_algorithm(name))


def map_theme(theme: Theme, ctx: MappingContext) -> GraphWriter:
    """A thematic catalogue's graph; its datasets link themselves from their own graphs."""
    subject = ctx.iris.theme(theme.slug)
    writer = GraphWriter(subject)
    writer.type(subject, DCAT.Catalog)
    writer.literal(subject, DCT.identifier, theme.slug)
    writer.literal(subject, DCT.title, theme.title, lang="fr")
    writer.literal(subject, DCT.description, theme.description or theme.title, lang="fr")
    writer.iri(subject, DCT.isPartOf, ctx.iris.catalog)
    writer.iri(subject, DCT.publisher, catalog_publisher_iri(ctx))
    writer.iri(subject, DCT.language, EU_LANGUAGE.term(ctx.catalog.language))
    if theme.homepage:
        writer.iri(subject, FOAF.homepage, theme.homepage)
        writer.type(theme.homepage, FOAF.Document)
    if theme.data_theme_iri:
        writer.iri(subject, DCAT.themeTaxonomy, theme.data_theme_iri.rsplit("/", 1)[0])
    return writer
