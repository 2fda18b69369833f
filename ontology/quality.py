"""The metadata quality indicators ldcat measures, after data.europa.eu's MQA methodology.

Five dimensions (findability 100 points, accessibility 100, interoperability 110, reusability
75, contextuality 20: 405 in all). Each indicator is checked on the dataset itself or on each
of its distributions; a distribution indicator earns its points in proportion to the
distributions that meet it (2 of 3 distributions with a format: 2/3 of 20 points). The two
accessibility checks that need the network (``needs_network``) run only when asked
(``--check-urls``); without them 325 points are within reach.

The table is data: SPARQL conditions on ``?d`` (a dataset) or ``?x`` (one of its
distributions). Machine-readable and non-proprietary file types come from
``ontology/alignments/open_formats.tsv``.

>>> sum(indicator.points for indicator in INDICATORS)
405
>>> sum(i.points for i in INDICATORS if not i.needs_network)
325
>>> INDICATORS_BY_KEY["keyword"].metric
'https://w3id.org/ldcat/ns#quality-keyword'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ontology.namespaces import EU_AUTHORITY, EU_FILE_TYPE, IANA_MEDIA_TYPES, LDC

DIMENSIONS: dict[str, tuple[str, str]] = {
    "findability": ("Findability", "Trouvabilité"),
    "accessibility": ("Accessibility", "Accessibilité"),
    "interoperability": ("Interoperability", "Interopérabilité"),
    "reusability": ("Reusability", "Réutilisabilité"),
    "contextuality": ("Contextuality", "Contexte"),
}
"""Dimension key -> (English label, French label), in the MQA's order."""

RATINGS: tuple[tuple[int, str], ...] = ((351, "Excellent"), (221, "Good"), (121, "Sufficient"),
                                         (0, "Bad"))
"""The MQA's rating of a score out of 405: the first threshold reached."""

SCORE_METRIC = LDC.term("quality-score")
"""The metric of a dataset's total (the sum of its indicators' points)."""

DATASET, DISTRIBUTION, EXTERNAL = "dataset", "distribution", "external"
"""Where an indicator is checked; ``external`` ones come from outside the store (the SHACL
gate, URL checks)."""


@dataclass(frozen=True, slots=True)
class Check:
    """A statement an indicator looks for: ``subject <predicate> object``, the object an IRI
    starting with ``prefix`` or one of ``values`` when given."""

    predicate: str
    prefix: str = ""
    values: frozenset[str] = frozenset()

    def pattern(self, subject: str) -> str:
        """The check as a SPARQL group pattern on ``subject`` (binding ``?v``)."""
        triple = f"{subject} <{self.predicate}> ?v"
        if self.prefix:
            return f'{triple} FILTER(isIRI(?v) && STRSTARTS(STR(?v), "{self.prefix}"))'
        if self.values:
            return f"{triple} . VALUES ?v {{ {' '.join(f'<{v}>' for v in sorted(self.values))} }}"
        return triple


@dataclass(frozen=True, slots=True)
class Indicator:
    """One MQA indicator: its points, where it is checked and how."""

    key: str
    dimension: str
    points: int
    scope: str
    label: str
    label_fr: str
    checks: tuple[Check, ...]
    """Met when any check holds (on the dataset, or on a distribution)."""
    shortfall: str
    """What a dataset that misses it lacks, for the ranked fixes ("have no keyword")."""
    needs_network: bool = False

    @property
    def metric(self) -> str:
        """The indicator's ``dqv:Metric`` IRI."""
        return LDC.term(f"quality-{self.key}")

    @property
    def dimension_iri(self) -> str:
        """Its ``dqv:Dimension`` IRI."""
        return LDC.term(f"quality-{self.dimension}")

    @property
    def condition(self) -> str:
        """The checks as one SPARQL group pattern on ``?d`` (dataset) or ``?x``."""
        subject = "?d" if self.scope == DATASET else "?x"
        patterns = [check.pattern(subject) for check in self.checks]
        if len(patterns) == 1:
            return patterns[0]
        return " UNION ".join(f"{{ {pattern} }}" for pattern in patterns)


@cache
def open_formats() -> tuple[frozenset[str], frozenset[str]]:
    """(machine-readable, non-proprietary) EU file-type IRIs."""
    text = resources.files("ontology").joinpath("alignments", "open_formats.tsv").read_text(
        "utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    machine = frozenset(EU_FILE_TYPE.term(row["file_type"]) for row in rows
                        if row["machine_readable"] == "yes")
    open_ = frozenset(EU_FILE_TYPE.term(row["file_type"]) for row in rows
                      if row["non_proprietary"] == "yes")
    return machine, open_


_DCAT = "http://www.w3.org/ns/dcat#"
_DCT = "http://purl.org/dc/terms/"
_MACHINE_READABLE, _NON_PROPRIETARY = open_formats()


def _has(predicate: str, prefix: str = "", values: frozenset[str] = frozenset(),
         ) -> tuple[Check, ...]:
    return (Check(predicate, prefix, values),)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("keyword", "findability", 30, DATASET, "Keyword usage", "Mots-clés",
              _has(_DCAT + "keyword"), "have no keyword"),
    Indicator("theme", "findability", 30, DATASET, "Categories", "Catégories",
              _has(_DCAT + "theme"), "have no theme (dcat:theme)"),
    Indicator("spatial", "findability", 20, DATASET, "Geo search", "Couverture spatiale",
              _has(_DCT + "spatial"), "have no spatial coverage"),
    Indicator("temporal", "findability", 20, DATASET, "Time based search",
              "Couverture temporelle", _has(_DCT + "temporal"), "have no temporal coverage"),
    Indicator("access-url-status", "accessibility", 50, EXTERNAL, "AccessURL accessibility",
              "Adresse d'accès joignable", (), "have access URLs that do not answer",
              needs_network=True),
    Indicator("download-url", "accessibility", 20, DISTRIBUTION, "DownloadURL",
              "Adresse de téléchargement", _has(_DCAT + "downloadURL"),
              "have distributions without a download URL"),
    Indicator("download-url-status", "accessibility", 30, EXTERNAL,
              "DownloadURL accessibility", "Adresse de téléchargement joignable", (),
              "have download URLs that do not answer", needs_network=True),
    Indicator("format", "interoperability", 20, DISTRIBUTION, "Format", "Format",
              _has(_DCT + "format"), "have distributions without a format"),
    Indicator("media-type", "interoperability", 10, DISTRIBUTION, "Media type", "Type de média",
              _has(_DCAT + "mediaType"), "have distributions without a media type"),
    Indicator("format-vocabulary", "interoperability", 10, DISTRIBUTION,
              "Format / media type from vocabulary", "Format d'un vocabulaire contrôlé",
              (Check(_DCT + "format", EU_FILE_TYPE.iri),
               Check(_DCAT + "mediaType", IANA_MEDIA_TYPES)),
              "have distributions whose format is in no controlled vocabulary"),
    Indicator("non-proprietary", "interoperability", 20, DISTRIBUTION, "Non-proprietary",
              "Format ouvert", _has(_DCT + "format", values=_NON_PROPRIETARY),
              "have distributions in a proprietary or unknown format"),
    Indicator("machine-readable", "interoperability", 20, DISTRIBUTION, "Machine readable",
              "Lisible par machine", _has(_DCT + "format", values=_MACHINE_READABLE),
              "have distributions in a format machines cannot read"),
    Indicator("dcat-ap-compliance", "interoperability", 30, EXTERNAL, "DCAT-AP compliance",
              "Conformité DCAT-AP", (), "have DCAT-AP violations"),
    Indicator("licence", "reusability", 20, DISTRIBUTION, "Licence information", "Licence",
              _has(_DCT + "license"), "have distributions without a licence"),
    Indicator("licence-vocabulary", "reusability", 10, DISTRIBUTION, "Licence vocabulary",
              "Licence d'un vocabulaire contrôlé",
              _has(_DCT + "license", EU_AUTHORITY + "licence/"),
              "have licences outside the EU licence table"),
    Indicator("access-rights", "reusability", 10, DATASET, "Access restrictions",
              "Droits d'accès", _has(_DCT + "accessRights"), "have no access rights"),
    Indicator("access-rights-vocabulary", "reusability", 5, DATASET,
              "Access restrictions vocabulary", "Droits d'accès d'un vocabulaire contrôlé",
              _has(_DCT + "accessRights", EU_AUTHORITY + "access-right/"),
              "have access rights outside the EU table"),
    Indicator("contact-point", "reusability", 20, DATASET, "Contact point", "Point de contact",
              _has(_DCAT + "contactPoint"), "have no contact point"),
    Indicator("publisher", "reusability", 10, DATASET, "Publisher", "Éditeur",
              _has(_DCT + "publisher"), "have no publisher"),
    Indicator("rights", "contextuality", 5, DISTRIBUTION, "Rights", "Droits",
              _has(_DCT + "rights"), "have distributions without a rights statement"),
    Indicator("byte-size", "contextuality", 5, DISTRIBUTION, "File size", "Taille",
              _has(_DCAT + "byteSize"), "have distributions without a byte size"),
    Indicator("issued", "contextuality", 5, DISTRIBUTION, "Date of issue", "Date de publication",
              _has(_DCT + "issued"), "have distributions without an issue date"),
    Indicator("modified", "contextuality", 5, DISTRIBUTION, "Modification date",
              "Date de modification", _has(_DCT + "modified"),
              "have distributions without a modification date"),
)

INDICATORS_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
INDICATORS_BY_METRIC = {indicator.metric: indicator for indicator in INDICATORS}


def rating(score: float, checked_urls: bool) -> str:
    """The MQA rating of a score; without URL checks the score is out of 325, so it is
    rated as if the unchecked 80 points were in proportion (score x 405/325)."""
    scaled = score if checked_urls else score * 405 / 325
    return next(name for threshold, name in RATINGS if scaled >= threshold)
