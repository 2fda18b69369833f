"""The DCAT-AP 2.1.1 down-conversion, rule by rule, on a record that exercises each one
(the conformance tests check its output against the official 2.1.1 shapes as a whole)."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from exports.dcat_ap2 import to_dcat_ap_2
from ontology.namespaces import DCAT, DCATAP, DCT, ELI, OWL, RDF, SPDX, SPDX_HTTPS, XSD

DATASET = NamedNode("https://data.example.org/datasets/a")
SHA1 = NamedNode("https://data.example.org/resources/r1#checksum")
SHA256 = NamedNode("https://data.example.org/resources/r2#checksum")
R1 = NamedNode("https://data.example.org/resources/r1")
R2 = NamedNode("https://data.example.org/resources/r2")
LEGISLATION = NamedNode("http://data.europa.eu/eli/reg_impl/2023/138/oj")


def _t(subject: NamedNode, predicate: str, obj: NamedNode | Literal) -> Triple:
    return Triple(subject, NamedNode(predicate), obj)


RECORD = [
    _t(DATASET, RDF.type, NamedNode(DCAT.Dataset)),
    _t(DATASET, DCT.title, Literal("Jeu", language="fr")),
    _t(DATASET, DCATAP.applicableLegislation, LEGISLATION),
    _t(DATASET, DCATAP.hvdCategory, NamedNode("http://data.europa.eu/bna/c_dd313021")),
    _t(LEGISLATION, RDF.type, NamedNode(ELI.LegalResource)),
    _t(DATASET, DCAT.distribution, R1),
    _t(DATASET, DCAT.distribution, R2),
    _t(R1, DCAT.byteSize, Literal("1024", datatype=NamedNode(XSD.nonNegativeInteger))),
    _t(R1, SPDX.checksum, SHA1),
    _t(SHA1, SPDX.algorithm, NamedNode(SPDX_HTTPS.checksumAlgorithm_sha1)),
    _t(SHA1, SPDX.checksumValue, Literal("ab" * 20, datatype=NamedNode(XSD.hexBinary))),
    _t(R2, SPDX.checksum, SHA256),
    _t(SHA256, SPDX.algorithm, NamedNode(SPDX_HTTPS.checksumAlgorithm_sha256)),
    _t(SHA256, SPDX.checksumValue, Literal("cd" * 32, datatype=NamedNode(XSD.hexBinary))),
    _t(NamedNode(SPDX_HTTPS.checksumAlgorithm_sha1), OWL.sameAs,
       NamedNode(SPDX.checksumAlgorithm_sha1)),
]


def test_each_rule_of_the_down_conversion() -> None:
    converted = set(to_dcat_ap_2(RECORD))
    # byteSize: xsd:decimal, same value
    assert _t(R1, DCAT.byteSize, Literal("1024", datatype=NamedNode(XSD.decimal))) in converted
    # SHA-1 kept, with SPDX's http spelling; the https->http bridge dropped
    assert _t(SHA1, SPDX.algorithm, NamedNode(SPDX.checksumAlgorithm_sha1)) in converted
    assert not [t for t in converted if t.predicate == NamedNode(OWL.sameAs)]
    # another algorithm: the checksum and the link to it are left out
    assert not [t for t in converted if SHA256 in (t.subject, t.object)]
    # DCAT-AP 3 / HVD terms left out
    assert not [t for t in converted if t.predicate.value.startswith(DCATAP.iri)]
    assert not [t for t in converted if t.object == NamedNode(ELI.LegalResource)]
    # nothing else changes
    untouched = {_t(DATASET, RDF.type, NamedNode(DCAT.Dataset)),
                 _t(DATASET, DCT.title, Literal("Jeu", language="fr")),
                 _t(DATASET, DCAT.distribution, R1), _t(DATASET, DCAT.distribution, R2),
                 _t(R1, SPDX.checksum, SHA1),
                 _t(SHA1, SPDX.checksumValue, Literal("ab" * 20,
                                                      datatype=NamedNode(XSD.hexBinary)))}
    assert untouched <= converted
    assert len(converted) == len(untouched) + 2  # + byteSize and the SHA-1 algorithm


def test_the_conversion_is_idempotent() -> None:
    once = to_dcat_ap_2(RECORD)
    assert to_dcat_ap_2(once) == once
