"""Data services (APIs) -> ``dcat:DataService``, listed in the root catalogue."""

from __future__ import annotations

from collections.abc import Container

from loader.mapping.context import MappingContext
from loader.mapping.dataset import publisher_iri, write_contact_point, write_rights
from loader.mapping.hvd import declare_hvd, hvd_category, mark_resource
from loader.mapping.licences import resolve_licence
from loader.mapping.nquads import XSD_DATETIME, XSD_DECIMAL, GraphWriter
from loader.readers.fields import RowIssues
from loader.records import DataserviceRecord
from ontology.namespaces import ADMS, ADMS_STATUS, DCAT, DCT, EU_ACCESS_RIGHT, FOAF, LDC

ACCESS_RIGHTS = {
    "open": EU_ACCESS_RIGHT.PUBLIC,
    "open_with_account": EU_ACCESS_RIGHT.RESTRICTED,
    "restricted": EU_ACCESS_RIGHT.RESTRICTED,
}


def map_dataservice(record: DataserviceRecord, ctx: MappingContext,
                    published_datasets: Container[str], issues: RowIssues) -> GraphWriter:
    """A data service's record graph."""
    subject = ctx.iris.dataservice(record.id)
    writer = GraphWriter(subject)
    writer.type(subject, DCAT.DataService)
    writer.literal(subject, DCT.identifier, record.id)
    if record.slug:
        writer.literal(subject, LDC.slug, record.slug)
    writer.literal(subject, DCT.title, record.title, lang="fr")
    writer.literal(subject, DCT.description, record.description or record.title, lang="fr")
    category = hvd_category(record.tags, record.is_hvd, ctx, issues)
    hvd = category is not None
    endpoint = record.base_api_url or record.page or subject
    if record.base_api_url is None:
        issues.warn("base_api_url", "data service without an API base URL; its page stands in")
    writer.iri(subject, DCAT.endpointURL, endpoint)
    if record.machine_documentation_url:
        writer.iri(subject, DCAT.endpointDescription, record.machine_documentation_url)
        if hvd:
            mark_resource(writer, record.machine_documentation_url)
    pages = [url for url in (record.technical_documentation_url,
                             record.business_documentation_url) if url]
    for url in pages:
        writer.iri(subject, FOAF.page, url)
        writer.type(url, FOAF.Document)
    if record.page:
        writer.iri(subject, DCAT.landingPage, record.page)
        writer.type(record.page, FOAF.Document)
    if category:
        declare_hvd(writer, subject, category)
        mark_resource(writer, endpoint)
        if not pages:
            issues.warn("technical_documentation_url",
                        "high-value API without documentation (DCAT-AP HVD wants foaf:page)")
    access = ACCESS_RIGHTS.get(record.access_type)
    if access:
        writer.iri(subject, DCT.accessRights, access)
    licence = resolve_licence(record.license, ctx.alignments, "license", issues)
    if licence.iri:
        writer.iri(subject, DCT.license, licence.iri)
    else:
        write_rights(writer, f"{subject}#rights", licence)
        writer.iri(subject, DCT.rights, f"{subject}#rights")
    publisher = publisher_iri(record.organization_id, record.owner_id, ctx)
    if publisher:
        writer.iri(subject, DCT.publisher, publisher)
        write_contact_point(writer, subject, record.organization_name or record.owner_name,
                            publisher, individual=not record.organization_id, hvd=hvd)
    for tag in record.tags:
        writer.literal(subject, DCAT.keyword, tag)
    if record.created_at:
        writer.typed(subject, DCT.issued, record.created_at, XSD_DATETIME)
    if record.modified:
        writer.typed(subject, DCT.modified, record.modified, XSD_DATETIME)
    if record.availability:
        writer.typed(subject, LDC.availability, record.availability, XSD_DECIMAL)
    if record.rate_limiting:
        writer.literal(subject, LDC.rateLimiting, record.rate_limiting)
    if record.archived:
        writer.iri(subject, ADMS.status, ADMS_STATUS.Deprecated)
    for dataset_id in record.datasets:
        if dataset_id in published_datasets:
            writer.iri(subject, DCAT.servesDataset, ctx.iris.dataset(dataset_id))
        else:
            issues.warn("datasets", f"serves dataset {dataset_id!r}, which is not published")
    writer.iri(ctx.iris.catalog, DCAT.service, subject)
    return writer
