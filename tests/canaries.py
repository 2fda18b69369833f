"""Canary records for the leak test: hidden datasets with a marker string in every field.

Every value of a hidden canary contains :data:`LEAK` (``zqxleak``, lower case, so a
case-insensitive search finds it in tags and slugs too); a public *control* dataset built the
same way carries :data:`CONTROL` instead, so each probe shows it can find a marker that is
published. udata API pages carry ``private`` and ``deleted``; the resources export carries
``dataset.private``; there is no draft state in udata's API or exports (a draft dataset is a
private one), so the "archived but hidden" canary is archived *and* private.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import RESOURCE_HEADER, csv_text, resource_row

LEAK = "zqxleak"
CONTROL = "zqxcontrol"
HIDDEN_DATASETS = {
    "private": f"{LEAK}-private-ds",
    "deleted": f"{LEAK}-deleted-ds",
    "archived-private": f"{LEAK}-archived-private-ds",
    "resources-only-private": f"{LEAK}-csv-private-ds",
}
"""Canary dataset ids by how they are hidden (the last one exists only as resource rows of a
dataset the resources export marks private)."""
CONTROL_DATASET = f"{CONTROL}-public-ds"


def _api_dataset(identifier: str, marker: str, **status: Any) -> dict[str, Any]:
    """A udata API dataset object whose every text and URL contains ``marker``."""
    def text(field: str) -> str:
        return f"{marker} {field} {identifier}"

    def url(field: str) -> str:
        return f"https://{marker}.example.net/{field}/{identifier}"

    return {
        "id": identifier, "title": text("title"), "acronym": f"{marker}-acr",
        "slug": f"{identifier}-slug", "description": text("description"),
        "description_short": text("description_short"),
        "created_at": "2024-03-01T10:00:00+00:00", "last_modified": "2025-03-01T10:00:00+00:00",
        "deleted": None, "private": False, "archived": None, "featured": False,
        "frequency": "monthly", "license": "fr-lo", "page": url("page"), "uri": url("uri"),
        "tags": [f"{marker}-tag-one", f"{marker}-tag-two", "environnement"],
        "temporal_coverage": {"start": "2020-01-01", "end": "2024-12-31"},
        "spatial": {"zones": [f"fr:commune:{marker}"], "granularity": "fr:commune"},
        "organization": {"id": f"{marker}-org-{identifier}", "name": text("organization"),
                         "slug": f"{marker}-org-slug", "page": url("organization")},
        "owner": None,
        "harvest": {"backend": "DCAT", "domain": f"{marker}.example.net",
                    "remote_url": url("harvest"), "uri": url("harvest-uri"),
                    "dct_identifier": text("dct_identifier")},
        "quality": {"score": 0.5},
        "badges": [{"kind": f"{marker}-badge"}],
        "resources": [{
            "id": f"{identifier}-res-{number}", "title": text(f"resource {number} title"),
            "description": text(f"resource {number} description"),
            "url": url(f"resource-{number}"), "filetype": "file", "type": "main",
            "format": "csv", "mime": "text/csv", "filesize": 1000 + number,
            "checksum": {"type": "sha256", "value": "ab" * 32},
            "created_at": "2024-03-01T10:00:00+00:00",
            "last_modified": "2025-03-01T10:00:00+00:00",
            "schema": {"name": f"{marker}-schema"},
        } for number in (1, 2)],
        **status,
    }


def api_page() -> dict[str, Any]:
    """One udata API page: three hidden canaries and the public control."""
    return {"data": [
        _api_dataset(HIDDEN_DATASETS["private"], LEAK, private=True),
        _api_dataset(HIDDEN_DATASETS["deleted"], LEAK, deleted="2025-06-01T08:00:00+00:00",
                     organization=None,
                     owner={"id": f"{LEAK}-owner", "first_name": f"{LEAK} first",
                            "last_name": f"{LEAK} last"}),
        _api_dataset(HIDDEN_DATASETS["archived-private"], LEAK, private=True,
                     archived="2025-02-01T08:00:00+00:00"),
        _api_dataset(CONTROL_DATASET, CONTROL),
    ], "page": 1, "page_size": 4, "total": 4}


def resources_rows() -> str:
    """Resource rows of hidden datasets (the export's ``dataset.private``, and resources of
    the API canaries), as a udata resources export."""
    rows = []
    for key, dataset_id in HIDDEN_DATASETS.items():
        about: dict[str, str | int | bool] = {
            "dataset.title": f"{LEAK} dataset title {key}",
            "dataset.slug": f"{LEAK}-slug-{key}",
            "dataset.organization": f"{LEAK} organization {key}",
            "dataset.organization_id": f"{LEAK}-org-{key}",
            "dataset.private": key != "deleted"}
        rows.append(resource_row(
            dataset_id, f"{dataset_id}-csvres", title=f"{LEAK} csv resource title {key}",
            description=f"{LEAK} csv resource description {key}",
            url=f"https://{LEAK}.example.net/csv/{dataset_id}.csv", **about))
    return csv_text(RESOURCE_HEADER, rows)


REUSE_HEADER = ["id", "title", "slug", "url", "type", "description", "remote_url",
                "organization", "organization_id", "owner", "owner_id", "image", "featured",
                "created_at", "last_modified", "archived", "topic", "tags", "datasets"]


def reuse_rows(public_dataset: str) -> str:
    """A public reuse that names every hidden canary and one published dataset."""
    datasets = ",".join([public_dataset, *HIDDEN_DATASETS.values()])
    row: list[str | int | bool] = [
        "reuse-naming-canaries", "Une réutilisation", "une-reutilisation",
        "https://www.data.gouv.fr/reuses/une-reutilisation/", "application", "Texte.",
        "https://example.org/app", "Ville de Test", "org1", "", "", "", False,
        "2024-01-02T03:04:05", "2025-01-02T03:04:05", "", "autre", "outil", datasets]
    return csv_text(REUSE_HEADER, [row])


def write_sources(folder: Path, public_dataset: str) -> list[Path]:
    """The canary sources, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "api-page.json"
    page.write_text(json.dumps(api_page(), ensure_ascii=False), encoding="utf-8")
    resources = folder / "canary-resources.csv"
    resources.write_text(resources_rows(), encoding="utf-8", newline="")
    reuses = folder / "reuses.csv"
    reuses.write_text(reuse_rows(public_dataset), encoding="utf-8", newline="")
    return [page, resources, reuses]
