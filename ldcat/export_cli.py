"""``ldcat export``: the current generation's full dumps and their manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from exports.dumps import DUMP_FORMATS
from exports.feed_files import FEED, write_feed
from exports.service import EXPORTS, export_generation, formats_named
from loader.generations import StoreLayout


def add_parser(commands: Any) -> None:
    """Register ``ldcat export`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "export", help="write the published catalogue as gzipped dumps with a manifest")
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--out", type=Path,
                        help="folder for the dumps (default: STORE/exports/GENERATION, which "
                             "ldcat serve publishes at /exports/)")
    parser.add_argument("--format", action="append", default=[],
                        choices=[*(dump.name for dump in DUMP_FORMATS), "all"],
                        help="a dump format (repeatable; default: all)")
    parser.add_argument("--profile", action="append", default=[],
                        help="dcat-ap-3 (as published), dcat-ap-2.1.1 (down-converted for "
                             "data.europa.eu), hvd (high-value datasets only) or theme-SLUG "
                             "(one thematic catalogue); repeatable; default: all of them")
    parser.add_argument("--feed", action="store_true",
                        help="also write the change feed's pages of every generation not yet "
                             "written, for ldcat serve --backend URL --exports STORE/exports "
                             "(the embedded store computes its feed itself)")
    parser.add_argument("--feed-dir", type=Path, metavar="DIR",
                        help="where --feed writes (default: STORE/exports/feed)")


def run(args: argparse.Namespace) -> int:
    """Write the dumps; exit 2 with a one-line message when nothing is published."""
    try:
        folder, manifest = export_generation(args.store, args.out, formats_named(args.format),
                                             tuple(args.profile) or None)
    except (LookupError, ValueError, OSError) as error:
        print(f"ldcat export: {error}", file=sys.stderr)
        return 2
    for entry in manifest.files:
        print(f"{folder / entry.file}  {entry.byte_size} bytes  sha256 {entry.sha256}")
    if args.feed or args.feed_dir:
        feed_folder = args.feed_dir or args.store / EXPORTS / FEED
        try:
            written = write_feed(StoreLayout(args.store), feed_folder)
        except OSError as error:
            print(f"ldcat export: {feed_folder}: {error}", file=sys.stderr)
            return 2
        for generation in written:
            if generation.note:
                print(f"feed {generation.generation}: skipped: {generation.note}")
            else:
                print(f"{feed_folder / generation.generation}  {generation.pages} feed pages")
    return 0
