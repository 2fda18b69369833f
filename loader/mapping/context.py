"""What every mapping module needs: IRIs, alignment tables, theme rules, catalogue settings."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from loader.mapping.iris import RecordIris
from ontology.alignments import Alignments, load_alignments
from ontology.themes import ThemeRules, load_themes


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    """How the root catalogue describes itself (``ontology/catalog.toml``)."""

    title: str
    description: str
    homepage: str
    publisher_name: str
    publisher_homepage: str
    language: str
    spatial: str
    api_title: str
    api_description: str
    api_endpoint: str
    api_endpoint_description: str
    api_documentation: str
    api_licence: str
    """A key of ``ontology/alignments/licences.tsv``."""
    contact_name: str
    contact_url: str


def load_catalog_settings() -> CatalogSettings:
    """The bundled catalogue settings."""
    text = resources.files("ontology").joinpath("catalog.toml").read_text("utf-8")
    values = tomllib.loads(text)
    return CatalogSettings(**{key: str(value) for key, value in values.items()})


@dataclass(frozen=True, slots=True)
class MappingContext:
    """Shared, read-only inputs of the mapping (one per worker process)."""

    iris: RecordIris
    alignments: Alignments
    themes: ThemeRules
    catalog: CatalogSettings

    @classmethod
    def create(cls, base_iri: str) -> MappingContext:
        """The context for a base IRI with the bundled tables and rules."""
        return cls(RecordIris(base_iri), load_alignments(), load_themes(),
                   load_catalog_settings())
