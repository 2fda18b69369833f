"""The DCAT-AP 2.1.1 profile: the store's DCAT-AP 3 graph, changed where 2.1.1 differs.

What changes (checked against the official 2.1.1 shapes in ``../shared/dcat-ap``):

- ``dcat:byteSize`` is typed ``xsd:decimal`` (2.1.1's range) instead of
  ``xsd:nonNegativeInteger`` (3.0's).
- SPDX checksum algorithms are written with SPDX's own ``http://spdx.org/rdf/terms#`` IRIs
  (2.1.1 checks ``spdx:checksumAlgorithm_sha1`` as such), not the ``https`` spelling the 3.0.1
  shapes demand; the ``owl:sameAs`` bridge between the two spellings is dropped.
- Checksums with another algorithm than SHA-1 are left out: 2.1.1 accepts
  ``spdx:checksumAlgorithm_sha1`` only.
- Terms DCAT-AP 3 introduced are left out: ``dcatap:applicableLegislation`` and
  ``dcatap:hvdCategory`` (the HVD declaration; DCAT-AP HVD builds on 3.0) and the
  ``eli:LegalResource`` typing that goes with them.

Everything else (classes, ``dcat:startDate``/``dcat:endDate`` periods, vCard contacts,
``adms:status``) reads the same in both versions.

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> size = Triple(NamedNode("http://x.org/r"), NamedNode(DCAT.byteSize),
...               Literal("12", datatype=NamedNode(XSD.nonNegativeInteger)))
>>> to_dcat_ap_2([size])[0].object.datatype.value
'http://www.w3.org/2001/XMLSchema#decimal'
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Triple

from ontology.namespaces import DCAT, DCATAP, ELI, OWL, RDF, SPDX, SPDX_HTTPS, XSD

_BYTE_SIZE = NamedNode(DCAT.byteSize)
_ALGORITHM = NamedNode(SPDX.algorithm)
_SHA1 = NamedNode(SPDX.checksumAlgorithm_sha1)
"""The only checksum algorithm DCAT-AP 2.1.1 accepts (its shapes' sh:hasValue)."""
_DECIMAL = NamedNode(XSD.decimal)
_SAME_AS = NamedNode(OWL.sameAs)
_TYPE = NamedNode(RDF.type)
DROPPED_PREDICATES = frozenset({NamedNode(DCATAP.applicableLegislation),
                                NamedNode(DCATAP.hvdCategory)})
DROPPED_CLASSES = frozenset({NamedNode(ELI.LegalResource)})


def _spdx_http(term: NamedNode) -> NamedNode:
    if term.value.startswith(SPDX_HTTPS.iri):
        return NamedNode(SPDX.iri + term.value[len(SPDX_HTTPS.iri):])
    return term


def to_dcat_ap_2(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` as DCAT-AP 2.1.1 wants them (see the module docstring). Give whole records:
    a checksum is judged by its algorithm, which may come later in the record."""
    triples = list(triples)
    unsupported = {t.subject for t in triples if t.predicate == _ALGORITHM
                   and _spdx_http(t.object) != _SHA1}  # type: ignore[arg-type]
    result: dict[Triple, None] = {}
    for triple in triples:
        subject, predicate, obj = triple.subject, triple.predicate, triple.object
        if predicate in DROPPED_PREDICATES or (predicate == _TYPE and obj in DROPPED_CLASSES):
            continue
        if subject in unsupported or obj in unsupported:
            continue
        if predicate == _SAME_AS and isinstance(subject, NamedNode) \
                and subject.value.startswith(SPDX_HTTPS.iri):
            continue
        if predicate == _BYTE_SIZE and isinstance(obj, Literal):
            obj = Literal(obj.value, datatype=_DECIMAL)
        if isinstance(subject, NamedNode):
            subject = _spdx_http(subject)
        if isinstance(obj, NamedNode):
            obj = _spdx_http(obj)
        result[Triple(subject, predicate, obj)] = None
    return list(result)
