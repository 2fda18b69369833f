"""The Starlette application: routes are thin, services and the :class:`~loader.repo.Repo` do
the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from endpoint.catalog_route import catalog
from endpoint.context_page import context_document
from endpoint.error_pages import BrowserErrors
from endpoint.errors import error_response, http_error, store_unavailable
from endpoint.exports_route import export_file, exports_index
from endpoint.fast_path import CachedAnswers
from endpoint.feed_route import feed, feed_page_route
from endpoint.home import home
from endpoint.instrument import Instrumented
from endpoint.metrics import Metrics, metrics_page
from endpoint.openapi import openapi_page
from endpoint.prerendered import PrerenderedDescriptions
from endpoint.profiles import profiles_page
from endpoint.quality_route import QUALITY_PATHS, quality_graph_route
from endpoint.query_editor import editor_routes
from endpoint.record_cache import CachedRecords
from endpoint.record_index import RecordIndex
from endpoint.records import record
from endpoint.search_indexes import SearchIndexes
from endpoint.search_route import search
from endpoint.settings import EndpointSettings
from endpoint.sitemap import robots, sitemap_file, sitemap_index
from endpoint.sparql import SparqlService, sparql
from endpoint.void import void
from exports.catalog_pages import CatalogIndex
from exports.feed_files import FEED, FolderFeed
from exports.feed_sources import FeedSource, StoreFeed
from loader.remote.client import RemoteError, RemoteStore
from loader.remote.repo import RemoteRepo
from loader.repo import EmbeddedRepo, Repo

SPARQL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
"""All routed to :func:`endpoint.sparql.sparql`, which answers 405 for the ones it refuses."""


async def health(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """Readiness: a generation is published and open."""
    generation = request.app.state.repo.generation()
    if generation is None:
        return error_response(503, "no_generation", "nothing has been published yet")
    return JSONResponse({"status": "ok", "generation": generation.id})


def create_app(repo: Repo, settings: EndpointSettings | None = None) -> Starlette:
    """The web app over ``repo``; query workers start with the first SPARQL query."""
    metrics = Metrics()
    service = SparqlService(repo, settings or EndpointSettings(), metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.close()
        if isinstance(repo, RemoteRepo):
            repo.close()

    routes = [
        Route("/", home),
        Route("/sparql", sparql, methods=SPARQL_METHODS),
        Route("/-/health", health),
        Route("/-/ready", ready),
        Route("/-/metrics", metrics_page),
        Route("/-/openapi.json", openapi_page),
        Route("/-/void", void),
        *(Route(path, quality_graph_route) for path in QUALITY_PATHS),
        Route("/catalog", catalog),
        Route("/catalog.{suffix:str}", catalog),
        Route("/feed", feed),
        Route("/feed/{generation:str}/{page:int}", feed_page_route),
        Route("/exports/", exports_index),
        Route("/exports/{name:str}", export_file),
        Route("/search", search),
        Route("/search.{suffix:str}", search),
        Route("/sitemap.xml", sitemap_index),
        Route("/robots.txt", robots),
        Route("/sitemap-{kind:str}-{number:int}.xml", sitemap_file),
        Route("/-/profiles", profiles_page),
        Route("/-/context.jsonld", context_document),
        *editor_routes(),
        Route("/{kind:str}/{identifier:str}", record),
    ]
    middleware = [Middleware(Instrumented, metrics=metrics),
                  Middleware(CachedAnswers, service=service),
                  Middleware(BrowserErrors),
                  Middleware(CORSMiddleware, allow_origins=["*"],
                             allow_methods=["GET", "HEAD", "POST"],
                             allow_headers=["accept", "accept-profile", "content-type",
                                            "if-none-match", "if-modified-since"],
                             expose_headers=["etag", "last-modified", "content-profile", "link",
                                             "ldcat-result-truncated",
                                             "ldcat-result-limit", "ldcat-generation",
                                             "retry-after"],
                             max_age=86400),
                  Middleware(CachedRecords, repo=repo,
                             capacity=service.settings.record_cache_bytes)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: http_error,
                                        RemoteError: store_unavailable})
    app.state.repo = repo
    app.state.record_index = RecordIndex(repo)
    app.state.prerendered = PrerenderedDescriptions()
    app.state.sparql = service
    app.state.metrics = metrics
    app.state.catalog_index = CatalogIndex()
    app.state.feed = _feed_source(repo, service.settings.exports_dir)
    app.state.search_indexes = SearchIndexes(repo if isinstance(repo, RemoteRepo) else None)
    return app


def _feed_source(repo: Repo, exports_dir: str | None) -> FeedSource | None:
    """The change feed: computed from the embedded store's generations, or in front of a
    remote store the one ``ldcat export`` wrote into ``exports_dir``."""
    if isinstance(repo, EmbeddedRepo):
        return StoreFeed(repo)
    return FolderFeed(Path(exports_dir) / FEED) if exports_dir else None


def create_app_for_backend(query_url: str, update_url: str | None = None,
                           settings: EndpointSettings | None = None) -> Starlette:
    """The web app in front of a remote SPARQL store (``RemoteError`` if it cannot be
    reached); the store's time limit should match the endpoint's query timeout."""
    settings = settings or EndpointSettings()
    store = RemoteStore(query_url, update_url, timeout=settings.query_timeout + 5)
    return create_app(RemoteRepo(store), settings)


def create_app_for_store(store_dir: Path,
                         settings: EndpointSettings | None = None) -> Starlette:
    """The web app over the embedded store in ``store_dir``."""
    return create_app(EmbeddedRepo(store_dir), settings)
