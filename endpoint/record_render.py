"""Turning a record's document into bytes of one variant (format × profile).

RDF formats are serialised by pyoxigraph from the profile's triples; JSON-LD is framed by
:mod:`endpoint.jsonld_frame`; HTML is rendered by :mod:`endpoint.record_pages`.
"""

from __future__ import annotations

import json

from pyoxigraph import Triple, serialize

from endpoint.jsonld_context import LDCAT_CONTEXT, SCHEMA_CONTEXT
from endpoint.jsonld_frame import frame
from endpoint.profiles import DCAT_AP_2, SCHEMA_ORG, Profile
from endpoint.record_documents import RecordDocument
from endpoint.record_formats import RecordFormat
from endpoint.schema_org import to_schema_org
from exports.dcat_ap2 import to_dcat_ap_2
from ontology.namespaces import PREFIXES

CONTEXT_PATH = "/-/context.jsonld"
RENDERER_VERSION = "2"
"""Part of every entity tag: bump it when a change here changes the bytes served."""


def profile_triples(document: RecordDocument, profile: Profile) -> list[Triple]:
    """The document's triples as ``profile`` shapes them."""
    if profile == DCAT_AP_2:
        return to_dcat_ap_2(document.triples)
    if profile == SCHEMA_ORG:
        return to_schema_org(document.triples, document.iri)
    return document.triples


def render_rdf(document: RecordDocument, record_format: RecordFormat,
               profile: Profile) -> bytes:
    """The document in an RDF format pyoxigraph writes (Turtle, RDF/XML, N-Triples)."""
    if record_format.rdf_format is None:
        raise ValueError(f"{record_format.label} is not written by pyoxigraph")
    triples = profile_triples(document, profile)
    return serialize(triples, format=record_format.rdf_format, prefixes=PREFIXES) or b""


def render_jsonld(document: RecordDocument, profile: Profile, base_iri: str,
                  *, inline_context: bool = False) -> bytes:
    """The document as compact JSON-LD framed around the record (:mod:`endpoint.jsonld_frame`).

    DCAT-AP profiles refer to the published context (``{base}/-/context.jsonld``) unless
    ``inline_context``; schema.org always carries its small context inline.
    """
    triples = profile_triples(document, profile)
    if profile == SCHEMA_ORG:
        framed = frame(triples, document.iri, SCHEMA_CONTEXT,
                       SCHEMA_CONTEXT.document()["@context"])
    else:
        reference = (LDCAT_CONTEXT.document()["@context"] if inline_context
                     else context_url(base_iri))
        framed = frame(triples, document.iri, LDCAT_CONTEXT, reference)
    return json.dumps(framed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def context_url(base_iri: str) -> str:
    """Where ldcat's JSON-LD context is published."""
    return f"{base_iri}{CONTEXT_PATH}"
