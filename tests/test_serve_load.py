"""The load test, short and bounded (``-m slow``): ``bench/serve_load.py`` against a real
``ldcat serve --workers 2`` over 200 real datasets, 8 clients for 20 s, a new generation
published (``ldcat load`` + ``ldcat export``) 3 s in. 0 errors, 0 answers mixing two
generations, both generations seen on every route, server memory bounded.

The full run (32 clients, 60 s, the 2,000-dataset sample) is in RELIABILITY.md, "Load test".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from loader.load import LoadOptions, load
from tests.conftest import BASE, PROJECT, load_bench_module
from tests.samples import every_row, export_rows

RSS_BOUND_MB = 1536


@pytest.fixture
def serve_load() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PROJECT / "bench"))
        yield load_bench_module("serve_load")


@pytest.mark.slow
def test_load_with_a_publication_mid_run(serve_load: ModuleType, real_export: Path,
                                         tmp_path: Path) -> None:
    datasets, resources = tmp_path / "datasets.csv", tmp_path / "resources.csv"
    export_rows(real_export, every_row, 200, datasets)
    load_bench_module("generate_resources").generate(datasets, resources)
    store = tmp_path / "store"
    load([datasets, resources], store, LoadOptions(base_iri=BASE, workers=2))
    work = tmp_path / "work"
    work.mkdir()
    summary = serve_load.run(store, datasets, resources, clients=8, duration=20, publish_at=3,
                             workers=2, query_workers=1, work=work)
    print(serve_load.markdown(summary))
    assert summary.errors == 0, summary.error_samples
    assert summary.mixed == 0, summary.mixed_samples
    assert summary.new_generation_current_at_s is not None
    for route, figures in summary.routes.items():
        assert set(figures["generations"]) == {"g000001", "g000002"}, route
    assert summary.rss_mb_max < RSS_BOUND_MB
    assert summary.requests > 200
