"""``ldcat validate`` and the fast validator's refusals: clear errors, never a silent pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from ldcat.cli import main
from loader.report import LoadReport
from shapes.parse import ShapesError, load_shapes
from shapes.validate import validate_store
from tests.conftest import DCAT_AP, requires_shared

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
"""

TITLE_SHAPE = PREFIXES + """
ex:DatasetShape a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ; sh:datatype xsd:string ;
                sh:message "a dataset needs a plain title" ] .
"""

DATA = PREFIXES + """
ex:good a dcat:Dataset ; dct:title "Bon" .
ex:untitled a dcat:Dataset .
ex:typed a dcat:Dataset ; dct:title "2021"^^xsd:gYear .
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_file_reports_in_three_forms(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shapes = write(tmp_path, "shapes.ttl", TITLE_SHAPE)
    data = write(tmp_path, "data.ttl", DATA)
    out = tmp_path / "report" / "r"
    code = main(["validate", str(data), "--shapes", str(shapes), "--out", str(out)])
    assert code == 1
    text = capsys.readouterr().out
    assert "does NOT conform" in text
    assert "<https://example.org/untitled> <http://purl.org/dc/terms/title>" in text
    report = json.loads(Path(f"{out}.json").read_text())
    assert report["counts"]["Violation"] == 2
    assert {(r["focus"], r["component"]) for r in report["results"]} == {
        ("<https://example.org/untitled>", "MinCountConstraintComponent"),
        ("<https://example.org/typed>", "DatatypeConstraintComponent")}
    turtle = list(parse(Path(f"{out}.ttl").read_bytes(), format=RdfFormat.TURTLE))
    types = {str(q.object) for q in turtle if q.predicate.value.endswith("#type")}
    assert "<http://www.w3.org/ns/shacl#ValidationReport>" in types
    assert sum(1 for q in turtle if q.predicate.value.endswith("#focusNode")) == 2
    assert "a dataset needs a plain title" in Path(f"{out}.txt").read_text()


def test_validate_conforming_file_exits_zero(tmp_path: Path) -> None:
    shapes = write(tmp_path, "shapes.ttl", TITLE_SHAPE)
    data = write(tmp_path, "data.ttl", PREFIXES + 'ex:good a dcat:Dataset ; dct:title "Bon" .')
    assert main(["validate", str(data), "--shapes", str(shapes)]) == 0


def test_validate_store_generation_against_official_shapes(
        demo_store: tuple[Path, LoadReport], capsys: pytest.CaptureFixture[str]) -> None:
    requires_shared(DCAT_AP / "dcat-ap-3.0.1")
    store, _ = demo_store
    code = main(["validate", "--store", str(store), "--shapes", "official-3.0.1",
                 "--dcat-ap", str(DCAT_AP), "--limit", "0"])
    text = capsys.readouterr().out
    assert code in {0, 1}
    assert "background" in text  # the EU vocabularies' own 13 results are shown apart
    assert not list((store).glob(".validate-*")), "the checkpoint must be removed"


@pytest.mark.parametrize(("shapes", "message"), [
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; "
     "sh:property [ sh:path dct:title ; sh:equals dct:alternative ] .",
     "sh:equals is not supported"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:node ex:T . "
     "ex:T a sh:NodeShape ; sh:node ex:S .", "recursive shapes are not supported"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:sparql [ sh:select "
     '"SELECT ?x WHERE { ?x ?p ?o }" ] .', "must project $this"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ?p ?o } ORDER BY ?p" ] .', "solution modifiers"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; "
     "sh:property [ sh:path dct:title ; sh:minCount \"one\" ] .", "must be an integer"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; "
     "sh:property [ sh:path dct:title ; sh:pattern \"([a-z\" ] .", "sh:pattern"),
    (PREFIXES + "ex:S a sh:NodeShape ; sh:target [ a ex:SparqlTarget ] .",
     "sh:target is not supported"),
])
def test_unsupported_or_broken_shapes_are_refused_by_name(tmp_path: Path, shapes: str,
                                                          message: str) -> None:
    path = write(tmp_path, "shapes.ttl", shapes)
    with pytest.raises(ShapesError, match=message.replace("$", r"\$")) as error:
        load_shapes(path)
    assert "ex:S" in str(error.value) or "https://example.org/S" in str(error.value) \
        or "example.org" in str(error.value)


def test_cli_names_the_file_of_unparsable_shapes(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    shapes = write(tmp_path, "bad.ttl", PREFIXES + "ex:S a sh:NodeShape ; sh:minCount .")
    data = write(tmp_path, "data.ttl", DATA)
    assert main(["validate", str(data), "--shapes", str(shapes)]) == 2
    assert "bad.ttl: shapes file does not parse" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "missing.ttl"), "--shapes", str(shapes)]) == 2
    assert main(["validate", str(data), "--shapes", "no-such-set"]) == 2
    assert "unknown shape set" in capsys.readouterr().err


def test_sparql_constraint_with_graph_rule(tmp_path: Path) -> None:
    """A SELECT-based constraint sees named graphs: 'described in a graph named after it'."""
    shapes = load_shapes(write(tmp_path, "s.ttl", PREFIXES + '''
        ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ;
          sh:sparql [ sh:message "not in its own graph" ;
                      sh:select """SELECT $this WHERE {
                          FILTER NOT EXISTS { GRAPH $this { $this a ?t } } }""" ] .
        '''))
    store = Store()
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    dataset = "<http://www.w3.org/ns/dcat#Dataset>"
    store.load(f"<https://example.org/a> {rdf_type} {dataset} <https://example.org/a> .\n"
               f"<https://example.org/b> {rdf_type} {dataset} <https://example.org/other> .\n",
               format=RdfFormat.N_QUADS)
    report = validate_store(store, shapes)
    assert [(r.focus, r.component, r.message) for r in report.results] == [
        ("<https://example.org/b>", "SPARQLConstraintComponent", "not in its own graph")]
