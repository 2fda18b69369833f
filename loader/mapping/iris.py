"""Minting record IRIs under the public base IRI.

>>> iris = RecordIris("https://data.example.org/")
>>> iris.dataset("5f3a"), iris.theme("transport")
('https://data.example.org/datasets/5f3a', 'https://data.example.org/themes/transport')
>>> iris.resource("a b")
'https://data.example.org/resources/a%20b'
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pyoxigraph import NamedNode

_PLAIN_ID = re.compile(r"[A-Za-z0-9_.~-]+")


def path_segment(identifier: str) -> str:
    """An identifier as one IRI path segment (percent-encoded unless already plain)."""
    if _PLAIN_ID.fullmatch(identifier):
        return identifier
    return quote(identifier, safe="")


def check_base_iri(base_iri: str) -> str:
    """The base IRI without its trailing slash; ``ValueError`` if it is not an http(s) IRI."""
    base = base_iri.rstrip("/")
    if not base.startswith(("http://", "https://")) or "?" in base or "#" in base:
        raise ValueError(f"base IRI must be an http(s) IRI without query or fragment: {base_iri!r}")
    NamedNode(base)
    return base


class RecordIris:
    """The IRIs of every kind of record, under one base IRI."""

    __slots__ = ("base", "catalog")

    def __init__(self, base_iri: str) -> None:
        self.base = check_base_iri(base_iri)
        self.catalog = f"{self.base}/catalog"

    def dataset(self, identifier: str) -> str:
        """``{base}/datasets/{id}``."""
        return f"{self.base}/datasets/{path_segment(identifier)}"

    def resource(self, identifier: str) -> str:
        """``{base}/resources/{id}``."""
        return f"{self.base}/resources/{path_segment(identifier)}"

    def organization(self, identifier: str) -> str:
        """``{base}/organizations/{id}``."""
        return f"{self.base}/organizations/{path_segment(identifier)}"

    def user(self, identifier: str) -> str:
        """``{base}/users/{id}``: a person publishing without an organisation."""
        return f"{self.base}/users/{path_segment(identifier)}"

    def reuse(self, identifier: str) -> str:
        """``{base}/reuses/{id}``."""
        return f"{self.base}/reuses/{path_segment(identifier)}"

    def dataservice(self, identifier: str) -> str:
        """``{base}/dataservices/{id}``."""
        return f"{self.base}/dataservices/{path_segment(identifier)}"

    def theme(self, slug: str) -> str:
        """``{base}/themes/{slug}``: a thematic sub-catalogue."""
        return f"{self.base}/themes/{path_segment(slug)}"

    def kind_of(self, iri: str) -> str:
        """The record kind of an IRI minted here (``datasets``, ``catalog``...), else ``""``."""
        if not iri.startswith(self.base + "/"):
            return ""
        return iri[len(self.base) + 1:].split("/", 1)[0]
