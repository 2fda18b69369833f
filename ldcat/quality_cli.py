"""``ldcat quality``: the published generation's metadata quality and the fixes worth most."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from loader.generations import StoreLayout
from ontology.quality import DIMENSIONS, INDICATORS


def add_parser(commands: Any) -> None:
    """Register ``ldcat quality`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "quality", help="metadata quality of the published catalogue (after the EU MQA)",
        description="Print the quality totals measured when the current generation was "
                    "loaded: the catalogue's (or one organisation's) score per dimension "
                    "and the fixes that would gain most points.")
    parser.add_argument("--store", type=Path, required=True, help="store directory")
    parser.add_argument("--organization", metavar="ID",
                        help="one organisation (its id, or its IRI)")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON")
    parser.add_argument("--top", type=int, default=10, help="fixes to list (default 10)")


def quality_file(store: Path) -> tuple[str, Path]:
    """The current generation's id and quality file; ``FileNotFoundError`` with a readable
    message when there is none."""
    layout = StoreLayout(store)
    generation = layout.current() if layout.exists() else None
    if generation is None:
        raise FileNotFoundError(f"{store}: no published generation")
    path = layout.generations_dir / f"{generation.id}.quality.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{store}: generation {generation.id} was loaded without quality measurements "
            "(ldcat load --no-quality); load again without that flag")
    return generation.id, path


def _pick(summary: dict[str, Any], organization: str | None) -> tuple[str, dict[str, Any]]:
    if organization is None:
        return "catalogue", summary["catalogue"]
    for iri, group in summary["organizations"].items():
        if organization in (iri, iri.rstrip("/").rsplit("/", 1)[-1]):
            return f"organisation {group.get('name') or iri} <{iri}>", group
    raise LookupError(f"no dataset published by organisation {organization!r}")


def _text(title: str, group: dict[str, Any], summary: dict[str, Any], top: int) -> str:
    lines = [f"{title}: {group['datasets']:,} datasets, mean score {group['score']:g} of "
             f"{summary['max_score']} ({group['rating']})"]
    if not summary["checked_urls"]:
        lines.append("  (URLs not checked: the 80 accessibility points that need the network "
                     "are out of the total; ldcat load --check-urls)")
    maxima = {key: sum(i.points for i in INDICATORS
                       if i.dimension == key and i.key in summary["assessed"])
              for key in DIMENSIONS}
    for key, (english, _) in DIMENSIONS.items():
        lines.append(f"  {english:<17} {group['dimensions'][key]:>7g} / {maxima[key]}")
    if group["fixes"]:
        lines.append("fixes, most points first (mean score gain):")
        lines += [f"  {fix['text']} (+{fix['gain']:g})" for fix in group["fixes"][:top]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the totals; exit 2 with a one-line message when there are none."""
    try:
        generation, path = quality_file(args.store)
        summary = json.loads(path.read_text("utf-8"))
        title, group = _pick(summary, args.organization)
    except (FileNotFoundError, LookupError) as error:
        print(f"ldcat quality: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"generation": generation, "assessed": summary["assessed"],
                          "max_score": summary["max_score"],
                          "checked_urls": summary["checked_urls"], **group},
                         ensure_ascii=False, indent=1))
    else:
        print(f"generation {generation}")
        print(_text(title, group, summary, args.top))
    return 0
