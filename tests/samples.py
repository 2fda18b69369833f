"""Samples of the real data.gouv.fr export, with generated resources, loaded into stores."""

from __future__ import annotations

import csv
import gzip
import sys
from collections.abc import Callable
from pathlib import Path

from loader.load import LoadOptions, load
from tests.conftest import BASE, load_bench_module

RowFilter = Callable[[list[str], dict[str, int]], bool]


def export_rows(export: Path, keep: RowFilter, limit: int, out: Path) -> None:
    """The first ``limit`` rows of the real export that ``keep`` accepts, as a CSV file."""
    csv.field_size_limit(sys.maxsize)
    with gzip.open(export, "rt", encoding="utf-8", newline="") as source, \
            out.open("w", encoding="utf-8", newline="") as sink:
        header = source.readline()
        sink.write(header)
        columns = {name: position for position, name in
                   enumerate(next(csv.reader([header], delimiter=";")))}
        writer = csv.writer(sink, delimiter=";", lineterminator="\r\n",
                            quoting=csv.QUOTE_NONNUMERIC)
        written = 0
        for row in csv.reader(source, delimiter=";"):
            if written == limit:
                break
            if keep(row, columns):
                writer.writerow(row)
                written += 1


def load_sample(folder: Path, export: Path, keep: RowFilter, limit: int) -> Path:
    """Load the first ``limit`` rows ``keep`` accepts, with generated resources."""
    sample = folder / "datasets.csv"
    export_rows(export, keep, limit, sample)
    resources = folder / "resources.csv"
    load_bench_module("generate_resources").generate(sample, resources)
    store = folder / "store"
    load([sample, resources], store, LoadOptions(base_iri=BASE, workers=2))
    return store


def is_hvd(row: list[str], columns: dict[str, int]) -> bool:
    return "hvd" in row[columns["tags"]].split(",")


def every_row(row: list[str], columns: dict[str, int]) -> bool:
    return True
