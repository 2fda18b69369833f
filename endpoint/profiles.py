"""The profiles a record is served in (W3C Content Negotiation by Profile) and ``/-/profiles``.

- ``dcat-ap-3`` (default): the store's graph as it is, DCAT-AP 3.0.1 with its HVD extension.
- ``dcat-ap-2.1.1``: what data.europa.eu ingests; :mod:`exports.dcat_ap2` lists the changes.
- ``schema.org``: Dataset / DataCatalog / DataDownload / Organization for search engines
  (:mod:`endpoint.schema_org`).

>>> profile_for("https://schema.org/").token
'schema.org'
>>> profile_for("dcat-ap-3") is DEFAULT_PROFILE
True
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile a record's RDF can conform to."""

    token: str
    """The short name of ``_profile=`` (and of ETags)."""
    uri: str
    """The identifier of ``Accept-Profile`` / ``Content-Profile``."""
    label: str
    comment: str


DCAT_AP_3 = Profile(
    "dcat-ap-3", "https://semiceu.github.io/DCAT-AP/releases/3.0.1/", "DCAT-AP 3.0.1",
    "The catalogue as stored: DCAT-AP 3.0.1 with DCAT-AP HVD 3.0 for high-value datasets.")
DCAT_AP_2 = Profile(
    "dcat-ap-2.1.1", "https://semiceu.github.io/DCAT-AP/releases/2.1.1/", "DCAT-AP 2.1.1",
    "For harvesters on DCAT-AP 2 (data.europa.eu): dcat:byteSize as xsd:decimal, SPDX "
    "checksum algorithms in their http spelling, DCAT-AP 3-only terms left out.")
SCHEMA_ORG = Profile(
    "schema.org", "https://schema.org/", "schema.org",
    "For search engines: schema:Dataset with schema:DataDownload distributions, "
    "schema:DataCatalog, schema:Organization, schema:WebAPI, schema:CreativeWork.")

PROFILES: tuple[Profile, ...] = (DCAT_AP_3, DCAT_AP_2, SCHEMA_ORG)
DEFAULT_PROFILE = DCAT_AP_3


def profile_for(name: str) -> Profile | None:
    """The profile a token or URI names (a trailing slash does not matter), else ``None``."""
    name = name.strip()
    for profile in PROFILES:
        if name in (profile.token, profile.uri, profile.uri.rstrip("/")):
            return profile
    return None


async def profiles_page(request: Request) -> Response:
    """``/-/profiles``: the profiles, their URIs and tokens, and how to ask for one."""
    return JSONResponse({
        "default": DEFAULT_PROFILE.uri,
        "how": "suffix or ?_mediatype= picks the format; ?_profile=TOKEN or an Accept-Profile "
               "header (<URI>;q=...) picks the profile; Content-Profile says which was served.",
        "profiles": [{"token": profile.token, "uri": profile.uri, "label": profile.label,
                      "comment": profile.comment,
                      "formats": ["jsonld", "ttl", "rdf", "nt"]}
                     for profile in PROFILES],
    }, headers={"cache-control": "public, max-age=3600"})
