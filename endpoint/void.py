"""``/-/void``: the catalogue's VoID description, in the RDF format the client asks for."""

from __future__ import annotations

from pyoxigraph import RdfFormat, serialize
from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import is_not_modified
from endpoint.descriptions import PREFIXES, void_description
from endpoint.errors import error_response
from endpoint.exports_route import exports_root
from endpoint.generation_header import GENERATION_HEADER
from endpoint.query_formats import RDF_FORMATS, by_name, negotiate
from exports.manifest import read_manifest


async def void(request: Request) -> Response:
    """VoID with the counts computed at publication."""
    generation = request.app.state.repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    requested = request.query_params.get("format")
    answer_format = (by_name("CONSTRUCT", requested) if requested else
                     negotiate("CONSTRUCT", request.headers.get("accept")) or RDF_FORMATS[0])
    if answer_format is None:
        return error_response(400, "bad_format", f"format={requested!r} is not an RDF format "
                              "ldcat writes (ttl, nt, rdf, jsonld, trig, nq, n3)")
    root = exports_root(request)
    manifest = read_manifest(root / generation.id) if root is not None else None
    dumps = [f"{generation.base_iri}/exports/{entry.file}"
             for entry in (manifest.files if manifest else [])]
    etag = f'"void-{generation.id}-{len(dumps)}-{answer_format.name}"'
    headers = {"vary": "accept", "cache-control": "no-cache", GENERATION_HEADER: generation.id,
               "etag": etag}
    if is_not_modified(request.headers, etag, None):
        return Response(status_code=304, headers=headers)
    body = serialize(void_description(generation, tuple(dumps)),
                     format=getattr(RdfFormat, answer_format.oxigraph), prefixes=PREFIXES)
    return Response(body or b"", media_type=answer_format.content_type, headers=headers)
