"""High-value datasets (Implementing Regulation (EU) 2023/138) as DCAT-AP HVD 3.0 wants them.

udata flags a high-value dataset or API with the ``hvd`` tag (or badge); the category comes
from its other tags (``ontology/alignments/hvd_categories.tsv``). DCAT-AP HVD makes the
category and, for a dataset, a distribution mandatory, so a flagged record lacking either is
reported and published without the HVD declaration (its ``hvd`` keyword stays) rather than
with a guessed category or an invented distribution.

The HVD shapes also check ``sh:class rdfs:Resource`` on access and endpoint URLs and on
contact URLs: without RDFS inference nothing is an ``rdfs:Resource`` unless said so, so
HVD records say it (:func:`mark_resource`).
"""

from __future__ import annotations

from loader.mapping.context import MappingContext
from loader.mapping.nquads import GraphWriter
from loader.readers.fields import RowIssues
from ontology.namespaces import DCATAP, HVD_LEGISLATION, RDFS


def hvd_category(tags: list[str], flagged: bool, ctx: MappingContext,
                 issues: RowIssues | None, *, resources: int | None = None) -> str | None:
    """The HVD category IRI of a record published under the HVD regulation, else ``None``.

    A flagged record is declared HVD only if its tags name a category and, for a dataset
    (``resources`` given), it has a resource: DCAT-AP HVD makes both mandatory. Otherwise the
    reason is reported in ``issues`` (when given).
    """
    if not flagged:
        return None
    category = ctx.alignments.hvd_category(tags)
    reason = ""
    if category is None:
        reason = "no tag names an HVD category"
    elif resources == 0:
        reason = "it has no resource (DCAT-AP HVD requires a distribution)"
    if reason:
        if issues is not None:
            issues.warn("tags", f"tagged hvd but {reason}; not declared under the HVD regulation")
        return None
    return category


def declare_hvd(writer: GraphWriter, subject: str, *categories: str) -> None:
    """``subject`` falls under the HVD regulation, in these categories."""
    writer.iri(subject, DCATAP.applicableLegislation, HVD_LEGISLATION)
    for category in categories:
        writer.iri(subject, DCATAP.hvdCategory, category)


def mark_resource(writer: GraphWriter, iri: str) -> None:
    """``iri a rdfs:Resource`` (what the HVD shapes' ``sh:class rdfs:Resource`` checks)."""
    writer.type(iri, RDFS.Resource)
