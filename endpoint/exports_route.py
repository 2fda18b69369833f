"""``/exports/``: the full dumps of the published generation, with their manifest.

``/exports/`` answers the manifest (Turtle and the other RDF formats by ``Accept``, or JSON);
``/exports/{file}`` sends a dump with ``Content-Length``, an ``ETag`` (its SHA-256) and Range
support. Dumps are written by ``ldcat export`` into ``STORE/exports/{generation}/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from pyoxigraph import RdfFormat, serialize
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from endpoint.errors import error_response
from endpoint.negotiation import choose
from endpoint.query_formats import RDF_FORMATS
from exports.manifest import manifest_triples, read_manifest
from exports.service import EXPORTS
from loader.repo import EmbeddedRepo
from ontology.namespaces import PREFIXES


def _folder(request: Request) -> tuple[Path, str] | Response:
    repo = request.app.state.repo
    generation = repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    if not isinstance(repo, EmbeddedRepo):
        return error_response(404, "no_exports", "this store serves no dumps")
    return repo.layout.root / EXPORTS / generation.id, generation.base_iri


async def exports_index(request: Request) -> Response:
    """The manifest of the current generation's dumps."""
    located = _folder(request)
    if isinstance(located, Response):
        return located
    folder, base_iri = located
    manifest = read_manifest(folder)
    if manifest is None:
        return error_response(404, "no_exports", "no dumps were written for the published "
                                                 "generation (run ldcat export)")
    offered = ["application/json", *(f.media_type for f in RDF_FORMATS)]
    chosen = choose(request.headers.get("accept"), offered) or "application/json"
    headers = {"vary": "accept", "etag": f'"manifest-{manifest.generation}-{chosen}"'}
    if chosen == "application/json":
        return Response(json.dumps(asdict(manifest), indent=1), media_type=chosen,
                        headers=headers)
    answer_format = next(f for f in RDF_FORMATS if f.media_type == chosen)
    body = serialize(manifest_triples(manifest, base_iri),
                     format=getattr(RdfFormat, answer_format.oxigraph), prefixes=PREFIXES)
    return Response(body or b"", media_type=answer_format.content_type, headers=headers)


async def export_file(request: Request) -> Response:
    """One dump file (Range requests, ETag = its SHA-256)."""
    located = _folder(request)
    if isinstance(located, Response):
        return located
    folder, _ = located
    manifest = read_manifest(folder)
    name = request.path_params["name"]
    entry = manifest.entry(name) if manifest else None
    if entry is None:
        return error_response(404, "not_found", f"no dump called {name!r}")
    etag = f'"{entry.sha256}"'
    if etag in {part.strip() for part in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers={"etag": etag})
    path = folder / entry.file
    response = FileResponse(path, media_type="application/gzip", stat_result=os.stat(path),
                            headers={"cache-control": "no-cache"})
    response.headers["etag"] = etag  # the checksum, not Starlette's size-and-time tag
    return response
