"""Resource records -> ``dcat:Distribution`` nodes inside their dataset's record graph."""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.nquads import XSD_DATETIME, XSD_HEXBINARY, XSD_NONNEG, GraphWriter
from loader.readers.fields import RowIssues
from loader.records import ResourceRecord
from ontology.alignments import Licence
from ontology.namespaces import DCAT, DCATAP, DCT, HVD_LEGISLATION, LDC, SPDX

CHECKSUM_ALGORITHMS = {
    "sha1": SPDX.checksumAlgorithm_sha1,
    "sha256": SPDX.checksumAlgorithm_sha256,
    "md5": SPDX.checksumAlgorithm_md5,
    "sha512": SPDX.checksumAlgorithm_sha512,
}
DOWNLOADABLE_FILETYPES = frozenset({"file"})


def map_distribution(resource: ResourceRecord, writer: GraphWriter, *, dataset_iri: str,
                     dataset_page: str | None, licence: Licence, hvd: bool,
                     ctx: MappingContext, issues: RowIssues) -> None:
    """Add one distribution (and its link from the dataset) to the dataset's graph writer."""
    subject = ctx.iris.resource(resource.id)
    writer.iri(dataset_iri, DCAT.distribution, subject)
    writer.type(subject, DCAT.Distribution)
    if resource.title:
        writer.literal(subject, DCT.title, resource.title, lang="fr")
    if resource.description:
        writer.literal(subject, DCT.description, resource.description, lang="fr")
    access_url = resource.url or dataset_page
    if resource.url is None:
        issues.warn("url", "resource without a usable URL; access URL is the dataset page")
    writer.iri(subject, DCAT.accessURL, access_url or subject)
    if resource.url and resource.filetype in DOWNLOADABLE_FILETYPES:
        writer.iri(subject, DCAT.downloadURL, resource.url)

    if resource.format:
        file_type = ctx.alignments.file_type(resource.format)
        if file_type:
            writer.iri(subject, DCT.format, file_type)
        else:
            writer.literal(subject, LDC.format, resource.format)
    media_type = ctx.alignments.media_type(resource.mime, resource.format)
    if media_type:
        writer.iri(subject, DCAT.mediaType, media_type)
    if resource.filesize is not None:
        writer.typed(subject, DCAT.byteSize, str(resource.filesize), XSD_NONNEG)
    if resource.checksum is not None:
        node = f"{subject}#checksum"
        writer.iri(subject, SPDX.checksum, node)
        writer.type(node, SPDX.Checksum)
        writer.iri(node, SPDX.algorithm, CHECKSUM_ALGORITHMS[resource.checksum.algorithm])
        writer.typed(node, SPDX.checksumValue, resource.checksum.value, XSD_HEXBINARY)
    if resource.created_at:
        writer.typed(subject, DCT.issued, resource.created_at, XSD_DATETIME)
    if resource.modified:
        writer.typed(subject, DCT.modified, resource.modified, XSD_DATETIME)
    if licence.iri:
        writer.iri(subject, DCT.license, licence.iri)
    else:
        writer.iri(subject, DCT.rights, f"{dataset_iri}#rights")
    if resource.type:
        writer.literal(subject, LDC.resourceType, resource.type)
    if hvd:
        writer.iri(subject, DCATAP.applicableLegislation, HVD_LEGISLATION)
