"""Crash safety: ``ldcat load`` killed with SIGKILL at seeded random moments, over a store
that already serves a generation. After every kill the store opens, ``current`` serves the
previous complete generation (same graphs, same quads) or, killed after the switch, the new
complete one, no half-published generation is listed, and the next load succeeds.

3 kills in the default run, 20 behind ``-m slow`` (RELIABILITY.md, "Crash safety").
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from loader.generations import StoreLayout
from loader.repo import EmbeddedRepo
from tests.conftest import BASE, load_bench_module
from tests.crash_loads import (
    MINIMAL_SHAPES,
    StoreState,
    kill_load_at,
    kill_schedule,
    run_load,
    store_state,
)
from tests.samples import every_row, export_rows
from tests.sparql_support import publish_quads


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory: pytest.TempPathFactory, real_export: Path) -> list[Path]:
    """The first 60 real datasets with generated resources."""
    folder = tmp_path_factory.mktemp("crash-sample")
    export_rows(real_export, every_row, 60, folder / "datasets.csv")
    load_bench_module("generate_resources").generate(folder / "datasets.csv",
                                                     folder / "resources.csv")
    return [folder / "datasets.csv", folder / "resources.csv"]


def _first_load(store: Path, sources: list[Path], shapes: Path | None) -> float:
    started = time.monotonic()
    done = run_load(store, sources, shapes)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def _check_after(store: Path, before: StoreState, where: str) -> StoreState:
    """What readers see after a killed (or finished) load."""
    after = store_state(store)
    if after.generation == before.generation:
        assert after == before, f"killed while {where}: current changed"
    else:  # killed after the switch (or finished): the new generation is complete
        assert after.graphs == before.graphs, where
        assert after.quads == before.quads, where
    # no generation that never became current is listed to readers
    listed = [generation.id for generation in StoreLayout(store).generations()]
    assert listed[-1] == after.generation, (where, listed)
    return after


def _kill_loads(store: Path, sources: list[Path], kills: int, seed: int,
                load_after_each: bool, shapes: Path | None = None) -> list[str]:
    """Kill ``kills`` loads; check the store after each. Returns the phases hit.

    A kill moment is a fraction of the last full load's duration; a load that finishes
    before it (loads speed up and slow down with the machine) is checked like the others and
    the kill is tried again earlier, so every one of the ``kills`` is a real SIGKILL.
    """
    layout = StoreLayout(store)
    duration = _first_load(store, sources, shapes)
    phases = []
    for moment, at_publication in kill_schedule(kills, seed):
        delay = moment if at_publication else moment * duration
        for _ in range(5):
            before = store_state(store)
            where, finished = kill_load_at(store, sources, delay, at_publication, shapes)
            _check_after(store, before, where)
            # a kill meant for the publication that came after it ended is tried again too
            missed = finished or (at_publication and where != "publishing")
            if not missed:
                break
            delay /= 2
        assert not missed, "every load got past its kill moment"
        phases.append(where)
        if load_after_each:
            before = store_state(store)
            duration = _first_load(store, sources, shapes)
            assert store_state(store).graphs == before.graphs
    if not load_after_each:
        done = run_load(store, sources, shapes)
        assert done.returncode == 0, done.stderr
    final = store_state(store)
    leftovers = [entry.name for entry in layout.generations_dir.iterdir()
                 if entry.name.startswith(".") or ".tmp-" in entry.name]
    assert leftovers == []
    assert [p.name for p in store.iterdir() if ".tmp-" in p.name] == []
    assert [g.id for g in layout.generations()][-1] == final.generation
    return phases


def test_three_killed_loads_leave_the_store_serving(small_sample: list[Path],
                                                    tmp_path: Path) -> None:
    """The short version: a minimal shape set keeps each load to a few seconds."""
    shapes = tmp_path / "minimal-shapes.ttl"
    shapes.write_text(MINIMAL_SHAPES, encoding="utf-8")
    phases = _kill_loads(tmp_path / "store", small_sample, kills=3, seed=8,
                         load_after_each=False, shapes=shapes)
    assert len(phases) == 3


@pytest.mark.slow
def test_twenty_killed_loads_leave_the_store_serving(small_sample: list[Path],
                                                     tmp_path: Path) -> None:
    phases = _kill_loads(tmp_path / "store", small_sample, kills=20, seed=2026,
                         load_after_each=True)
    print("phases at kill:", phases)
    assert len(phases) == 20
    assert "publishing" in phases
    assert "loading or gate" in phases


def test_a_generation_moved_into_place_but_never_switched_is_not_published(
        tmp_path: Path) -> None:
    """The state a SIGKILL between ``rename(staging, gN)`` and the switch of ``current``
    leaves (a window of microseconds the random kills rarely hit): gN is complete on disk
    but was never current. Readers must not list or open it, and the next load removes it."""
    store = tmp_path / "store"
    one = Quad(NamedNode(f"{BASE}/datasets/a"), NamedNode(f"{BASE}/p"), Literal("1"),
               NamedNode(f"{BASE}/datasets/a"))
    two = Quad(NamedNode(f"{BASE}/datasets/b"), NamedNode(f"{BASE}/p"), Literal("2"),
               NamedNode(f"{BASE}/datasets/b"))
    publish_quads(store, [one])
    publish_quads(store, [one, two])
    layout = StoreLayout(store)
    link = store / ".current.tmp-1"
    link.symlink_to(Path("generations") / "g000001")
    os.replace(link, store / "current")  # the switch to g000002 never happened
    (store / ".current.tmp-99").symlink_to(Path("generations") / "g000002")
    assert [g.id for g in layout.generations()] == ["g000001"]
    assert layout.generation("g000002") is None
    repo = EmbeddedRepo(store)
    assert repo.open_generation("g000002") is None
    assert bool(repo.query(f"ASK {{ <{BASE}/datasets/b> ?p ?o }}")) is False
    with layout.lock():
        layout.clean_staging()
    assert sorted(p.name for p in layout.generations_dir.iterdir()) == [
        "g000001", "g000001.graphs.tsv.gz", "g000001.json", "g000001.report.json"]
    assert not (store / ".current.tmp-99").is_symlink()
    assert layout.next_id() == "g000002"
