"""The OpenAPI 3.1 description of ldcat's HTTP API, served at ``/-/openapi.json``.

Written by hand from DESIGN §3 (not introspected: Starlette routes do not know their
parameters or media types); ``tests/test_openapi.py`` keeps its paths equal to the app's
routes and fuzzes every operation against it with schemathesis.

>>> document = openapi_document("https://data.example.org")
>>> document["openapi"], "/sparql" in document["paths"], "/datasets/{id}" in document["paths"]
('3.1.0', True, True)
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from endpoint.profiles import PROFILES
from endpoint.search_params import MAX_FILTERS

Json = dict[str, Any]

RECORD_PATHS = {
    "datasets": ("id", "A dataset with its distributions"),
    "resources": ("id", "A distribution (udata resource)"),
    "organizations": ("id", "An organisation (publisher)"),
    "users": ("id", "A user who publishes datasets"),
    "reuses": ("id", "A reuse of datasets"),
    "dataservices": ("id", "A data service (API)"),
    "themes": ("slug", "A thematic catalogue"),
    "sources": ("key", "The provenance of a harvested source: its pages and the records taken"),
}
"""Record kinds (``/{kind}/{identifier}`` in the app) and their path parameter."""

RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml",
             "application/ld+json")
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values")
GRAPH_TYPES = (*RDF_TYPES, "application/trig", "application/n-quads", "text/n3")
FEED_TYPES = ("application/trig", "application/ld+json", "application/n-quads")
RESULT_NAMES = ("json", "xml", "csv", "tsv")
GRAPH_NAMES = ("ttl", "nt", "rdf", "jsonld", "trig", "nq", "n3")
RDF_NAMES = ("ttl", "nt", "rdf", "jsonld")
GENERATION: Json = {"type": "string", "pattern": "^g[0-9]{6,}$"}
ANY_TEXT: Json = {"type": "string"}

ERROR: Json = {
    "type": "object",
    "required": ["error", "message", "status"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. bad_query."},
        "message": {"type": "string", "description": "What was wrong, for a person."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
    },
}
REASONS = {
    302: "Redirect to the record's id IRI (the path held a udata slug)",
    304: "Not modified (ETag / Last-Modified matched)",
    400: "Bad request",
    403: "Forbidden (SPARQL updates)",
    404: "Not found",
    405: "Method not allowed",
    406: "None of the offered representations is acceptable",
    410: "Gone: published before, withdrawn since (or a generation no longer kept)",
    413: "Request body over the size limit",
    414: "Query string over the size limit",
    415: "Unsupported media type or charset",
    429: "Too many queries in flight for this client (Retry-After)",
    503: "Nothing published yet, overloaded (Retry-After) or query timeout",
}


def _content(media_types: tuple[str, ...] | list[str], schema: Json | None = None) -> Json:
    """Each media type with ``schema``; by default any JSON value for JSON types, else text."""
    return {media_type: {"schema": schema if schema is not None else
                         {} if media_type.endswith("json") else ANY_TEXT}
            for media_type in media_types}


def _errors(*statuses: int, html: tuple[int, ...] = ()) -> Json:
    """Responses in the error shape (``html``: statuses the browser page may also have)."""
    responses: Json = {}
    for status in statuses:
        if status in (302, 304):
            responses[str(status)] = {"description": REASONS[status]}
            continue
        content: Json = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        if status in html:
            content["text/html"] = {"schema": ANY_TEXT}
        responses[str(status)] = {"description": REASONS[status], "content": content}
    return responses


def _query(name: str, description: str, schema: Json | None = None, *, empty: bool = False,
           **extra: Any) -> Json:
    """A query parameter; ``empty``: an empty value is taken as no value."""
    schema = schema or {"type": "string"}
    if empty:
        schema = {"anyOf": [schema, {"const": ""}]}
        description += " An empty value is the same as none."
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


def _path(name: str, description: str, schema: Json | None = None) -> Json:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def _operation(summary: str, responses: Json, parameters: list[Json] | None = None,
               **extra: Any) -> Json:
    operation: Json = {"summary": summary, "responses": responses, **extra}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _ok(media_types: tuple[str, ...] | list[str], description: str = "OK",
        schema: Json | None = None) -> Json:
    return {"200": {"description": description, "content": _content(media_types, schema)}}


SPARQL_PARAMETERS = [
    _query("default-graph-uri", "A graph of the query's default graph (repeatable); the "
           "default graph is otherwise the union of the record graphs.",
           {"type": "array", "items": {"type": "string"}}, style="form", explode=True),
    _query("named-graph-uri", "A named graph of the query's dataset (repeatable).",
           {"type": "array", "items": {"type": "string"}}, style="form", explode=True),
    _query("format", "The answer format, overriding Accept: json, xml, csv, tsv (SELECT, ASK); "
           "ttl, nt, rdf, jsonld, trig, nq, n3 (CONSTRUCT, DESCRIBE).",
           {"type": "string", "enum": [*RESULT_NAMES, *GRAPH_NAMES]}, empty=True),
]
SPARQL_RESPONSES: Json = {
    "200": {"description": "The answer (SELECT/ASK results or an RDF graph); without a query, "
                           "the service description; for browsers, the query editor page. A "
                           "cut answer carries ldcat-result-truncated: true.",
            "headers": {"ldcat-result-truncated": {"schema": {"type": "string",
                                                              "enum": ["true"]}},
                        "ldcat-generation": {"schema": {"type": "string"}}},
            "content": _content((*RESULT_TYPES, *GRAPH_TYPES, "text/html"))},
    **_errors(304, 400, 403, 405, 406, 413, 414, 415, 429, 503, html=(400, 503)),
}
FORM_BODY: Json = {
    "type": "object",
    "required": ["query"],
    "properties": {
        "query": {"type": "string"},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        "format": {"type": "string", "enum": [*RESULT_NAMES, *GRAPH_NAMES]},
    },
}
EXAMPLE_QUERY = ("SELECT ?dataset ?title WHERE { ?dataset a <http://www.w3.org/ns/dcat#Dataset> ;"
                 " <http://purl.org/dc/terms/title> ?title } LIMIT 10")


def _sparql() -> Json:
    return {
        "get": _operation(
            "SPARQL 1.1 Protocol query (GET)", SPARQL_RESPONSES,
            [_query("query", "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); updates "
                    "are refused (403), SERVICE only to allowed endpoints (400).",
                    example=EXAMPLE_QUERY), *SPARQL_PARAMETERS],
            description="Queries run with a deadline (503 query_timeout) and a row cap; a "
                        "client has a few queries in flight at most (429). Without a query: "
                        "the SPARQL service description (Turtle by default)."),
        "post": _operation(
            "SPARQL 1.1 Protocol query (POST form or direct)", SPARQL_RESPONSES,
            SPARQL_PARAMETERS,
            requestBody={"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": FORM_BODY},
                "application/sparql-query": {"schema": {"type": "string"},
                                             "example": EXAMPLE_QUERY}}}),
    }


def _record(kind: str, parameter: str, summary: str) -> Json:
    name = "a theme's slug" if parameter == "slug" else "the record's id"
    parameters = [
        _path(parameter, f"{name.capitalize()}, optionally followed by a format suffix: .html, "
              ".jsonld, .ttl, .rdf, .nt (a suffix wins over every other negotiation)."),
        _query("_mediatype", "A media type (or short name) picking the format.",
               {"type": "string", "enum": ["text/html", *RDF_TYPES, "html", *RDF_NAMES]},
               empty=True),
        _query("_profile", "A profile token: dcat-ap-3 (default), dcat-ap-2.1.1, schema.org "
               "(see /-/profiles).", {"type": "string", "enum": [p.token for p in PROFILES]},
               empty=True),
        _query("_context", "JSON-LD: embed the context instead of linking it (any value)."),
    ]
    if kind == "themes":
        parameters += [
            _query("page", "Turns the theme into its Hydra-paged dcat:Catalog (as /catalog, "
                   "with the same filters): the page number, from 1.",
                   {"type": "integer", "minimum": 1}),
            *(parameter for parameter in _catalog_parameters(suffix=True)
              if parameter["name"] not in ("page", "theme"))]
    else:
        parameters.append(_query(
            "page", "HTML pages listing records (organisations, users): the page of the list "
            "(not a whole number: the first)."))
    return {"get": _operation(
        summary, {
            "200": {"description": "The record in the negotiated format and profile (Vary, "
                                   "Link to every alternate, Content-Profile, ETag, "
                                   "Last-Modified).",
                    "content": _content(("text/html", *GRAPH_TYPES))},
            **_errors(302, 304, 400, 404, 406, 410, 503)},
        parameters, tags=["records"])}


def _catalog_parameters(*, suffix: bool = False) -> list[Json]:
    """The catalogue's parameters (with a suffix in the path, ``_mediatype`` has no say)."""
    mediatype = [] if suffix else [
        _query("_mediatype", "The RDF format, overriding Accept (media type or short name).",
               {"type": "string", "enum": [*GRAPH_TYPES, *GRAPH_NAMES]}, empty=True)]
    return [
        _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
        _query("page_size", "Records per page (default 100, at most 1000).",
               {"type": "integer", "minimum": 1, "maximum": 1000}),
        _query("organization", "Only datasets of this organisation (id)."),
        _query("keyword", "Only datasets with this keyword."),
        _query("theme", "Only datasets of this thematic catalogue or data theme."),
        _query("hvd", "Only high-value datasets (true) or only the others (false).",
               {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"]}),
        _query("format", "Only datasets with a distribution in this format."),
        _query("modified_since", "Only datasets modified since this date or date-time "
               "(ISO 8601).", {"type": "string", "format": "date-time"}, empty=True),
        _query("generation", "The generation a walk is pinned to (set by the page links).",
               GENERATION, empty=True),
        *mediatype,
    ]


def _search_parameters(*, suffix: bool = False) -> list[Json]:
    """``/search``'s parameters (see :mod:`endpoint.search_params`); any other is a 400."""
    mediatype = [] if suffix else [
        _query("_mediatype", "html or json (or their media types), overriding Accept.",
               {"type": "string", "enum": ["html", "json", "text/html", "application/json"]},
               empty=True)]
    facet = {"type": "array", "items": {"type": "string"}, "maxItems": MAX_FILTERS}
    return [
        _query("q", "Words to find (\"a phrase\", -excluded)."),
        *(_query(name, f"Only datasets with this {name} (repeatable: all must hold).", facet,
                 style="form", explode=True)
          for name in ("organization", "license", "format", "theme")),
        _query("archived", "Archived datasets: exclude (default), include or only.",
               {"type": "string", "enum": ["exclude", "include", "only"]}, empty=True),
        _query("sort", "relevance (default with words) or modified.",
               {"type": "string", "enum": ["relevance", "modified"]}, empty=True),
        _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1,
                                                "maximum": 10_000}),
        _query("page_size", "Results per page (default 20, at most 100).",
               {"type": "integer", "minimum": 1, "maximum": 100}),
        *mediatype,
    ]


def _paths() -> Json:
    catalog_responses = {**_ok(GRAPH_TYPES, "One Hydra page of the root dcat:Catalog"),
                         **_errors(400, 404, 406, 410, 503)}
    paths: Json = {
        "/": {"get": _operation("Home page", {**_ok(["text/html"])})},
        "/sparql": _sparql(),
        "/catalog": {"get": _operation("The root catalogue, paged and filtered",
                                       catalog_responses, _catalog_parameters())},
        "/catalog.{suffix}": {"get": _operation(
            "The root catalogue in the format of the suffix", catalog_responses,
            [_path("suffix", "The format", {"type": "string", "enum": list(RDF_NAMES)}),
             *_catalog_parameters(suffix=True)])},
        "/feed": {"get": _operation(
            "The change feed (LDES event stream)",
            {**_ok(FEED_TYPES), **_errors(404, 406, 503)})},
        "/feed/{generation}/{page}": {"get": _operation(
            "One page of a generation's changes (as:Create, as:Update, as:Delete)",
            {**_ok(FEED_TYPES), **_errors(404, 406, 410, 503)},
            [_path("generation", "A generation id", GENERATION),
             _path("page", "Page number, from 1", {"type": "integer", "minimum": 1})])},
        "/exports/": {"get": _operation(
            "The manifest of the published generation's dumps",
            {**_ok(["application/json", *RDF_TYPES]), **_errors(404, 503)})},
        "/exports/{name}": {"get": _operation(
            "One dump (gzipped; Range requests; ETag is its SHA-256)",
            {**_ok(["application/gzip"]),
             "206": {"description": "Part of the dump (Range)",
                     "content": _content(["application/gzip"])},
             "416": {"description": "Range not satisfiable (empty body, Content-Range: "
                                    "bytes */SIZE)", "content": _content(["text/plain"])},
             **_errors(304, 404, 503)},
            [_path("name", "A file named in the manifest"),
             {"name": "Range", "in": "header", "required": False,
              "description": "Byte ranges (RFC 9110), e.g. bytes=0-99",
              "schema": {"type": "string"}}])},
        "/search": {"get": _operation(
            "Full-text search over titles, descriptions and keywords, with facets",
            {**_ok(["text/html", "application/json"]), **_errors(304, 400, 404, 406, 503, html=(
                400, 404, 406, 503))}, _search_parameters())},
        "/search.{suffix}": {"get": _operation(
            "Search, in the format of the suffix",
            {**_ok(["text/html", "application/json"]), **_errors(304, 400, 404, 406, 503, html=(
                400, 404, 406, 503))},
            [_path("suffix", "The format", {"type": "string", "enum": ["html", "json"]}),
             *_search_parameters(suffix=True)])},
        "/sitemap.xml": {"get": _operation("Sitemap index for search engines",
                                           {**_ok(["application/xml"]), **_errors(503)})},
        "/sitemap-{kind}-{number}.xml": {"get": _operation(
            "One sitemap of record pages (at most 50,000 URLs)",
            {**_ok(["application/xml"]), **_errors(404, 503)},
            [_path("kind", "A record kind", {"type": "string"}),
             _path("number", "Sitemap number, from 1", {"type": "integer", "minimum": 1})])},
        "/robots.txt": {"get": _operation("Crawler rules, naming the sitemap",
                                          _ok(["text/plain"]))},
        "/-/health": {"get": _operation("Liveness: the process answers", _ok(
            ["application/json"], schema={"type": "object", "required": ["status"],
                                          "properties": {"status": {"const": "ok"}}}))},
        "/-/ready": {"get": _operation("Readiness: a generation is published and open", {
            **_ok(["application/json"], "Ready", {
                "type": "object", "required": ["status", "generation"],
                "properties": {"status": {"const": "ok"}, "generation": {"type": "string"}}}),
            **_errors(503)})},
        "/-/metrics": {"get": _operation("Prometheus metrics (text exposition format)",
                                         _ok(["text/plain"]))},
        "/-/void": {"get": _operation(
            "VoID description with counts", {**_ok(GRAPH_TYPES), **_errors(400, 503)},
            [_query("format", "RDF format short name",
                    {"type": "string", "enum": list(GRAPH_NAMES)}, empty=True)])},
        "/-/profiles": {"get": _operation("The profiles records can be served in",
                                          _ok(["application/json"], schema={"type": "object"}))},
        "/-/context.jsonld": {"get": _operation("ldcat's JSON-LD context",
                                                {**_ok(["application/ld+json"]),
                                                 **_errors(304)})},
        "/-/openapi.json": {"get": _operation("This document",
                                              _ok(["application/json"],
                                                  schema={"type": "object"}))},
        "/-/static/{path}": {"get": _operation(
            "The query editor's script, style and vendor files",
            {**_ok(["text/javascript", "text/css", "image/svg+xml", "application/octet-stream"]),
             **_errors(304, 404)},
            [_path("path", "A file name")])},
    }
    for kind, (parameter, summary) in RECORD_PATHS.items():
        paths[f"/{kind}/{{{parameter}}}"] = _record(kind, parameter, summary)
    paths.update(_quality_paths())
    return paths


def _quality_paths() -> Json:
    """The quality graphs (DQV measurements) of datasets, organisations and the catalogue."""
    mediatype = _query("_mediatype", "A media type (or short name) picking the format.",
                       {"type": "string", "enum": ["text/html", *RDF_TYPES, "html",
                                                   *RDF_NAMES]}, empty=True)
    suffix = _path("suffix", "A format: html, jsonld, ttl, rdf or nt.",
                   {"type": "string", "enum": ["html", "jsonld", "ttl", "rdf", "nt"]})
    responses = {"200": {"description": "The dqv:QualityMetadata graph: one "
                                        "dqv:QualityMeasurement per indicator, and the score.",
                         "content": _content(("text/html", *RDF_TYPES))},
                 **_errors(304, 404, 406, 503)}
    paths: Json = {}
    for owner, label in (("datasets", "A dataset's"), ("organizations", "An organisation's"),
                         ("users", "A publishing user's")):
        identifier = _path("id", "The record's id.")
        paths[f"/{owner}/{{id}}/quality"] = {"get": _operation(
            f"{label} metadata quality measurements", responses, [identifier, mediatype])}
        paths[f"/{owner}/{{id}}/quality.{{suffix}}"] = {"get": _operation(
            f"{label} metadata quality measurements, in the suffix's format", responses,
            [identifier, suffix])}
    paths["/catalog/quality"] = {"get": _operation(
        "The catalogue's metadata quality (means of its datasets), metrics and dimensions",
        responses, [mediatype])}
    paths["/catalog/quality.{suffix}"] = {"get": _operation(
        "The catalogue's metadata quality, in the suffix's format", responses, [suffix])}
    paths["/quality/{digest}"] = {"get": _operation(
        "The metadata quality of a dataset not minted here (a harvested one), by the digest "
        "of its IRI, optionally followed by a format suffix", responses,
        [_path("digest", "The digest, optionally with a format suffix.")])}
    return paths


def openapi_document(base_iri: str | None) -> Json:
    """The whole description; ``servers`` names ``base_iri`` when a generation is published."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ldcat",
            "version": "1",
            "summary": "The data.gouv.fr catalogue as DCAT-AP 3 linked data.",
            "description": "Every entity IRI dereferences with content negotiation (suffix, "
                           "then _mediatype/_profile, then Accept/Accept-Profile). Errors are "
                           "one JSON shape {error, message, status}.",
        },
        "servers": [{"url": base_iri or "/"}],
        "paths": _paths(),
        "components": {"schemas": {"Error": ERROR}},
    }


async def openapi_page(request: Request) -> Response:
    """``/-/openapi.json``."""
    generation = request.app.state.repo.generation()
    return JSONResponse(openapi_document(generation.base_iri if generation else None),
                        headers={"cache-control": "public, max-age=3600"})
