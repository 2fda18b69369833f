"""Named shape sets (``ldcat``, ``official-3.0.1``, ``hvd``, ...) and the background vocabularies.

ldcat's own shapes ship with the package (``shapes/ldcat/``). The official SEMIC shape sets and
the EU vocabularies are third-party files that ldcat does not redistribute: they are read from
a ``dcat-ap`` folder (``--dcat-ap DIR``, else ``$LDCAT_DCAT_AP``, else ``../shared/dcat-ap``
beside the project).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shapes.parse import ShapesError

PACKAGE = Path(__file__).resolve().parent
PROJECT = PACKAGE.parent
ONTOLOGY = PROJECT / "ontology"
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"

_OFFICIAL_3 = ("shacl_shapes.ttl", "shacl_range.ttl", "shacl_mdr-vocabularies.shape.ttl",
               "shacl_shapes_recommended.ttl", "shacl_deprecateduris.ttl")
_OFFICIAL_2 = ("dcat-ap_2.1.1_shacl_shapes.ttl", "dcat-ap_2.1.1_shacl_range.ttl",
               "dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl",
               "dcat-ap_2.1.1_shacl_shapes_recommended.ttl",
               "dcat-ap_2.1.1_shacl_deprecateduris.ttl")
OFFICIAL_SETS: dict[str, tuple[str, ...]] = {
    # The generated all-in-one files (shacl_dcat-ap-SHACL.ttl, shacl_ranges.ttl) reference
    # shapes they do not define; the split files below are the complete, consistent set.
    "official-3.0.1": tuple(f"dcat-ap-3.0.1/{name}" for name in _OFFICIAL_3),
    "official-3.0.0": tuple(f"dcat-ap-3.0.0/{name}" for name in _OFFICIAL_3),
    "official-2.1.1": tuple(f"dcat-ap-2.1.1/{name}" for name in _OFFICIAL_2),
    "hvd": ("dcat-ap-hvd-3.0.0/hvd-SHACL-full.ttl",),
}
SCOPED_TO_HVD = {"hvd"}
VOCABULARY_RULES = "vocabularies.ttl"
"""ldcat's rules that need the EU vocabularies as background."""
"""Sets that apply to high-value datasets only (they target every dataset of a graph)."""


@dataclass(frozen=True)
class ShapeSet:
    """A resolved shape set: its name, files, and whether it applies to the HVD subset only."""

    name: str
    files: tuple[Path, ...]
    hvd_only: bool = False
    notices: tuple[str, ...] = ()


def dcat_ap_folder(explicit: Path | None = None) -> Path:
    """Where the official shapes and EU vocabularies are (may not exist)."""
    if explicit is not None:
        return explicit
    configured = os.environ.get("LDCAT_DCAT_AP")
    if configured:
        return Path(configured)
    return PROJECT.parent / "shared" / "dcat-ap"


def resolve(name: str, dcat_ap: Path | None = None) -> ShapeSet:
    """The shape set called ``name``, or the ``.ttl`` files of a directory / one file."""
    if name == "ldcat":
        files = tuple(sorted((PACKAGE / "ldcat").glob("*.ttl")))
        if (dcat_ap_folder(dcat_ap) / "vocabularies").is_dir():
            return ShapeSet("ldcat", files)
        # Without the EU tables no coded value could be checked: leave those rules out, say so.
        kept = tuple(path for path in files if path.name != VOCABULARY_RULES)
        return ShapeSet("ldcat", kept, notices=(
            f"EU vocabularies not found: {VOCABULARY_RULES} (controlled vocabularies) was "
            "not applied",))
    if name in OFFICIAL_SETS:
        folder = dcat_ap_folder(dcat_ap)
        files = tuple(folder / relative for relative in OFFICIAL_SETS[name])
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise ShapesError(f"shape set {name}: file(s) not found: {', '.join(missing)} "
                              "(give the folder holding the official DCAT-AP shapes with "
                              "--dcat-ap DIR or LDCAT_DCAT_AP)")
        return ShapeSet(name, files, hvd_only=name in SCOPED_TO_HVD)
    path = Path(name)
    if path.is_dir():
        files = tuple(sorted(p for p in path.iterdir() if p.suffix in {".ttl", ".nt", ".rdf"}))
        if not files:
            raise ShapesError(f"{path}: no shapes files (.ttl, .nt, .rdf) in this directory")
        return ShapeSet(str(path), files)
    if path.is_file():
        return ShapeSet(str(path), (path,))
    known = ", ".join(["ldcat", *OFFICIAL_SETS])
    raise ShapesError(f"unknown shape set {name!r}: use one of {known}, or a directory or file")


def vocabulary_files(dcat_ap: Path | None = None) -> tuple[list[Path], list[str]]:
    """The background vocabulary files, and notices about what is missing."""
    files = [ONTOLOGY / "eu-concepts.ttl"]
    notices: list[str] = []
    folder = dcat_ap_folder(dcat_ap) / "vocabularies"
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.suffix in {".rdf", ".ttl"}) + files
    else:
        notices.append(f"EU vocabularies not found in {folder}: checks that need a concept's "
                       "skos:inScheme will fail (give --dcat-ap DIR)")
    return files, notices
