"""Fetching harvest pages over HTTP, never leaving the origin the user gave.

Every request goes through one opener that uses no proxy (an environment proxy would be an
outbound request of its own), refuses any redirect whose target is not on the origin (scheme,
host and port) of the harvest URL, reads at most :data:`MAX_PAGE_BYTES` of a body and gives up
after :data:`TIMEOUT_SECONDS` without an answer. Failures raise :class:`FetchError` with a
one-line message naming the URL.

>>> same_origin("http://127.0.0.1:8000/catalog?page=2", "http://127.0.0.1:8000/catalog")
True
>>> same_origin("http://127.0.0.1:8001/catalog", "http://127.0.0.1:8000/catalog")
False
>>> same_origin("http://example.org/catalog", "http://example.org:80/x")
True
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

ACCEPT = ("application/n-quads, application/trig;q=0.95, text/turtle;q=0.9, "
          "application/n-triples;q=0.8, application/ld+json;q=0.7, "
          "application/rdf+xml;q=0.6, */*;q=0.1")
"""What a harvest asks for: N-Quads, TriG and Turtle first (streamable, cheap to parse)."""
TIMEOUT_SECONDS = 30.0
MAX_PAGE_BYTES = 64 << 20
USER_AGENT = "ldcat-harvest/1"
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A page could not be fetched (refused, unreachable, HTTP error, too large)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A page's final URL (after redirects on the origin), media type and body."""

    url: str
    media_type: str
    body: bytes


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``, the port made explicit; ``ValueError`` if ``url``
    is not http(s)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url}: not an http(s) URL")
    return scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme]


def same_origin(url: str, reference: str) -> bool:
    """Whether ``url`` is on the origin of ``reference``."""
    try:
        return origin(url) == origin(reference)
    except ValueError:
        return False


class _OriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only when its target is on the harvest's origin."""

    def __init__(self, reference: str) -> None:
        self.reference = reference

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: HTTPMessage, newurl: str
                         ) -> urllib.request.Request | None:
        if not same_origin(newurl, self.reference):
            raise FetchError(f"{req.full_url}: redirect ({code}) to {newurl} refused: "
                             f"outside the origin of {self.reference}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PageFetcher:
    """Fetches pages of one harvest: only URLs on the origin of ``reference``."""

    def __init__(self, reference: str, *, timeout: float = TIMEOUT_SECONDS,
                 max_bytes: int = MAX_PAGE_BYTES) -> None:
        origin(reference)  # ValueError for anything but http(s)
        self.reference = reference
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _OriginRedirects(reference))

    def fetch(self, url: str) -> Fetched:
        """GET ``url``; :class:`FetchError` when refused or failed (nothing is sent for a URL
        outside the origin)."""
        if not same_origin(url, self.reference):
            raise FetchError(f"{url}: refused: outside the origin of {self.reference}")
        request = urllib.request.Request(url, headers={"Accept": ACCEPT,
                                                       "User-Agent": USER_AGENT})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
                final_url = response.geturl()
                media_type = response.headers.get_content_type() \
                    if response.headers.get("Content-Type") else ""
        except urllib.error.HTTPError as error:
            raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, FetchError):
                raise reason from None
            raise FetchError(f"{url}: unreachable: {reason}") from None
        except (TimeoutError, OSError) as error:
            raise FetchError(f"{url}: unreachable: {error}") from None
        if len(body) > self.max_bytes:
            raise FetchError(f"{url}: page larger than {self.max_bytes:,} bytes")
        return Fetched(final_url, media_type, body)
