"""The catalogue's own API: the ``dcat:DataService`` that serves every dataset.

data.gouv.fr's API (``/api/1/``) gives, for each published dataset, its description and its
resources with their download links. ldcat describes it once, in the root catalogue graph,
as ``{catalog}#api``; each dataset graph says ``<{catalog}#api> dcat:servesDataset <dataset>``.
It is declared under the HVD regulation in every HVD category ldcat recognises: it is the
national access point through which high-value datasets of each category are served.
"""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.hvd import declare_hvd, mark_resource
from loader.mapping.nquads import GraphWriter
from ontology.namespaces import DCAT, DCT, EU_ACCESS_RIGHT, FOAF, VCARD


def catalog_api_iri(ctx: MappingContext) -> str:
    """``{catalog}#api``."""
    return f"{ctx.iris.catalog}#api"


def write_catalog_api(writer: GraphWriter, ctx: MappingContext, publisher: str) -> None:
    """Describe the catalogue API (and link it from the catalogue) in the catalogue graph."""
    settings = ctx.catalog
    subject = catalog_api_iri(ctx)
    writer.iri(ctx.iris.catalog, DCAT.service, subject)
    writer.type(subject, DCAT.DataService)
    writer.literal(subject, DCT.title, settings.api_title, lang="fr")
    writer.literal(subject, DCT.description, settings.api_description, lang="fr")
    writer.iri(subject, DCAT.endpointURL, settings.api_endpoint)
    mark_resource(writer, settings.api_endpoint)
    writer.iri(subject, DCAT.endpointDescription, settings.api_endpoint_description)
    mark_resource(writer, settings.api_endpoint_description)
    writer.iri(subject, FOAF.page, settings.api_documentation)
    writer.type(settings.api_documentation, FOAF.Document)
    writer.iri(subject, DCT.publisher, publisher)
    writer.iri(subject, DCT.accessRights, EU_ACCESS_RIGHT.PUBLIC)
    licence = ctx.alignments.licence(settings.api_licence)
    if licence is None or licence.iri is None:
        raise ValueError(f"catalog.toml: api_licence {settings.api_licence!r} has no IRI")
    writer.iri(subject, DCT.license, licence.iri)
    for keyword in ("api", "catalogue", "données ouvertes"):
        writer.literal(subject, DCAT.keyword, keyword, lang="fr")
    contact = f"{ctx.iris.catalog}#contact"
    writer.iri(subject, DCAT.contactPoint, contact)
    writer.type(contact, VCARD.Kind, VCARD.Organization)
    writer.literal(contact, VCARD.fn, settings.contact_name)
    writer.iri(contact, VCARD.hasURL, settings.contact_url)
    mark_resource(writer, settings.contact_url)
    declare_hvd(writer, subject, *sorted(set(ctx.alignments.hvd_categories.values())))
