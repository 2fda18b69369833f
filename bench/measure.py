"""Measuring helpers shared by the benchmarks: peak memory of a process tree, timed runs."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parent.parent


class PeakRss:
    """Samples the summed memory of a process and its descendants until stopped.

    PSS, not RSS: forked workers share their parent's pages, and summing RSS would count
    those once per process.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        """(seconds since the sampling started, PSS of the tree then)."""
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += process.memory_full_info().pss
            self.peak = max(self.peak, total)
            self.samples.append((time.monotonic() - self._started, total))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def peaks_by_stage(samples: list[tuple[float, int]],
                   stages: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """The peak of ``samples`` within each of ``stages`` (name, seconds; run one after the
    other from the start of sampling), for the stages that hold a sample."""
    peaks: list[tuple[str, int]] = []
    start = 0.0
    for name, seconds in stages:
        inside = [pss for at, pss in samples if start <= at < start + seconds]
        if inside:
            peaks.append((name, max(inside)))
        start += seconds
    return peaks


def timed_subprocess(command: list[str], ok_codes: tuple[int, ...] = (0,),
                     env: dict[str, str] | None = None,
                     stdout: Path | None = None,
                     samples: list[tuple[float, int]] | None = None) -> tuple[float, int, str]:
    """Run ``command``; wall seconds, peak PSS of its process tree, stdout (or write it to
    ``stdout``); the memory samples are added to ``samples`` when given."""
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        target = stack.enter_context(stdout.open("w")) if stdout else subprocess.PIPE
        process = subprocess.Popen(command, stdout=target, text=True, cwd=PROJECT,
                                   env={**os.environ, **(env or {})})
        with PeakRss(process.pid) as rss:
            output, _ = process.communicate()
        if samples is not None:
            samples.extend(rss.samples)
    if process.returncode not in ok_codes:
        raise SystemExit(f"{command[:3]} failed with {process.returncode}")
    return time.perf_counter() - started, rss.peak, output or ""


def append_to_benchmarks(text: str) -> None:
    """Print a result section and append it to BENCHMARKS.md."""
    print(text)
    benchmarks = PROJECT / "BENCHMARKS.md"
    existing = benchmarks.read_text() if benchmarks.exists() else "# Benchmarks\n\n"
    benchmarks.write_text(existing.rstrip() + "\n\n" + text)
