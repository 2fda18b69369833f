"""Resource records -> ``dcat:Distribution`` nodes inside their dataset's record graph."""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.hvd import declare_hvd, mark_resource
from loader.mapping.nquads import XSD_DATETIME, XSD_HEXBINARY, XSD_NONNEG, GraphWriter
from loader.readers.fields import RowIssues
from loader.records import ResourceRecord
from ontology.alignments import Licence
from ontology.namespaces import DCAT, DCT, LDC, SPDX, SPDX_HTTPS

CHECKSUM_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
"""udata checksum types with an SPDX term (``crc`` and ``sha2`` have none: the readers drop
them with a warning)."""


def checksum_algorithm(name: str) -> str:
    """The algorithm IRI ldcat writes: SPDX's term, spelled ``https``.

    SPDX's own IRIs are ``http://spdx.org/rdf/terms#checksumAlgorithm_*``, but the official
    DCAT-AP 3.0.1 shape demands ``^https://spdx.org/rdf/terms``. The root catalogue graph
    declares each https term ``owl:sameAs`` its http original (see README, Conformance).

    >>> checksum_algorithm("sha1")
    'https://spdx.org/rdf/terms#checksumAlgorithm_sha1'
    """
    return SPDX_HTTPS.term(f"checksumAlgorithm_{name}")


def spdx_checksum_algorithm(name: str) -> str:
    """SPDX's own (http) term for an algorithm."""
    return SPDX.term(f"checksumAlgorithm_{name}")
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
    if hvd:
        mark_resource(writer, access_url or subject)
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
        writer.iri(node, SPDX.algorithm, checksum_algorithm(resource.checksum.algorithm))
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
        declare_hvd(writer, subject)
