"""Record routes: ``/datasets/{id}``, ``/organizations/{id}``... as RDF from the record graph.

This first version serves Turtle (default), N-Triples, N-Quads, RDF/XML and JSON-LD chosen
by suffix or ``Accept``; the linked-data pages issue adds HTML, profiles and caching headers.
"""

from __future__ import annotations

from pyoxigraph import RdfFormat, serialize
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.errors import error_response
from loader.mapping.iris import path_segment
from loader.repo import NoGeneration, Repo

RECORD_KINDS = ("datasets", "resources", "organizations", "users", "reuses", "dataservices",
                "themes")
SUFFIX_FORMATS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".rdf": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}
ACCEPT_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


def _split_suffix(identifier: str) -> tuple[str, RdfFormat | None]:
    for suffix, rdf_format in SUFFIX_FORMATS.items():
        if identifier.endswith(suffix):
            return identifier[: -len(suffix)], rdf_format
    return identifier, None


def _from_accept(accept: str) -> RdfFormat:
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in ACCEPT_FORMATS:
            return ACCEPT_FORMATS[media]
    return RdfFormat.TURTLE


def _subject_iri(base: str, kind: str, identifier: str) -> str:
    return f"{base}/{kind}/{path_segment(identifier)}"


async def record(request: Request) -> Response:
    """A record's description from its named graph."""
    repo: Repo = request.app.state.repo
    kind = request.path_params["kind"]
    if kind not in RECORD_KINDS:
        return error_response(404, "not_found", f"no route for /{kind}/")
    identifier, rdf_format = _split_suffix(request.path_params["identifier"])
    generation = repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    rdf_format = rdf_format or _from_accept(request.headers.get("accept", ""))
    iri = _subject_iri(generation.base_iri, kind, identifier)
    try:
        body = await run_in_threadpool(_describe, repo, kind, iri, rdf_format)
    except NoGeneration:
        return error_response(503, "no_generation", "nothing has been published yet")
    except ValueError:
        body = None
    if body is None:
        return error_response(404, "not_found", f"no {kind[:-1]} {identifier!r} is published")
    return Response(body, media_type=_media_type(rdf_format))


def _describe(repo: Repo, kind: str, iri: str, rdf_format: RdfFormat) -> bytes | None:
    """A record's triples serialised (a distribution: its own triples, wherever they live)."""
    if kind == "resources":
        triples = repo.description(iri)
    else:
        triples = [quad.triple for quad in repo.record_graph(iri)]
    return serialize(triples, format=rdf_format) if triples else None


def _media_type(rdf_format: RdfFormat) -> str:
    media_type = rdf_format.media_type
    if media_type.startswith("text/") or rdf_format in (RdfFormat.N_TRIPLES,):
        return f"{media_type}; charset=utf-8"
    return media_type
