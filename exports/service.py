"""``ldcat export``: write a generation's dumps and their manifest.

By default they go to ``STORE/exports/{generation}/``, where ``/exports/`` serves them.
"""

from __future__ import annotations

from pathlib import Path

from exports.dumps import (
    DUMP_FORMATS,
    PROFILES,
    DumpFormat,
    check_profile,
    theme_profile,
    write_dumps,
)
from exports.manifest import Manifest, write_manifest
from loader.generations import Generation, StoreLayout
from loader.repo import Snapshot

EXPORTS = "exports"


def exports_folder(store_dir: Path, generation: Generation) -> Path:
    """Where a generation's dumps live inside the store directory."""
    return store_dir / EXPORTS / generation.id


def formats_named(names: list[str]) -> tuple[DumpFormat, ...]:
    """The dump formats called ``names`` (``all`` for every one); ``ValueError`` otherwise."""
    if not names or "all" in names:
        return DUMP_FORMATS
    known = {dump.name: dump for dump in DUMP_FORMATS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown dump format(s) {', '.join(unknown)}: use "
                         f"{', '.join(known)} or all")
    return tuple(known[name] for name in names)


def theme_profiles(layout: StoreLayout, generation: Generation) -> tuple[str, ...]:
    """The dump profile of each thematic catalogue of ``generation``."""
    return tuple(theme_profile(iri.rsplit("/", 1)[1])
                 for iri, entry in sorted(layout.graphs(generation).items())
                 if entry.kind == "themes")


def export_generation(store_dir: Path, out: Path | None = None,
                      formats: tuple[DumpFormat, ...] = DUMP_FORMATS,
                      profiles: tuple[str, ...] | None = None) -> tuple[Path, Manifest]:
    """Dump the current generation of ``store_dir`` in ``profiles`` (default: every one of
    :data:`~exports.dumps.PROFILES` and every thematic catalogue); returns the folder and its
    manifest.

    ``LookupError`` when nothing is published, ``ValueError`` for an unknown profile.
    """
    layout = StoreLayout(store_dir)
    generation = layout.current()
    if generation is None:
        raise LookupError(f"{store_dir}: nothing has been published yet")
    if profiles is None:
        profiles = PROFILES + theme_profiles(layout, generation)
    for profile in profiles:
        check_profile(profile)
    folder = out or exports_folder(store_dir, generation)
    dumps = write_dumps(Snapshot.open(layout, generation), folder, formats, profiles)
    return folder, write_manifest(folder, generation.id, generation.created, dumps)
