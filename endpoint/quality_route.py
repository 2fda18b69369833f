"""Quality graphs dereference: ``/datasets/{id}/quality``, ``/organizations/{id}/quality``,
``/users/{id}/quality`` (a person publishing datasets), ``/catalog/quality`` and
``/quality/{digest}`` (datasets not minted here): each the ``dqv:QualityMetadata`` graph
:mod:`loader.quality.dqv` writes, in every record format.

RDF formats serialise the graph as published; HTML shows the points per dimension. No
profiles apply (the measurements are DQV whatever DCAT-AP version is asked for).
"""

from __future__ import annotations

import hashlib

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import entity_tag, is_not_modified
from endpoint.errors import error_response
from endpoint.generation_header import GENERATION_HEADER
from endpoint.quality_view import quality_view
from endpoint.record_formats import HTML, JSON_LD, RECORD_FORMATS, RecordFormat, split_suffix
from endpoint.record_negotiation import NotAcceptable, negotiate
from endpoint.record_pages import STATIC_PATH, environment, safe_href
from loader.generations import Generation
from loader.repo import NoGeneration, Repo
from ontology.namespaces import DQV, PREFIXES

CACHE_CONTROL = "public, max-age=60"
_PREFIXES = {**{name: PREFIXES[name] for name in ("rdf", "xsd", "skos", "ldc")}, "dqv": DQV.iri}
"""The prefixes a quality graph uses."""


def _owner(quads: list[Quad]) -> str:
    for quad in quads:
        if quad.predicate.value == DQV.computedOn and isinstance(quad.object, NamedNode):
            return quad.object.value
    return ""


def _body(record_format: RecordFormat, quads: list[Quad], path: str, graph: str,
          generation: Generation) -> bytes:
    triples = [Triple(quad.subject, quad.predicate, quad.object) for quad in quads]
    if record_format == HTML:
        owner = _owner(quads)
        base = generation.base_iri
        # a harvested dataset's IRI is linked only if it is http(s): an IRI may be javascript:
        owner_path = owner[len(base):] if owner.startswith(base + "/") else safe_href(owner)
        return environment().get_template("quality.html").render(
            title="Qualité des métadonnées", static=STATIC_PATH, path=path,
            owner_path=owner_path, owner_label=owner_path or owner or graph,
            mqa=quality_view(quads),
            alternates=[(f.suffix, f.label) for f in RECORD_FORMATS if f != HTML],
        ).encode("utf-8")
    if record_format == JSON_LD:  # expanded JSON-LD: the measurements have no frame of their own
        return serialize(triples, format=RdfFormat.JSON_LD) or b"[]"
    if record_format.rdf_format is None:
        raise ValueError(f"{record_format.label} is not written by pyoxigraph")
    return serialize(triples, format=record_format.rdf_format, prefixes=_PREFIXES) or b""


def _pinned(request: Request) -> tuple[Repo, Generation] | None:
    try:
        repo = request.app.state.repo.pinned()
        generation = repo.generation()
    except NoGeneration:
        return None
    return (repo, generation) if generation is not None else None


QUALITY_PATHS = ("/datasets/{identifier:str}/quality",
                 "/datasets/{identifier:str}/quality.{suffix:str}",
                 "/organizations/{identifier:str}/quality",
                 "/organizations/{identifier:str}/quality.{suffix:str}",
                 "/users/{identifier:str}/quality", "/users/{identifier:str}/quality.{suffix:str}",
                 "/catalog/quality", "/catalog/quality.{suffix:str}", "/quality/{digest:str}")
"""The routes of quality graphs (a format suffix is optional)."""


def _graph_path(request: Request) -> tuple[str, RecordFormat | None] | None:
    """The quality graph's path (under the base IRI) and the suffix's format; ``None`` for a
    suffix that names no format."""
    params = request.path_params
    if "digest" in params:
        digest, suffix_format = split_suffix(params["digest"])
        return f"/quality/{digest}", suffix_format
    suffix_format = None
    if "suffix" in params:
        _, suffix_format = split_suffix(f"quality.{params['suffix']}")
        if suffix_format is None:
            return None
    path = request.url.path
    return path[:path.rindex("/quality") + len("/quality")], suffix_format


async def quality_graph_route(request: Request) -> Response:
    """One quality graph in the representation the client asks for."""
    found = _graph_path(request)
    if found is None:
        return error_response(404, "not_found", f"no route for {request.url.path}")
    path, suffix_format = found
    pinned = _pinned(request)
    if pinned is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    repo, generation = pinned
    graph = generation.base_iri + path
    try:
        quads = await run_in_threadpool(repo.record_graph, graph)
    except ValueError:
        quads = []
    if not quads:
        return error_response(404, "not_found", f"no quality measurements at {path}")
    try:
        variant = negotiate(suffix_format, request.query_params, request.headers.get("accept"),
                            request.headers.get("accept-profile"))
    except NotAcceptable as problem:
        return error_response(406, "not_acceptable", str(problem))
    body = await run_in_threadpool(_body, variant.format, quads, path, graph, generation)
    headers = {"vary": "Accept", "cache-control": CACHE_CONTROL,
               "etag": entity_tag(hashlib.blake2b(body, digest_size=16).hexdigest()),
               GENERATION_HEADER: generation.id}
    if is_not_modified(request.headers, headers["etag"], None):
        return Response(status_code=304, headers=headers)
    return Response(body, headers={**headers, "content-type": variant.format.content_type})
