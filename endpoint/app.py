"""The Starlette application: routes are thin, the :class:`~loader.repo.Repo` does the work."""

from __future__ import annotations

import html
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from endpoint.query_editor import editor_routes
from endpoint.records import record
from endpoint.sparql import sparql
from loader.repo import EmbeddedRepo, Repo


async def health(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """Readiness: a generation is published and open."""
    generation = request.app.state.repo.generation()
    if generation is None:
        return JSONResponse({"status": "no generation"}, status_code=503)
    return JSONResponse({"status": "ok", "generation": generation.id})


async def home(request: Request) -> Response:
    """A small home page: what is published and where to go."""
    generation = request.app.state.repo.generation()
    published = generation.manifest.get("published", {}) if generation else {}
    rows = "".join(f"<li>{html.escape(str(kind))}: {count}</li>"
                   for kind, count in sorted(published.items()))
    body = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>ldcat</title></head><body><h1>ldcat</h1>"
        f"<p>Generation {html.escape(generation.id if generation else 'none')}</p>"
        f"<ul>{rows}</ul><p><a href='/sparql'>SPARQL endpoint</a></p></body></html>"
    )
    return HTMLResponse(body)


def create_app(repo: Repo) -> Starlette:
    """The web app over ``repo``."""
    routes = [
        Route("/", home),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/-/health", health),
        Route("/-/ready", ready),
        *editor_routes(),  # query editor (issue 5, item 6): /-/static/
        Route("/{kind:str}/{identifier:str}", record),
    ]
    app = Starlette(routes=routes)
    app.state.repo = repo
    return app


def create_app_for_store(store_dir: Path) -> Starlette:
    """The web app over the embedded store in ``store_dir``."""
    return create_app(EmbeddedRepo(store_dir))
