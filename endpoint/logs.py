"""Structured logs: one JSON object per line (``time``, ``level``, ``pid``, ``event``, fields).

ldcat's own events (``request``, ``query``) are logged with :func:`log_event`; any other record
(uvicorn's start-up lines, a traceback) becomes ``{"event": "log", "logger", "message"}`` with
the traceback, if any, in ``exception`` as one escaped string, so a line is always one object.
No client address is written unless the caller puts one in the fields.

>>> import logging
>>> record = logging.LogRecord("ldcat.request", logging.INFO, "", 0, "request", None, None)
>>> record.ldcat_fields = {"route": "/sparql", "status": 200}
>>> line = JsonFormatter().format(record)
>>> json.loads(line)["event"], json.loads(line)["route"]
('request', '/sparql')
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

FIELDS = "ldcat_fields"
"""The ``LogRecord`` attribute holding an event's fields."""


def log_event(logger: logging.Logger, event: str, fields: dict[str, object],
              level: int = logging.INFO) -> None:
    """Log ``event`` with ``fields`` (rendered by :class:`JsonFormatter`)."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={FIELDS: fields})


def utc_time(seconds: float) -> str:
    """ISO 8601 UTC with milliseconds: ``2026-01-16T05:52:49.123Z``."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{whole}.{int(seconds * 1000) % 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """Formats every record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {"time": utc_time(record.created),
                                    "level": record.levelname.lower(), "pid": record.process}
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            entry["event"] = record.getMessage()
            entry.update(fields)
        else:
            entry["event"] = "log"
            entry["logger"] = record.name
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for ``ldcat serve``: uvicorn's and ldcat's loggers
    write JSON lines to stderr; uvicorn's access log is off (``request`` events replace it)."""
    handler = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "endpoint.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": handler,
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "ldcat": handler,
        },
    }
