"""The one error shape: ``{"error": CODE, "message": text, "status": n}``."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

LOGGER = logging.getLogger("ldcat.endpoint")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error response in ldcat's shape."""
    return JSONResponse({"error": code, "message": message, "status": status}, status_code=status)


CODES = {404: "not_found", 405: "method_not_allowed"}


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no route, a method a route does not take) in the shape."""
    if not isinstance(exc, HTTPException):
        raise exc
    response = error_response(exc.status_code, CODES.get(exc.status_code, "http_error"),
                              exc.detail)
    response.headers.update(exc.headers or {})
    return response


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """A remote store that cannot be reached or fails: 503 with ``Retry-After``, never a 500
    (the store's own message is logged, not shown)."""
    LOGGER.warning("remote store failed on %s: %s", request.url.path, exc)
    response = error_response(503, "store_unavailable",
                              "the store behind this endpoint is not answering; retry shortly")
    response.headers["retry-after"] = "5"
    return response
