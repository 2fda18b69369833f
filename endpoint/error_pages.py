"""Errors for browsers: the JSON error shape turned into a page in the site's look.

Routes answer every client mistake in one JSON shape (:func:`endpoint.errors.error_response`).
:class:`BrowserErrors` wraps the app: when a browser asks for a page (``Accept`` ranks HTML
above JSON and the URL names no other format ldcat serves), a JSON error answer becomes the
HTML error page with the same status and headers (Starlette's own errors are put into the JSON
shape first by :func:`endpoint.errors.http_error`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endpoint.browser_editor import prefers_html
from endpoint.record_formats import HTML, format_for_media_type
from endpoint.record_pages import STATIC_PATH, environment

OTHER_SUFFIXES = (".json", ".jsonld", ".ttl", ".rdf", ".nt", ".xml", ".nq", ".trig", ".gz")
TITLES = {400: "Requête incorrecte", 404: "Page introuvable", 405: "Méthode non permise",
          406: "Format non disponible", 410: "Fiche retirée", 413: "Requête trop grande",
          429: "Trop de requêtes", 503: "Service momentanément indisponible"}
CODES = {404: "not_found", 405: "method_not_allowed"}


def wants_page(scope: Scope) -> bool:
    """Whether the request is a browser's asking for a page (see module docstring)."""
    accept = ""
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.decode("latin-1")
    if not prefers_html(accept):
        return False
    path: str = scope["path"]
    if path.endswith(OTHER_SUFFIXES):
        return False
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
    return not any((name == "format" and value) or (name == "_mediatype" and _served(value))
                   for name, value in query)


def _served(media_type: str) -> bool:
    """Whether ``_mediatype`` names a format ldcat serves other than HTML (a program's ask);
    an unknown one is a person's typing mistake and gets the page listing the alternates."""
    record_format = format_for_media_type(media_type)
    if record_format is not None:
        return record_format != HTML
    return media_type.split(";")[0].strip().lower() in ("json", "application/json")


def error_page(status: int, problem: dict[str, Any]) -> bytes:
    """The HTML page of an error in the JSON shape ``problem``."""
    alternates = problem.get("alternates") or []
    return environment().get_template("error.html").render(
        title=TITLES.get(status, "Erreur"), static=STATIC_PATH, status=status,
        code=str(problem.get("error", "")), message=str(problem.get("message", "")),
        alternates=[alternate for alternate in alternates if isinstance(alternate, dict)],
    ).encode("utf-8")


class BrowserErrors:
    """ASGI middleware: JSON error answers become HTML pages for browsers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not wants_page(scope):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def convert(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400 \
                    and _is_json(message):
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            try:
                problem = json.loads(b"".join(chunks) or b"{}")
            except ValueError:
                problem = {}
            body = error_page(held["status"], problem if isinstance(problem, dict) else {})
            headers = [(name, value) for name, value in held["headers"]
                       if name not in (b"content-type", b"content-length", b"vary")]
            headers += [(b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        (b"vary", b"Accept")]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, convert)


def _is_json(message: Message) -> bool:
    return any(name == b"content-type" and value.startswith(b"application/json")
               for name, value in message["headers"])
