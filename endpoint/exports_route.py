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
from endpoint.generation_header import GENERATION_HEADER
from endpoint.negotiation import choose
from endpoint.query_formats import RDF_FORMATS
from exports.manifest import Manifest, manifest_triples, read_manifest
from exports.service import EXPORTS
from loader.generations import Generation
from loader.repo import EmbeddedRepo
from ontology.namespaces import PREFIXES


def _dumps(request: Request) -> tuple[Path, Manifest, Generation] | Response:
    """The folder, manifest and generation of the newest dumps: the current generation's, or
    while ``ldcat export`` has not written those yet, the previous one's (labelled as such by
    the manifest and the ``ldcat-generation`` header), so /exports/ never goes missing while a
    new generation is published."""
    repo = request.app.state.repo
    generation = repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    if not isinstance(repo, EmbeddedRepo):
        return error_response(404, "no_exports", "this store serves no dumps")
    candidates = [generation, *(older for older in reversed(repo.generations())
                                if older.id < generation.id)]
    for candidate in candidates:
        folder = repo.layout.root / EXPORTS / candidate.id
        manifest = read_manifest(folder)
        if manifest is not None:
            return folder, manifest, candidate
    return error_response(404, "no_exports", "no dumps were written for the published "
                                             "generation (run ldcat export)")


async def exports_index(request: Request) -> Response:
    """The manifest of the newest dumps (see :func:`_dumps`)."""
    located = _dumps(request)
    if isinstance(located, Response):
        return located
    _, manifest, generation = located
    offered = ["application/json", *(f.media_type for f in RDF_FORMATS)]
    chosen = choose(request.headers.get("accept"), offered) or "application/json"
    headers = {"vary": "accept", "etag": f'"manifest-{manifest.generation}-{chosen}"',
               GENERATION_HEADER: generation.id}
    if chosen == "application/json":
        return Response(json.dumps(asdict(manifest), indent=1), media_type=chosen,
                        headers=headers)
    answer_format = next(f for f in RDF_FORMATS if f.media_type == chosen)
    body = serialize(manifest_triples(manifest, generation.base_iri),
                     format=getattr(RdfFormat, answer_format.oxigraph), prefixes=PREFIXES)
    return Response(body or b"", media_type=answer_format.content_type, headers=headers)


async def export_file(request: Request) -> Response:
    """One dump file (Range requests, ETag = its SHA-256)."""
    located = _dumps(request)
    if isinstance(located, Response):
        return located
    folder, manifest, generation = located
    name = request.path_params["name"]
    entry = manifest.entry(name)
    if entry is None:
        return error_response(404, "not_found", f"no dump called {name!r}")
    etag = f'"{entry.sha256}"'
    if etag in {part.strip() for part in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers={"etag": etag, GENERATION_HEADER: generation.id})
    path = folder / entry.file
    response = FileResponse(path, media_type="application/gzip", stat_result=os.stat(path),
                            headers={"cache-control": "no-cache",
                                     GENERATION_HEADER: generation.id})
    response.headers["etag"] = etag  # the checksum, not Starlette's size-and-time tag
    return response
