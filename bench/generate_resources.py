"""Generate a udata ``resources`` CSV export consistent with a real ``datasets`` export.

data.gouv.fr publishes no resources export, so benchmarks and scale tests make one: for each
dataset row, ``resources_count`` resources whose formats follow ``resources_formats`` and whose
first ``main_resources_count`` are ``main`` files. Everything is derived from the dataset id and
the seed, so the same input gives the same file byte for byte.

    python bench/generate_resources.py ../shared/data/export-dataset-*.csv.gz out.csv.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

csv.field_size_limit(sys.maxsize)

HEADER = [
    "dataset.id", "dataset.title", "dataset.slug", "dataset.url", "dataset.organization",
    "dataset.organization_id", "dataset.license", "dataset.private", "dataset.archived", "id",
    "url", "title", "description", "filetype", "type", "format", "mime", "filesize",
    "checksum.type", "checksum.value", "created_at", "modified", "downloads",
    "harvest.issued_at", "harvest.modified_at", "harvest.last_update", "schema_name",
    "schema_version", "preview_url", "extras",
]
MIME = {"csv": "text/csv", "json": "application/json", "zip": "application/zip",
        "pdf": "application/pdf", "xml": "application/xml", "geojson": "application/geo+json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html", "shp": "application/zip"}
BARE = {"dataset.private", "filesize", "downloads"}


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _line(values: dict[str, str]) -> str:
    return ";".join(values[name] if name in BARE and values[name] else _quote(values[name])
                    for name in HEADER) + "\r\n"


def resources_for(row: dict[str, str], seed: int) -> Iterator[dict[str, str]]:
    """The generated resources of one dataset row."""
    try:
        count = int(row.get("resources_count") or 0)
        main_count = int(row.get("main_resources_count") or 0)
    except ValueError:
        return
    rng = random.Random(f"{seed}:{row['id']}")
    formats = [item.strip() for item in (row.get("resources_formats") or "").split(",")
               if item.strip()] or ["csv"]
    created = row.get("created_at") or "2020-01-01T00:00:00"
    modified = row.get("last_modified") or created
    archived = "False" if row.get("archived", "False") == "False" else "True"
    slug = row.get("slug") or row["id"]
    for position in range(count):
        file_format = formats[position % len(formats)]
        extension = file_format.split()[0].strip("()").lower()
        is_file = rng.random() < 0.85
        stamp = created[:10].replace("-", "") + "-" + f"{rng.randrange(240000):06d}"
        resource_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        url = (f"https://static.data.gouv.fr/resources/{slug}/{stamp}/"
               f"{slug[:40]}-{position + 1}.{extension}") if is_file else \
            f"https://data.example.fr/api/{slug[:40]}/{position + 1}"
        yield {
            "dataset.id": row["id"], "dataset.title": row.get("title", ""),
            "dataset.slug": slug, "dataset.url": row.get("url", ""),
            "dataset.organization": row.get("organization", ""),
            "dataset.organization_id": row.get("organization_id", ""),
            "dataset.license": row.get("license", ""), "dataset.private": "False",
            "dataset.archived": archived, "id": resource_id, "url": url,
            "title": f"{file_format.upper()} {position + 1} – {row.get('title', '')[:60]}",
            "description": "" if rng.random() < 0.6 else f"Fichier {position + 1} du jeu.",
            "filetype": "file" if is_file else "remote",
            "type": "main" if position < main_count else "documentation",
            "format": file_format, "mime": MIME.get(extension, "") if is_file else "",
            "filesize": str(rng.randrange(200, 50_000_000)) if is_file else "",
            "checksum.type": "sha1" if is_file else "",
            "checksum.value": f"{rng.getrandbits(160):040x}" if is_file else "",
            "created_at": created, "modified": modified,
            "downloads": str(rng.randrange(0, 5000)),
            "harvest.issued_at": "", "harvest.modified_at": "", "harvest.last_update": "",
            "schema_name": "", "schema_version": "", "preview_url": "", "extras": "{}",
        }


def generate(datasets_path: Path, out_path: Path, *, seed: int = 20260116,
             limit: int | None = None) -> int:
    """Write the resources export for ``datasets_path``; returns the number of resources."""
    opener = gzip.open if datasets_path.name.endswith(".gz") else open
    out_opener = gzip.open if out_path.name.endswith(".gz") else open
    written = 0
    with opener(datasets_path, "rt", encoding="utf-8", newline="") as source, \
            out_opener(out_path, "wt", encoding="utf-8", newline="") as out:
        out.write(";".join(_quote(name) for name in HEADER) + "\r\n")
        for number, row in enumerate(csv.DictReader(source, delimiter=";")):
            if limit is not None and number >= limit:
                break
            for resource in resources_for(row, seed):
                out.write(_line(resource))
                written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=20260116)
    parser.add_argument("--limit", type=int, help="only the first N datasets")
    args = parser.parse_args()
    count = generate(args.datasets, args.out, seed=args.seed, limit=args.limit)
    print(f"{count:,} resources written to {args.out}")


if __name__ == "__main__":
    main()
