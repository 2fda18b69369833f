"""The root catalogue and the thematic sub-catalogues, each one record graph."""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.nquads import XSD_DATETIME, GraphWriter
from ontology.namespaces import DCAT, DCT, EU_COUNTRY, EU_LANGUAGE, FOAF, RDFS
from ontology.themes import Theme


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
    if modified:
        writer.typed(subject, DCT.modified, modified, XSD_DATETIME)
    for theme in ctx.themes.themes:
        writer.iri(subject, DCT.hasPart, ctx.iris.theme(theme.slug))
    for iri, label in sorted(own_licences.items()):
        writer.type(iri, DCT.LicenseDocument)
        writer.literal(iri, RDFS.label, label, lang="fr")
    return writer


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
