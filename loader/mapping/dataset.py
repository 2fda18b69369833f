"""Dataset records -> DCAT-AP 3 ``dcat:Dataset`` (the head of a dataset's record graph).

The dataset's record graph, named by its IRI, holds the dataset, its contact point, temporal
and spatial nodes, its catalogue memberships and, from :mod:`loader.mapping.distribution`,
its distributions. Auxiliary nodes get fragment IRIs under the dataset IRI (``#contact``,
``#temporal``, ``#spatial-1``, ``#rights``): no blank nodes, so reloading the same input
yields the very same graph.
"""

from __future__ import annotations

from loader.mapping.catalog_api import catalog_api_iri
from loader.mapping.context import MappingContext
from loader.mapping.hvd import declare_hvd, hvd_category, mark_resource
from loader.mapping.licences import resolve_licence
from loader.mapping.nquads import XSD_DATE, XSD_DATETIME, XSD_DECIMAL, GraphWriter
from loader.readers.fields import RowIssues
from loader.records import DatasetRecord
from ontology.alignments import Licence
from ontology.namespaces import (
    ADMS,
    ADMS_STATUS,
    DCAT,
    DCT,
    EU_ACCESS_RIGHT,
    EU_LANGUAGE,
    FOAF,
    LDC,
    RDFS,
    SKOS,
    VCARD,
    XSD,
)

XSD_BOOLEAN_TRUE = f'"true"^^<{XSD.boolean}>'


def publisher_iri(record_org_id: str, record_owner_id: str, ctx: MappingContext) -> str | None:
    """The publisher of a record: its organisation, else its owner, else none."""
    if record_org_id:
        return ctx.iris.organization(record_org_id)
    if record_owner_id:
        return ctx.iris.user(record_owner_id)
    return None


def write_contact_point(writer: GraphWriter, subject: str, name: str, url: str | None,
                        individual: bool, hvd: bool = False) -> None:
    """``subject dcat:contactPoint <subject#contact>``, a vCard with a name and a URL."""
    contact = f"{subject}#contact"
    writer.iri(subject, DCAT.contactPoint, contact)
    writer.type(contact, VCARD.Kind, VCARD.Individual if individual else VCARD.Organization)
    writer.literal(contact, VCARD.fn, name)
    if url:
        writer.iri(contact, VCARD.hasURL, url)
        if hvd:
            mark_resource(writer, url)


def write_rights(writer: GraphWriter, node: str, licence: Licence) -> None:
    """A ``dct:RightsStatement`` node saying what is known of the licence."""
    writer.type(node, DCT.RightsStatement)
    writer.literal(node, RDFS.label, licence.label, lang="fr")


def map_dataset(record: DatasetRecord, ctx: MappingContext, issues: RowIssues) -> GraphWriter:
    """The dataset part of a dataset's record graph (distributions are added separately).

    Every dataset is served by the catalogue's own API (:mod:`loader.mapping.catalog_api`);
    the link lives here, in the dataset's graph, like its ``dcat:dataset`` membership.
    """
    iris = ctx.iris
    subject = iris.dataset(record.id)
    writer = GraphWriter(subject)
    writer.type(subject, DCAT.Dataset)
    writer.literal(subject, DCT.identifier, record.id)
    if record.slug:
        writer.literal(subject, LDC.slug, record.slug)
    writer.literal(subject, DCT.title, record.title, lang="fr")
    writer.literal(subject, DCT.description, record.description or record.title, lang="fr")
    if record.acronym:
        writer.literal(subject, DCT.alternative, record.acronym, lang="fr")
    if record.page:
        writer.iri(subject, DCAT.landingPage, record.page)
        writer.type(record.page, FOAF.Document)
    writer.iri(subject, DCT.language, EU_LANGUAGE.FRA)
    writer.iri(subject, DCT.accessRights, EU_ACCESS_RIGHT.PUBLIC)
    for tag in record.tags:
        writer.literal(subject, DCAT.keyword, tag)
    if record.created_at:
        writer.typed(subject, DCT.issued, record.created_at, XSD_DATETIME)
    if record.last_modified:
        writer.typed(subject, DCT.modified, record.last_modified, XSD_DATETIME)

    category = hvd_category(record.tags, record.is_hvd, ctx, issues,
                            resources=record.resources_count)
    publisher = publisher_iri(record.organization_id, record.owner_id, ctx)
    if publisher:
        writer.iri(subject, DCT.publisher, publisher)
        write_contact_point(writer, subject,
                            record.organization_name or record.owner_name or record.title,
                            publisher, individual=not record.organization_id,
                            hvd=category is not None)

    _write_frequency(writer, subject, record, ctx, issues)
    _write_temporal(writer, subject, record)
    _write_spatial(writer, subject, record, ctx)
    _write_status(writer, subject, record)
    _write_themes(writer, subject, record, ctx)
    if category:
        declare_hvd(writer, subject, category)

    licence = resolve_licence(record.license, ctx.alignments, "license", issues)
    if licence.iri is None:
        write_rights(writer, f"{subject}#rights", licence)
    if record.quality_score:
        writer.typed(subject, LDC.qualityScore, record.quality_score, XSD_DECIMAL)
    if record.featured:
        writer.lines.append(f"<{subject}> <{LDC.featured}> {XSD_BOOLEAN_TRUE} <{subject}> .\n")
    if record.harvest_remote_url:
        writer.iri(subject, LDC.harvestedFrom, record.harvest_remote_url)
    if record.harvest_backend:
        writer.literal(subject, LDC.harvestBackend, record.harvest_backend)
    if record.spatial_granularity:
        writer.literal(subject, LDC.spatialGranularity, record.spatial_granularity)
    writer.iri(iris.catalog, DCAT.dataset, subject)
    writer.iri(catalog_api_iri(ctx), DCAT.servesDataset, subject)
    return writer


def _write_frequency(writer: GraphWriter, subject: str, record: DatasetRecord,
                     ctx: MappingContext, issues: RowIssues) -> None:
    if not record.frequency:
        return
    frequency = ctx.alignments.frequency(record.frequency)
    if frequency:
        writer.iri(subject, DCT.accrualPeriodicity, frequency)
    else:
        issues.warn("frequency", f"unknown frequency {record.frequency!r}; left out")


def _write_temporal(writer: GraphWriter, subject: str, record: DatasetRecord) -> None:
    if not (record.temporal_start or record.temporal_end):
        return
    period = f"{subject}#temporal"
    writer.iri(subject, DCT.temporal, period)
    writer.type(period, DCT.PeriodOfTime)
    if record.temporal_start:
        writer.typed(period, DCAT.startDate, record.temporal_start, XSD_DATE)
    if record.temporal_end:
        writer.typed(period, DCAT.endDate, record.temporal_end, XSD_DATE)


def _write_spatial(writer: GraphWriter, subject: str, record: DatasetRecord,
                   ctx: MappingContext) -> None:
    for position, value in enumerate(record.spatial_zones, start=1):
        zone = ctx.alignments.zone(value)
        node = zone.iri or f"{subject}#spatial-{position}"
        writer.iri(subject, DCT.spatial, node)
        writer.type(node, DCT.Location)
        if zone.iri is None:
            writer.literal(node, SKOS.prefLabel, zone.label, lang="fr")
            if zone.code:
                writer.literal(node, DCT.identifier, value)


def _write_status(writer: GraphWriter, subject: str, record: DatasetRecord) -> None:
    if record.archived is None:
        return
    writer.iri(subject, ADMS.status, ADMS_STATUS.Deprecated)
    if record.archived != "true":
        writer.typed(subject, LDC.archived, record.archived, XSD_DATETIME)


def _write_themes(writer: GraphWriter, subject: str, record: DatasetRecord,
                  ctx: MappingContext) -> None:
    seen: set[str] = set()
    for theme in ctx.themes.themes_of(record.organization_id, record.tags, record.title):
        writer.iri(ctx.iris.theme(theme.slug), DCAT.dataset, subject)
        data_theme = theme.data_theme_iri
        if data_theme and data_theme not in seen:
            seen.add(data_theme)
            writer.iri(subject, DCAT.theme, data_theme)
