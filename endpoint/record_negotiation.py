"""Choosing a record's representation: format and profile, from the most explicit signal.

Order (DESIGN §3): a URL suffix (``.ttl``) > the ``_mediatype`` / ``_profile`` query
parameters > the ``Accept`` / ``Accept-Profile`` headers (q-values, wildcards). HTML is the
page for people and has no profile; every RDF format comes in every profile.

>>> negotiate(None, {}, "text/turtle;q=0.9, application/ld+json", "").format.name
'jsonld'
>>> negotiate(None, {"_profile": "schema.org"}, "text/turtle", "").profile.token
'schema.org'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from endpoint.negotiation import choose, parse_accept_profile
from endpoint.profiles import DEFAULT_PROFILE, PROFILES, Profile, profile_for
from endpoint.record_formats import HTML, RECORD_FORMATS, RecordFormat, format_for_media_type


@dataclass(frozen=True, slots=True)
class Variant:
    """One representation: a format and, for RDF formats, a profile."""

    format: RecordFormat
    profile: Profile | None


class NotAcceptable(LookupError):
    """Nothing the client accepts (or names) is offered."""


def variants() -> list[Variant]:
    """Every representation a record has: HTML, then each RDF format in each profile."""
    return [Variant(HTML, None)] + [Variant(record_format, profile)
                                    for record_format in RECORD_FORMATS if record_format != HTML
                                    for profile in PROFILES]


def _offered_media_types() -> list[str]:
    primaries = [record_format.media_type for record_format in RECORD_FORMATS]
    aliases = [alias for record_format in RECORD_FORMATS for alias in record_format.aliases]
    return primaries + aliases


def negotiate(suffix_format: RecordFormat | None, params: Mapping[str, str],
              accept: str | None, accept_profile: str | None) -> Variant:
    """The variant to serve; :class:`NotAcceptable` when the client's choice is not offered."""
    record_format = suffix_format
    if record_format is None and params.get("_mediatype"):
        record_format = format_for_media_type(params["_mediatype"])
        if record_format is None:
            raise NotAcceptable(f"unknown _mediatype {params['_mediatype']!r}")
    if record_format is None:
        chosen = choose(accept, _offered_media_types())
        record_format = format_for_media_type(chosen) if chosen else None
        if record_format is None:
            raise NotAcceptable(f"none of the record's formats is acceptable ({accept!r})")
    if record_format == HTML:
        return Variant(HTML, None)
    if params.get("_profile"):
        profile = profile_for(params["_profile"])
        if profile is None:
            raise NotAcceptable(f"unknown _profile {params['_profile']!r}")
        return Variant(record_format, profile)
    return Variant(record_format, _from_accept_profile(accept_profile))


def _from_accept_profile(header: str | None) -> Profile:
    """The profile the header prefers (the default when it names none ldcat serves)."""
    best, best_quality = DEFAULT_PROFILE, 0.0
    for name, quality in parse_accept_profile(header or ""):
        profile = profile_for(name)
        if profile is not None and quality > best_quality:
            best, best_quality = profile, quality
    return best
