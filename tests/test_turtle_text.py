"""Turtle written from N-Triples text (exports/turtle_text.py) and record documents built
from the records' text (endpoint/record_documents.py): both say exactly what the terms say."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from endpoint.profiles import DEFAULT_PROFILE
from endpoint.record_documents import RecordDocument, build_document
from endpoint.record_formats import N_TRIPLES, TURTLE
from endpoint.record_index import RecordIndex
from endpoint.record_render import render_rdf
from exports.turtle_text import turtle_from_ntriples
from loader.generations import StoreLayout
from loader.repo import EmbeddedRepo
from loader.report import LoadReport
from ontology.namespaces import DCAT, PREFIXES, RDF, XSD

NAMESPACES = ["http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://purl.org/dc/",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://e.org/other/"]
LOCALS = ["title", "a", "Dataset", "type", "x.y", "ends.", "-dash", "1st", "a(b)", "a%20b",
          "é", "", "with/slash", "q?x=1", "terms#part", "_u", "a~b"]
LEXICAL = ["plain", "", 'quote " inside', "new\nline", "tab\tand\rreturn", " . \n",
           "<http://purl.org/dc/terms/title>", '"^^<http://e.org/dt>', "line\u2028sep",
           "next\x85line", "émoji 🙂", "back\\slash", "dcat:Dataset ;", "a .", "x\"@en"]


def _parsed(data: bytes, rdf_format: RdfFormat) -> set[Triple]:
    return {quad.triple for quad in parse(data, format=rdf_format)}


def _iri(namespace: str, local: str) -> NamedNode:
    """``namespace + local``, or without the local part's ``#`` when it would be a second."""
    try:
        return NamedNode(namespace + local)
    except ValueError:
        return NamedNode(namespace + local.replace("#", ""))


iris = st.builds(_iri, st.sampled_from(NAMESPACES), st.sampled_from(LOCALS))
blank_nodes = st.sampled_from(["b0", "b1", "x9"]).map(BlankNode)
literals = st.one_of(
    st.sampled_from(LEXICAL).map(Literal),
    st.builds(lambda value, tag: Literal(value, language=tag),
              st.sampled_from(LEXICAL), st.sampled_from(["fr", "en-GB"])),
    st.builds(lambda value, datatype: Literal(value, datatype=datatype),
              st.sampled_from(LEXICAL), iris),
    st.sampled_from([Literal("12", datatype=NamedNode(XSD.nonNegativeInteger)),
                     Literal("2024-01-02T03:04:05Z", datatype=NamedNode(XSD.dateTime))]))
triples = st.builds(Triple, st.one_of(iris, blank_nodes), iris,
                    st.one_of(iris, blank_nodes, literals))


@settings(max_examples=300, deadline=None)
@given(st.lists(triples, max_size=25))
def test_turtle_from_ntriples_states_exactly_the_input_triples(statements: list[Triple]) -> None:
    ntriples = serialize(statements, format=RdfFormat.N_TRIPLES) or b""
    turtle = turtle_from_ntriples(ntriples, PREFIXES)
    assert _parsed(turtle, RdfFormat.TURTLE) == set(statements), turtle.decode()


def test_turtle_shortens_what_is_safe_and_declares_only_the_prefixes_used() -> None:
    dataset = NamedNode("http://e.org/d")
    statements = [Triple(dataset, NamedNode(RDF.type), NamedNode(DCAT.Dataset)),
                  Triple(dataset, NamedNode(DCAT.keyword), Literal("a")),
                  Triple(dataset, NamedNode(DCAT.keyword), Literal("b")),
                  Triple(dataset, NamedNode(DCAT.theme), NamedNode(RDF.type)),
                  Triple(dataset, NamedNode(DCAT.byteSize),
                         Literal("3", datatype=NamedNode(XSD.nonNegativeInteger))),
                  Triple(dataset, NamedNode(DCAT.landingPage), NamedNode(f"{DCAT}ends."))]
    turtle = turtle_from_ntriples(serialize(statements, format=RdfFormat.N_TRIPLES) or b"",
                                  PREFIXES).decode()
    assert "<http://e.org/d> a dcat:Dataset ;" in turtle
    assert 'dcat:keyword "a", "b" ;' in turtle
    assert "dcat:theme rdf:type ;" in turtle  # rdf:type as an object is not written "a"
    assert '"3"^^xsd:nonNegativeInteger' in turtle
    assert f"<{DCAT}ends.>" in turtle  # a local part ending with "." keeps the full IRI
    declared = {line.split()[1] for line in turtle.splitlines() if line.startswith("@prefix")}
    assert declared == {"dcat:", "rdf:", "xsd:"}
    assert turtle_from_ntriples(b"", PREFIXES) == b""


class TermsOnlyRepo(EmbeddedRepo):
    """The same store read without the records' text: documents are built from terms."""

    def record_text(self, iri: str) -> bytes | None:
        return None


def _records(store: Path, limit: int | None = None) -> list[tuple[str, str]]:
    layout = StoreLayout(store)
    generation = layout.current()
    assert generation is not None
    records = sorted((entry.kind, iri) for iri, entry in layout.graphs(generation).items()
                     if entry.kind != "quality")
    return records if limit is None else random.Random(7).sample(records, limit)


def _assert_same_documents(store: Path, records: list[tuple[str, str]]) -> None:
    text_repo, terms_repo = EmbeddedRepo(store), TermsOnlyRepo(store)
    text_index, terms_index = RecordIndex(text_repo), RecordIndex(terms_repo)
    generation = text_repo.generation()
    assert generation is not None
    for kind, iri in records:
        from_text = build_document(text_repo, text_index, generation, kind, iri)
        from_terms = build_document(terms_repo, terms_index, generation, kind, iri)
        assert isinstance(from_text, RecordDocument)
        assert isinstance(from_terms, RecordDocument)
        assert set(from_text.triples) == set(from_terms.triples), iri
        assert (from_text.version, from_text.modified) == (from_terms.version,
                                                           from_terms.modified), iri
        for document in (from_text, from_terms):
            for record_format, rdf_format in ((TURTLE, RdfFormat.TURTLE),
                                              (N_TRIPLES, RdfFormat.N_TRIPLES)):
                body = render_rdf(document, record_format, DEFAULT_PROFILE)
                assert _parsed(body, rdf_format) == set(from_terms.triples), iri


def test_documents_from_text_equal_documents_from_terms_on_the_demo(
        demo_store: tuple[Path, LoadReport]) -> None:
    records = _records(demo_store[0])
    assert {kind for kind, _ in records} >= {"datasets", "organizations", "reuses",
                                             "dataservices", "themes"}
    _assert_same_documents(demo_store[0], records)


def test_documents_from_text_equal_documents_from_terms_on_the_real_sample(
        real_sample_store: Path) -> None:
    _assert_same_documents(real_sample_store, _records(real_sample_store, 300))


def test_a_missing_record_has_no_document(demo_store: tuple[Path, LoadReport]) -> None:
    repo = EmbeddedRepo(demo_store[0])
    generation = repo.generation()
    assert generation is not None
    iri = f"{generation.base_iri}/datasets/no-such-dataset"
    assert build_document(repo, RecordIndex(repo), generation, "datasets", iri) is None
    with pytest.raises(ValueError, match="IRI"):
        build_document(repo, RecordIndex(repo), generation, "datasets", "not an iri")
