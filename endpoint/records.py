"""Record routes: ``/datasets/{id}``, ``/resources/{id}``, ``/organizations/{id}``,
``/users/{id}``, ``/reuses/{id}``, ``/dataservices/{id}``, ``/themes/{slug}``, and
``/sources/{key}`` (the provenance graph of a harvested source, ``ldcat load URL|FILE``).

One IRI, every representation (:mod:`endpoint.record_negotiation`), with ``Vary``, ``Link``
(every alternate), ``Content-Profile``, ``ETag`` and ``Last-Modified`` (304 on a match).
Unknown records are 404, records an earlier generation published 410, a udata slug
redirects (302) to the record's id IRI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import partial
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from endpoint.catalog_route import paged_catalog
from endpoint.conditional import entity_tag, http_date, is_not_modified
from endpoint.errors import error_response
from endpoint.generation_header import GENERATION_HEADER
from endpoint.prerendered import KINDS as PRERENDERED_KINDS
from endpoint.prerendered import PrerenderedDescriptions
from endpoint.profiles import DEFAULT_PROFILE
from endpoint.record_documents import (
    RecordDocument,
    build_document,
    find_by_slug,
    parse_datetime,
)
from endpoint.record_formats import HTML, JSON_LD, TURTLE, RecordFormat, split_suffix
from endpoint.record_index import RecordIndex
from endpoint.record_negotiation import NotAcceptable, Variant, negotiate, variants
from endpoint.record_pages import render_html
from endpoint.record_render import RENDERER_VERSION, render_jsonld, render_rdf
from loader.generations import Generation
from loader.mapping.iris import path_segment
from loader.repo import NoGeneration, Repo

RECORD_KINDS = ("datasets", "resources", "organizations", "users", "reuses", "dataservices",
                "themes", "sources")
SLUG_KINDS = frozenset({"datasets", "organizations", "reuses", "dataservices"})
VARY = "Accept, Accept-Profile"
CACHE_CONTROL = "public, max-age=60"
PAGING = frozenset({"page", "page_size"})
"""Parameters that turn ``/themes/{slug}`` into its paged catalogue
(:mod:`endpoint.catalog_route`)."""


def variant_url(path: str, variant: Variant) -> str:
    """The URL of one representation of the record at ``path`` (suffix, then profile)."""
    url = path + variant.format.suffix
    if variant.profile is not None and variant.profile != DEFAULT_PROFILE:
        url += "?" + urlencode({"_profile": variant.profile.token})
    return url


def link_header(path: str) -> str:
    """``Link`` to every alternate representation (format × profile)."""
    links = []
    for variant in variants():
        link = (f'<{variant_url(path, variant)}>; rel="alternate"; '
                f'type="{variant.format.media_type}"')
        if variant.profile is not None:
            link += f'; profile="{variant.profile.uri}"'
        links.append(link)
    return ", ".join(links)


def not_acceptable(path: str, message: str) -> Response:
    """406 in the error shape, listing the alternates."""
    alternates = [{"href": variant_url(path, variant), "type": variant.format.media_type,
                   "profile": variant.profile.uri if variant.profile else None}
                  for variant in variants()]
    return JSONResponse({"error": "not_acceptable", "message": message, "status": 406,
                         "alternates": alternates}, status_code=406,
                        headers={"vary": VARY, "link": link_header(path)})


def _body(repo: Repo, document: RecordDocument, variant: Variant, request: Request,
          generation: Generation) -> bytes:
    record_format: RecordFormat = variant.format
    profile = variant.profile or DEFAULT_PROFILE
    if record_format == HTML:
        return render_html(repo, generation, document, request.query_params)
    if record_format == JSON_LD:
        return render_jsonld(document, profile, generation.base_iri,
                             inline_context="_context" in request.query_params)
    return render_rdf(document, record_format, profile)


async def record(request: Request) -> Response:
    """A record in the representation the client asks for."""
    index: RecordIndex = request.app.state.record_index
    kind = request.path_params["kind"]
    if kind not in RECORD_KINDS:
        return error_response(404, "not_found", f"no route for /{kind}/")
    identifier, suffix_format = split_suffix(request.path_params["identifier"])
    try:  # one generation for the whole answer, whatever is published meanwhile
        repo = request.app.state.repo.pinned()
    except NoGeneration:
        repo = None
    generation = repo.generation() if repo is not None else None
    if repo is None or generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    path = f"/{kind}/{path_segment(identifier)}"
    iri = generation.base_iri + path
    try:
        variant: Variant | None = negotiate(
            suffix_format, request.query_params, request.headers.get("accept"),
            request.headers.get("accept-profile"))
        refusal: NotAcceptable | None = None
    except NotAcceptable as problem:
        variant, refusal = None, problem
    if variant is not None and _prerenderable(kind, variant, request):
        prerendered: PrerenderedDescriptions = request.app.state.prerendered
        found = await run_in_threadpool(prerendered.get, generation, iri, variant.format)
        if found is not None:
            return await _answer(request, path, generation, variant, found.version,
                                 found.modified, found.body)
    try:
        document = await run_in_threadpool(build_document, repo, index, generation, kind, iri)
    except NoGeneration:
        return error_response(503, "no_generation", "nothing has been published yet")
    except ValueError:
        document = None
    if document is None:
        return await _missing(request, repo, index, generation, kind, identifier, iri,
                              suffix_format)
    if kind == "themes" and PAGING.intersection(request.query_params):
        suffix = suffix_format.suffix.lstrip(".") if suffix_format is not None else None
        return await paged_catalog(request, path, identifier, suffix)
    if variant is None:
        return not_acceptable(path, str(refusal))
    if variant.format == HTML or not document.version:
        body = await run_in_threadpool(_body, repo, document, variant, request, generation)
        return await _answer(request, path, generation, variant, document.version,
                             document.modified, body)
    return await _answer(request, path, generation, variant, document.version,
                         document.modified,
                         partial(_body, repo, document, variant, request, generation))


def _prerenderable(kind: str, variant: Variant, request: Request) -> bool:
    """Whether ``variant`` is rendered at publication (:mod:`endpoint.prerendered`)."""
    return (kind in PRERENDERED_KINDS and variant.format in (TURTLE, JSON_LD)
            and (variant.profile or DEFAULT_PROFILE) == DEFAULT_PROFILE
            and "_context" not in request.query_params)


def _headers(request: Request, path: str, generation: Generation, variant: Variant,
             version: str, body: bytes | None) -> dict[str, str]:
    """Every header of a 200 or 304 answer but ``Last-Modified``; the entity tag is derived
    from the record's content hashes (no body needed) or, without them, from ``body``."""
    headers = {"vary": VARY, "link": link_header(path), "cache-control": CACHE_CONTROL}
    if variant.profile is not None:
        headers["content-profile"] = f"<{variant.profile.uri}>"
    if variant.format != HTML and version:
        headers["etag"] = entity_tag(version, variant.format.name,
                                     (variant.profile or DEFAULT_PROFILE).token,
                                     "inline" if "_context" in request.query_params else "",
                                     RENDERER_VERSION)
    else:
        assert body is not None
        headers["etag"] = entity_tag(hashlib.blake2b(body, digest_size=16).hexdigest())
    headers[GENERATION_HEADER] = generation.id
    return headers


async def _answer(request: Request, path: str, generation: Generation, variant: Variant,
                  version: str, modified: datetime | None,
                  body: bytes | Callable[[], bytes]) -> Response:
    """200 with ``body``, or 304 when the client's copy is current. ``body`` may be given as
    the function rendering it (a record with content hashes: its entity tag needs no body),
    so that a 304 renders nothing."""
    ready = body if isinstance(body, bytes) else None
    headers = _headers(request, path, generation, variant, version, ready)
    last_modified = modified or parse_datetime(generation.created)
    if last_modified is not None:
        headers["last-modified"] = http_date(last_modified)
    if is_not_modified(request.headers, headers["etag"], last_modified):
        return Response(status_code=304, headers=headers)
    if ready is None:
        assert callable(body)
        ready = await run_in_threadpool(body)
    return Response(ready, headers={**headers, "content-type": variant.format.content_type})


async def _missing(request: Request, repo: Repo, index: RecordIndex, generation: Generation,
                   kind: str, identifier: str, iri: str,
                   suffix_format: RecordFormat | None) -> Response:
    """404, 410, or the redirect from a slug to the record's id IRI."""
    if kind in SLUG_KINDS:
        target = await run_in_threadpool(find_by_slug, repo, generation.base_iri, kind,
                                         identifier)
        if target is not None:
            location = target[len(generation.base_iri):]
            if suffix_format is not None:
                location += suffix_format.suffix
            if request.url.query:
                location += "?" + request.url.query
            return RedirectResponse(location, status_code=302, headers={"vary": VARY})
    if await run_in_threadpool(index.was_published, generation, iri):
        return error_response(410, "gone", f"{kind[:-1]} {identifier!r} was published before "
                              "and has been withdrawn")
    return error_response(404, "not_found", f"no {kind[:-1]} {identifier!r} is published")
