"""Thematic sub-catalogues: declarative rules (``ontology/themes.toml``) that place datasets.

>>> rules = load_themes()
>>> [theme.slug for theme in rules.themes_of("", ["gtfs"], "Horaires")]
['transport']
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ontology.namespaces import EU_AUTHORITY


@dataclass(frozen=True, slots=True)
class Theme:
    """One thematic catalogue and the rules that fill it."""

    slug: str
    title: str
    description: str
    homepage: str
    data_theme: str
    organizations: frozenset[str]
    tags: frozenset[str]
    title_words: frozenset[str]

    @property
    def data_theme_iri(self) -> str | None:
        """The EU data-theme IRI given to member datasets, if any."""
        return f"{EU_AUTHORITY}data-theme/{self.data_theme}" if self.data_theme else None

    def matches(self, organization_id: str, tags: list[str], title: str) -> bool:
        """Whether a dataset with these features belongs to the theme."""
        if organization_id and organization_id in self.organizations:
            return True
        if not self.tags.isdisjoint(tags):
            return True
        if self.title_words:
            words = title.lower().replace("'", " ").replace("’", " ").split()
            return not self.title_words.isdisjoint(words)
        return False


@dataclass(frozen=True, slots=True)
class ThemeRules:
    """All thematic catalogues, in file order."""

    themes: tuple[Theme, ...]

    def themes_of(self, organization_id: str, tags: list[str], title: str) -> list[Theme]:
        """The themes a dataset belongs to."""
        return [theme for theme in self.themes if theme.matches(organization_id, tags, title)]


def parse_themes(text: str, origin: str = "themes.toml") -> ThemeRules:
    """Rules from TOML text; ``ValueError`` naming the theme and key when a rule is malformed."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{origin}: {error}") from error
    themes = []
    for position, entry in enumerate(document.get("theme", []), start=1):
        missing = [key for key in ("slug", "title") if not entry.get(key)]
        if missing:
            raise ValueError(f"{origin}: theme #{position} lacks {', '.join(missing)}")
        themes.append(Theme(
            slug=str(entry["slug"]),
            title=str(entry["title"]),
            description=str(entry.get("description", "")),
            homepage=str(entry.get("homepage", "")),
            data_theme=str(entry.get("data_theme", "")),
            organizations=frozenset(map(str, entry.get("organizations", []))),
            tags=frozenset(str(tag).lower() for tag in entry.get("tags", [])),
            title_words=frozenset(str(word).lower() for word in entry.get("title_words", [])),
        ))
    slugs = [theme.slug for theme in themes]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{origin}: duplicate theme slug")
    return ThemeRules(tuple(themes))


@cache
def load_themes(path: Path | None = None) -> ThemeRules:
    """The bundled rules, or those of ``path``."""
    if path is not None:
        return parse_themes(path.read_text("utf-8"), str(path))
    bundled = resources.files("ontology").joinpath("themes.toml").read_text("utf-8")
    return parse_themes(bundled)
