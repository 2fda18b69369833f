"""Organisations and individual owners -> ``foaf:Organization`` / ``foaf:Person`` agents."""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.nquads import XSD_DATETIME, GraphWriter
from loader.records import OrganizationRecord, UserRecord
from ontology.namespaces import DCT, FOAF, LDC, SKOS


def map_organization(record: OrganizationRecord, ctx: MappingContext) -> GraphWriter:
    """An organisation's record graph."""
    subject = ctx.iris.organization(record.id)
    writer = GraphWriter(subject)
    writer.type(subject, FOAF.Organization, FOAF.Agent)
    writer.literal(subject, FOAF.name, record.name)
    writer.literal(subject, DCT.identifier, record.id)
    if record.slug:
        writer.literal(subject, LDC.slug, record.slug)
    if record.acronym:
        writer.literal(subject, SKOS.altLabel, record.acronym)
    if record.description:
        writer.literal(subject, DCT.description, record.description, lang="fr")
    if record.page:
        writer.iri(subject, FOAF.homepage, record.page)
    if record.logo:
        writer.iri(subject, FOAF.depiction, record.logo)
    if record.created_at:
        writer.typed(subject, DCT.issued, record.created_at, XSD_DATETIME)
    if record.last_modified:
        writer.typed(subject, DCT.modified, record.last_modified, XSD_DATETIME)
    if record.business_number_id:
        writer.literal(subject, LDC.siret, record.business_number_id)
    for badge in record.badges:
        writer.literal(subject, LDC.badge, badge)
    return writer


def map_user(record: UserRecord, ctx: MappingContext) -> GraphWriter:
    """A person's record graph (a dataset owner publishing without an organisation)."""
    subject = ctx.iris.user(record.id)
    writer = GraphWriter(subject)
    writer.type(subject, FOAF.Person, FOAF.Agent)
    writer.literal(subject, FOAF.name, record.name)
    writer.literal(subject, DCT.identifier, record.id)
    if record.page:
        writer.iri(subject, FOAF.homepage, record.page)
    return writer
