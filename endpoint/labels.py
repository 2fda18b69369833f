"""French labels for the vocabulary IRIs pages show (licences, frequencies, themes, zones).

Licence and zone labels come from ldcat's alignment tables; EU frequencies and data themes
from the small tables here; anything else falls back to the IRI's last segment.

>>> vocabulary_label("http://publications.europa.eu/resource/authority/frequency/WEEKLY")
'hebdomadaire'
>>> vocabulary_label("http://publications.europa.eu/resource/authority/data-theme/TRAN")
'Transports'
"""

from __future__ import annotations

from functools import cache

from ontology.alignments import load_alignments
from ontology.namespaces import EU_AUTHORITY

FREQUENCIES = {
    "CONT": "mise à jour continue", "UPDATE_CONT": "mise à jour continue",
    "1MIN": "toutes les minutes", "5MIN": "toutes les 5 minutes", "10MIN": "toutes les 10 minutes",
    "15MIN": "tous les quarts d'heure", "30MIN": "toutes les demi-heures",
    "HOURLY": "toutes les heures", "BIHOURLY": "toutes les deux heures",
    "TRIHOURLY": "toutes les trois heures", "12HRS": "toutes les douze heures",
    "DAILY": "quotidienne", "DAILY_2": "deux fois par jour", "WEEKLY": "hebdomadaire",
    "WEEKLY_2": "deux fois par semaine", "WEEKLY_3": "trois fois par semaine",
    "BIWEEKLY": "toutes les deux semaines", "MONTHLY": "mensuelle",
    "MONTHLY_2": "deux fois par mois", "MONTHLY_3": "trois fois par mois",
    "BIMONTHLY": "tous les deux mois", "QUARTERLY": "trimestrielle",
    "ANNUAL": "annuelle", "ANNUAL_2": "semestrielle", "ANNUAL_3": "trois fois par an",
    "BIENNIAL": "tous les deux ans", "TRIENNIAL": "tous les trois ans",
    "QUADRENNIAL": "tous les quatre ans", "QUINQUENNIAL": "tous les cinq ans",
    "DECENNIAL": "tous les dix ans", "IRREG": "irrégulière", "NEVER": "jamais",
    "OTHER": "autre", "UNKNOWN": "inconnue", "OP_DATPRO": "provisoire",
}
DATA_THEMES = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances", "EDUC": "Éducation, culture et sport", "ENER": "Énergie",
    "ENVI": "Environnement", "GOVE": "Gouvernement et secteur public", "HEAL": "Santé",
    "INTR": "Questions internationales",
    "JUST": "Justice, système juridique et sécurité publique", "REGI": "Régions et villes",
    "SOCI": "Population et société", "TECH": "Science et technologie", "TRAN": "Transports",
}
_TABLES = {"frequency": FREQUENCIES, "data-theme": DATA_THEMES}


@cache
def _aligned_labels() -> dict[str, str]:
    alignments = load_alignments()
    labels = {licence.iri: licence.label for licence in alignments.licences.values()
              if licence.iri}
    labels.update({zone.iri: zone.label for zone in alignments.zones.values() if zone.iri})
    return labels


def vocabulary_label(iri: str) -> str:
    """A French label for a vocabulary IRI (its last segment when none is known)."""
    known = _aligned_labels().get(iri)
    if known:
        return known
    if iri.startswith(EU_AUTHORITY):
        table, _, code = iri[len(EU_AUTHORITY):].partition("/")
        if code in _TABLES.get(table, {}):
            return _TABLES[table][code]
        return code or iri
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri
