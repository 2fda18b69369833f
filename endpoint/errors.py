"""The one error shape: ``{"error": CODE, "message": text, "status": n}``."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error response in ldcat's shape."""
    return JSONResponse({"error": code, "message": message, "status": status}, status_code=status)
