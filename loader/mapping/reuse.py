"""Reuses -> ``ldc:Reuse`` documents, linked from the datasets they use by ``dct:isReferencedBy``.

The ``dataset dct:isReferencedBy reuse`` triples live in the reuse's own record graph: the
reuse asserts them, so replacing a reuse never touches a dataset graph.
"""

from __future__ import annotations

from collections.abc import Container

from loader.mapping.context import MappingContext
from loader.mapping.dataset import publisher_iri
from loader.mapping.nquads import XSD_DATETIME, GraphWriter
from loader.readers.fields import RowIssues
from loader.records import ReuseRecord
from ontology.namespaces import ADMS, ADMS_STATUS, DCAT, DCT, FOAF, LDC


def map_reuse(record: ReuseRecord, ctx: MappingContext, published_datasets: Container[str],
              issues: RowIssues) -> GraphWriter:
    """A reuse's record graph; links only to datasets that are published."""
    subject = ctx.iris.reuse(record.id)
    writer = GraphWriter(subject)
    writer.type(subject, LDC.Reuse, FOAF.Document)
    writer.literal(subject, DCT.identifier, record.id)
    if record.slug:
        writer.literal(subject, LDC.slug, record.slug)
    writer.literal(subject, DCT.title, record.title, lang="fr")
    if record.description:
        writer.literal(subject, DCT.description, record.description, lang="fr")
    if record.page:
        writer.iri(subject, DCAT.landingPage, record.page)
    if record.remote_url:
        writer.iri(subject, FOAF.page, record.remote_url)
    if record.image:
        writer.iri(subject, FOAF.depiction, record.image)
    if record.type:
        writer.literal(subject, LDC.reuseType, record.type)
    if record.topic:
        writer.literal(subject, LDC.topic, record.topic)
    for tag in record.tags:
        writer.literal(subject, DCAT.keyword, tag)
    creator = publisher_iri(record.organization_id, record.owner_id, ctx)
    if creator:
        writer.iri(subject, DCT.creator, creator)
    if record.created_at:
        writer.typed(subject, DCT.issued, record.created_at, XSD_DATETIME)
    if record.last_modified:
        writer.typed(subject, DCT.modified, record.last_modified, XSD_DATETIME)
    if record.archived:
        writer.iri(subject, ADMS.status, ADMS_STATUS.Deprecated)
    for dataset_id in record.datasets:
        if dataset_id in published_datasets:
            dataset = ctx.iris.dataset(dataset_id)
            writer.iri(dataset, DCT.isReferencedBy, subject)
            writer.iri(subject, DCT.references, dataset)
        else:
            issues.warn("datasets", f"reuses dataset {dataset_id!r}, which is not published")
    return writer
