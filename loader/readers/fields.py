"""Typed field parsing shared by the readers.

Each parser takes the raw text of one field and a :class:`RowIssues` collector. It returns the
checked, canonical value, or ``None`` after recording a warning that names the column, so a bad
field costs the field, never the row.

>>> issues = RowIssues("datasets.csv", 12, "abc")
>>> parse_datetime("2026-01-15T00:00:00", "created_at", issues)
'2026-01-15T00:00:00'
>>> parse_datetime("15/01/2026", "created_at", issues) is None
True
>>> print(issues.issues[0])
datasets.csv:12 [created_at] (record abc): warning: not an ISO 8601 date-time: '15/01/2026'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote, urlsplit, urlunsplit

from pyoxigraph import NamedNode

from loader.report import Issue, Severity

URL_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})

_PLAIN_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?", re.ASCII)
_UNSAFE_URL_CHAR = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]")
_PLAIN_SCHEMES = ("http://", "https://", "ftp://", "ftps://")
_URL_SAFE_CHARS = "-._~!$&'()*+,;=:@/?%"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MAX_SHOWN = 80


def _shown(value: str) -> str:
    """A field value short enough to quote in a report line."""
    return repr(value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "...")


@dataclass(slots=True)
class RowIssues:
    """Collects the issues of one source row."""

    file: str
    line: int
    record_id: str = ""
    issues: list[Issue] = field(default_factory=list)

    def warn(self, column: str, reason: str) -> None:
        """A field was repaired or dropped; the row stays."""
        self.issues.append(Issue(self.file, self.line, column, reason, Severity.WARNING,
                                 self.record_id))

    def reject(self, column: str, reason: str) -> None:
        """The whole row is left out."""
        self.issues.append(Issue(self.file, self.line, column, reason, Severity.REJECTED,
                                 self.record_id))


def parse_datetime(value: str, column: str, issues: RowIssues) -> str | None:
    """An ISO 8601 date-time (or date) as a canonical ``xsd:dateTime`` lexical form."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        issues.warn(column, f"not an ISO 8601 date-time: {_shown(value)}")
        return None
    if parsed.year < 1000:
        issues.warn(column, f"implausible year in {_shown(value)}")
        return None
    return parsed.isoformat()


def parse_date(value: str, column: str, issues: RowIssues) -> str | None:
    """An ISO 8601 date (a date-time keeps its date part) as an ``xsd:date`` lexical form."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value[:10])
        if len(value) > 10:
            datetime.fromisoformat(value)
    except ValueError:
        issues.warn(column, f"not an ISO 8601 date: {_shown(value)}")
        return None
    if parsed.year < 1000:
        issues.warn(column, f"implausible year in {_shown(value)}")
        return None
    return parsed.isoformat()


def parse_archived(value: str, column: str, issues: RowIssues) -> str | None:
    """udata's ``archived`` column: ``False`` or the archiving date-time."""
    value = value.strip()
    if value in ("", "False", "false", "0"):
        return None
    if value in ("True", "true", "1"):
        return "true"
    return parse_datetime(value, column, issues) or "true"


def parse_bool(value: str, column: str, issues: RowIssues) -> bool:
    """``True``/``False`` as udata writes them (also ``true``, ``1``...); empty is false."""
    value = value.strip()
    if value in ("True", "true", "1"):
        return True
    if value not in ("", "False", "false", "0"):
        issues.warn(column, f"not a boolean: {_shown(value)}, read as False")
    return False


def parse_count(value: str, column: str, issues: RowIssues) -> int | None:
    """A non-negative integer (``12``, ``12.0``); empty is ``None``."""
    value = value.strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            issues.warn(column, f"not a number: {_shown(value)}")
            return None
        if not as_float.is_integer():
            issues.warn(column, f"not a whole number: {_shown(value)}")
            return None
        number = int(as_float)
    if number < 0:
        issues.warn(column, f"negative count: {_shown(value)}")
        return None
    return number


def parse_decimal(value: str, column: str, issues: RowIssues) -> str | None:
    """A decimal number as an ``xsd:decimal`` lexical form."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        issues.warn(column, f"not a number: {_shown(value)}")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        issues.warn(column, f"not a finite number: {_shown(value)}")
        return None
    return value if re.fullmatch(r"-?\d+(\.\d+)?", value) else repr(number)


def parse_list(value: str) -> list[str]:
    """A comma-separated list, items stripped, empties dropped, order and duplicates kept once."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for item in value.split(","):
        item = item.strip()
        if item:
            seen[item] = None
    return list(seen)


def parse_url(value: str, column: str, issues: RowIssues) -> str | None:
    """A web URL as a valid absolute IRI: repaired when it can be, else dropped with a warning.

    >>> parse_url("https://example.org/a b.csv", "url", RowIssues("f", 1))
    'https://example.org/a%20b.csv'
    """
    value = value.strip()
    if not value:
        return None
    if _is_plain_url(value):
        return value
    repaired = _repair_url(value)
    if repaired is None:
        issues.warn(column, f"not a usable http(s)/ftp URL: {_shown(value)}")
        return None
    return repaired


def _is_plain_url(value: str) -> bool:
    """Fast check for the common case: an ASCII web URL that is already a valid IRI."""
    if not value.startswith(_PLAIN_SCHEMES) or _UNSAFE_URL_CHAR.search(value):
        return False
    if "%" in value and _BAD_PERCENT.search(value):
        return False
    rest = value.split("://", 1)[1]
    end = len(rest)
    for separator in "/?#":
        position = rest.find(separator)
        if position != -1 and position < end:
            end = position
    if _PLAIN_HOST.fullmatch(rest[:end]) is None:
        return False
    return rest[end:].count("#") <= 1


def _repair_url(value: str) -> str | None:
    """Percent-encode what an IRI may not contain; ``None`` if it is no web URL at all."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        return None
    netloc = parts.netloc
    if any(char in netloc for char in ' <>"{}|\\^`') or not netloc.isprintable():
        return None

    def encode(part: str) -> str:
        return quote(_BAD_PERCENT.sub("%25", part), safe=_URL_SAFE_CHARS)

    candidate = urlunsplit(
        (parts.scheme.lower(), netloc, encode(parts.path), encode(parts.query),
         encode(parts.fragment))
    )
    try:
        NamedNode(candidate)
    except ValueError:
        return None
    return candidate
