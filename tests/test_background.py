"""Work beside the load's own stages: results and failures come back to the loader."""

from __future__ import annotations

import os
import threading

import pytest

from loader.background import BackgroundFailed, BackgroundTask


def test_a_forked_task_returns_its_value() -> None:
    parent = os.getpid()
    assert BackgroundTask.start(os.getpid).result() != parent


def test_a_forked_task_that_raises_or_dies_fails_the_load() -> None:
    def broken() -> int:
        raise ValueError("bad record")

    with pytest.raises(BackgroundFailed, match="ValueError: bad record"):
        BackgroundTask.start(broken).result()
    with pytest.raises(BackgroundFailed, match="died"):
        BackgroundTask.start(lambda: os._exit(5)).result()


def test_a_cancelled_task_is_stopped() -> None:
    task = BackgroundTask.start(lambda: threading.Event().wait(60))
    task.cancel()
    assert not task.process.is_alive()

