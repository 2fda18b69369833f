"""Loads killed with SIGKILL: run ``ldcat load`` as a process, kill it, inspect the store.

Used by ``tests/test_crash_safety.py`` (3 kills by default, 20 behind ``-m slow``).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from loader.generations import StoreLayout
from tests.conftest import PROJECT


@dataclass(frozen=True)
class StoreState:
    """What a reader sees through ``current``: generation id, graph count, content digest."""

    generation: str
    graphs: int
    quads: int
    digest: str


def store_state(store_dir: Path) -> StoreState:
    """Open ``current`` read-only (as a server would) and digest every quad in it."""
    layout = StoreLayout(store_dir)
    generation = layout.current()
    assert generation is not None, "no current generation"
    store = Store.read_only(str(generation.path))
    lines = sorted(str(quad) for quad in store)
    graphs = len(list(store.named_graphs()))
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return StoreState(generation.id, graphs, len(lines), digest)


MINIMAL_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://example.org/shapes/Nothing> a sh:NodeShape ;
    sh:targetClass <https://example.org/shapes/NoSuchClass> .
"""
"""A shape set that holds nothing back: the SHACL gate runs, in a second instead of ldcat's
shapes' several (the default-run version uses it to stay short)."""


def load_command(store_dir: Path, sources: list[Path], shapes: Path | None = None) -> list[str]:
    """``ldcat load`` of ``sources`` into ``store_dir``, as a fresh interpreter runs it."""
    extra = ["--shapes", str(shapes)] if shapes is not None else []
    return [sys.executable, "-m", "ldcat", "load", *map(str, sources), "--store",
            str(store_dir), "--quiet", "--workers", "2", *extra]


def run_load(store_dir: Path, sources: list[Path],
             shapes: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A load run to its end."""
    return subprocess.run(load_command(store_dir, sources, shapes), cwd=PROJECT,
                          capture_output=True, text=True, timeout=300, check=False)


def phase(store_dir: Path) -> str:
    """Where a load is, judged from what it has written so far."""
    layout = StoreLayout(store_dir)
    entries = [entry.name for entry in layout.generations_dir.iterdir()] \
        if layout.generations_dir.is_dir() else []
    staging = [name for name in entries if name.startswith(".staging-")]
    if any(".tmp-" in name for name in entries) or \
            any(name.endswith((".graphs.tsv.gz", ".report.json")) and
                not (layout.generations_dir / name.split(".")[0]).is_dir()
                for name in entries):
        return "publishing"
    if not staging:
        return "starting"
    folder = layout.generations_dir / staging[0]
    inside = [entry.name for entry in folder.iterdir()] if folder.is_dir() else []
    if any(name.startswith("part-") for name in inside):
        return "mapping"
    if "store" in inside:
        return "loading or gate"
    return "staging"


def kill_load_at(store_dir: Path, sources: list[Path], delay: float,
                 at_publication: bool = False, shapes: Path | None = None) -> tuple[str, bool]:
    """Start a load and SIGKILL it after ``delay`` seconds (or ``delay`` seconds after it
    starts publishing). Returns the phase it was killed in and whether it had finished."""
    process = subprocess.Popen(load_command(store_dir, sources, shapes), cwd=PROJECT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        if at_publication:
            deadline = time.monotonic() + 300
            while process.poll() is None and time.monotonic() < deadline:
                if phase(store_dir) == "publishing":
                    break
                time.sleep(0.0005)
            time.sleep(delay)
        else:
            end = time.monotonic() + delay
            while process.poll() is None and time.monotonic() < end:
                time.sleep(0.002)
        where = phase(store_dir)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        _reap_group(process.pid)
    return where, finished


def _reap_group(group: int) -> None:
    """Wait for the killed load's mapping workers to die with it (PR_SET_PDEATHSIG)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("mapping workers outlived the killed load by 10 s")


def kill_schedule(kills: int, duration: float, seed: int) -> list[tuple[float, bool]]:
    """Seeded kill moments: stratified over a full load's ``duration`` (every phase gets
    some), and every fifth one a few milliseconds into publication."""
    rng = random.Random(seed)
    schedule = []
    for number in range(kills):
        if number % 5 == 4:
            schedule.append((rng.uniform(0.0, 0.02), True))
        else:
            schedule.append(((number + rng.random()) / kills * duration, False))
    return schedule
