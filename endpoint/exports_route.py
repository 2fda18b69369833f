"""``/exports/``: the full dumps of the published generation, with their manifest.

``/exports/`` answers the manifest (Turtle and the other RDF formats by ``Accept``, or JSON);
``/exports/{file}`` sends a dump with ``Content-Length``, an ``ETag`` (its SHA-256) and Range
support. Dumps are written by ``ldcat export`` into ``STORE/exports/{generation}/``.
"""

from __future__ import annotations

import json
import os
import re
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

GENERATION_FOLDER = re.compile(r"g[0-9]{6,}")


def _dumps(request: Request) -> tuple[Path, Manifest, Generation] | Response:
    """The folder, manifest and generation of the newest dumps: the current generation's, or
    while ``ldcat export`` has not written those yet, the previous one's (labelled as such by
    the manifest and the ``ldcat-generation`` header), so /exports/ never goes missing while a
    new generation is published."""
    generation = request.app.state.repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    located = newest_dumps(request, generation)
    if located is None:
        return error_response(404, "no_exports", "no dumps were written for the published "
                                                 "generation (run ldcat export)")
    return located


def exports_root(request: Request) -> Path | None:
    """The folder holding one sub-folder of dumps per generation: the embedded store's
    ``exports/``, or the one ``--exports`` names for an app in front of a remote store."""
    repo = request.app.state.repo
    if isinstance(repo, EmbeddedRepo):
        return repo.layout.root / EXPORTS
    configured: str | None = request.app.state.sparql.settings.exports_dir
    return Path(configured) if configured else None


def newest_dumps(request: Request, generation: Generation
                 ) -> tuple[Path, Manifest, Generation] | None:
    """The dumps of ``generation``, else of the newest earlier generation that has some."""
    root = exports_root(request)
    if root is None or not root.is_dir():
        return None
    manifest = read_manifest(root / generation.id)
    if manifest is not None:  # the usual case: one read, no listing
        return root / generation.id, manifest, generation
    earlier = sorted((folder.name for folder in root.iterdir()
                      if GENERATION_FOLDER.fullmatch(folder.name)
                      and folder.name < generation.id), reverse=True)
    known = {older.id: older for older in request.app.state.repo.generations()}
    for name in earlier:
        manifest = read_manifest(root / name)
        if manifest is not None:  # a remote store knows only its current generation
            dumped = known.get(name) or Generation(name, generation.path, generation.manifest)
            return root / name, manifest, dumped
    return None


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
