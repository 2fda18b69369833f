"""The query editor's example queries: ``endpoint/examples/*.rq``, kept as data.

Each file is a complete query anyone can run (``ldcat query --store DIR "$(cat FILE)"``); its
first line is a comment giving the title. Files are listed in name order.

>>> examples()[0].title
'Datasets per organisation'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Example:
    """One example query."""

    slug: str
    """The file name without ``.rq``."""
    title: str
    query: str
    """The whole file, title comment included."""


def parse_example(slug: str, text: str) -> Example:
    """An example from a file's text; ``ValueError`` when it does not start with ``# title``."""
    first_line = text.split("\n", 1)[0]
    if not first_line.startswith("#") or not first_line.lstrip("# ").strip():
        raise ValueError(f"example {slug!r} must start with a '# title' comment")
    return Example(slug=slug, title=first_line.lstrip("# ").strip(), query=text)


@cache
def examples() -> tuple[Example, ...]:
    """All example queries, in file-name order (read once)."""
    folder = resources.files("endpoint") / "examples"
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".rq")),
                   key=lambda entry: entry.name)
    return tuple(parse_example(entry.name.removesuffix(".rq"), entry.read_text("utf-8"))
                 for entry in files)
