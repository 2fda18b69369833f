"""Licence resolution shared by datasets, distributions and data services."""

from __future__ import annotations

from loader.readers.fields import RowIssues
from ontology.alignments import Alignments, Licence

NOT_SPECIFIED = Licence(None, "Licence non spécifiée")


def resolve_licence(value: str, alignments: Alignments, column: str,
                    issues: RowIssues | None) -> Licence:
    """The licence a udata licence id or title stands for.

    A value the table does not know is kept honestly as a rights statement quoting it (and
    reported), never guessed into an EU concept.
    """
    if not value.strip():
        return NOT_SPECIFIED
    licence = alignments.licence(value)
    if licence is not None:
        return licence
    if issues is not None:
        issues.warn(column, f"unknown licence {value.strip()!r}; published as a rights statement")
    return Licence(None, f"Licence indiquée par le producteur : {value.strip()}")
