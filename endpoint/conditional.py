"""Validators and conditional requests (RFC 9110 §8.8, §13): ``ETag``, ``Last-Modified``,
``If-None-Match`` and ``If-Modified-Since``.

>>> tag = entity_tag("abc", "ttl", "dcat-ap-3")
>>> is_not_modified({"if-none-match": f'W/{tag}, "other"'}, tag, None)
True
>>> from datetime import datetime, UTC
>>> stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
>>> http_date(stamp)
'Thu, 02 Jan 2025 03:04:05 GMT'
>>> is_not_modified({"if-modified-since": http_date(stamp)}, tag, stamp)
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


def entity_tag(*parts: str) -> str:
    """A strong entity tag (quoted) derived from ``parts``."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()
    return f'"{digest}"'


def http_date(moment: datetime) -> str:
    """``moment`` as an HTTP-date (IMF-fixdate, whole seconds, GMT)."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def is_not_modified(headers: Mapping[str, str], etag: str,
                    last_modified: datetime | None) -> bool:
    """Whether a GET/HEAD with these headers is answered ``304 Not Modified``.

    ``If-None-Match`` (weak comparison, ``*`` matches) decides when present; otherwise
    ``If-Modified-Since``, at one-second precision. A malformed date is ignored.
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {_opaque(tag) for tag in if_none_match.split(",")}
        return "*" in tags or _opaque(etag) in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since
