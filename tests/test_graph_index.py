"""The validator's index read from records' text as strings (GraphIndex.add_records) holds
exactly what parsing the same text gives (GraphIndex.add_nquads), whoever wrote the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.generations import StoreLayout
from loader.mapping.nquads import GraphWriter
from loader.record_text import RecordText
from loader.report import LoadReport
from shapes.graphindex import GraphIndex

G = "http://e.org/datasets/g"
S = "http://e.org/datasets/g"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _both(blocks: list[tuple[str, bytes]]) -> tuple[GraphIndex, GraphIndex]:
    from_text, parsed = GraphIndex(), GraphIndex()
    counted = from_text.add_records(blocks)
    assert counted == parsed.add_nquads(b"".join(data for _, data in blocks))
    from_text.finish()
    parsed.finish()
    return from_text, parsed


def _written(*values: tuple[str, str, str]) -> bytes:
    """A record graph as the loader's writer writes it: (value, language, datatype)."""
    writer = GraphWriter(G)
    writer.type(S, "http://www.w3.org/ns/dcat#Dataset")
    for number, (value, lang, datatype) in enumerate(values):
        writer.literal(S, f"http://e.org/p{number}", value, lang=lang, datatype=datatype)
    return writer.text().encode()


@pytest.mark.parametrize("values", [
    [("plain", "fr", ""), ("12", "", f"<{XSD}nonNegativeInteger>")],
    [("tab\there", "fr", "")],                       # raw tab: the parser escapes it
    [("del\x7fhere", "", "")],                       # raw DEL: written \u007F by pyoxigraph
    [("upper", "en-GB", "")],                        # language tags are lower-cased on parsing
    [("012", "", f"<{XSD}integer>"), ("1.50", "", f"<{XSD}decimal>")],  # stored forms
    [('quote " back \\ line\nend', "fr", ""), ("\u2028\x85é🙂", "", "")],
    [("a\\u0041 stays", "", "")],                    # an escaped backslash before "u"
    [(' <http://e.org/datasets/g> .', "", "")],      # the graph suffix inside a literal
])
def test_records_read_as_strings_equal_records_parsed(values: list[tuple[str, str, str]]
                                                      ) -> None:
    from_text, parsed = _both([(G, _written(*values))])
    assert from_text.subjects == parsed.subjects


def test_escapes_and_foreign_lines_are_parsed() -> None:
    escaped = (f'<{S}> <http://e.org/p> "\\u0041\\U0001F600" <{G}> .\n'
               f'<{S}> <http://e.org/q> "x"@EN <{G}> .\n').encode()
    other_graph = f'<{S}> <http://e.org/p> "elsewhere" <http://e.org/other> .\n'.encode()
    from_text, parsed = _both([(G, escaped), (G, _written(("a", "fr", "")) + other_graph)])
    assert from_text.subjects == parsed.subjects
    assert from_text.values(f"<{S}>", "http://e.org/p") == ['"A😀"', '"elsewhere"']
    assert from_text.values(f"<{S}>", "http://e.org/q") == ['"x"@en']


def test_kept_predicates_only() -> None:
    keep = GraphIndex(["http://e.org/p0"])
    keep.add_records([(G, _written(("a", "", ""), ("b", "", "")))])
    assert set(keep.subjects[f"<{S}>"]) == {"http://e.org/p0",
                                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}


def _every_record(store: Path) -> list[tuple[str, bytes]]:
    layout = StoreLayout(store)
    generation = layout.current()
    assert generation is not None
    text = RecordText.open(layout.text_dir(generation.id))
    assert text is not None
    return text.blocks_of(text.graphs())


def test_demo_records_read_as_strings_equal_parsed(demo_store: tuple[Path, LoadReport]) -> None:
    from_text, parsed = _both(_every_record(demo_store[0]))
    assert from_text.subjects == parsed.subjects


def test_real_sample_records_read_as_strings_equal_parsed(real_sample_store: Path) -> None:
    from_text, parsed = _both(_every_record(real_sample_store))
    assert len(from_text.subjects) > 10_000
    assert from_text.subjects == parsed.subjects
