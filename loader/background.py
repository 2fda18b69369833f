"""One function run in a forked process while the loader goes on with its own stages.

The load's last stages are single-threaded (statistics, the search index); work that only
reads finished files (the records' text) runs beside them on the other core. The function is
not pickled (the process is forked), its result or its error comes back through a pipe, and
the kernel kills the process if the load dies.

>>> task = BackgroundTask.start(lambda: 6 * 7)
>>> task.result()
42
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from loader.workerpool import _die_with_parent

Result = TypeVar("Result")


class BackgroundFailed(RuntimeError):
    """The background function raised, or its process died; the load must not publish."""


def _run(function: Callable[[], Any], sender: Connection, parent: int) -> None:
    _die_with_parent(parent)
    try:
        outcome: tuple[str, Any] = ("value", function())
    except BaseException:  # every failure goes back to the parent
        outcome = ("error", traceback.format_exc())
    sender.send(outcome)
    sender.close()


class BackgroundTask(Generic[Result]):
    """A running background function: :meth:`result` waits for it."""

    def __init__(self, process: multiprocessing.process.BaseProcess,
                 receiver: Connection) -> None:
        self.process = process
        self.receiver = receiver

    @classmethod
    def start(cls, function: Callable[[], Result]) -> BackgroundTask[Result]:
        """Fork a process running ``function``."""
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_run, args=(function, sender, os.getpid()),
                                  daemon=True, name="ldcat-background")
        process.start()
        sender.close()
        return cls(process, receiver)

    def result(self) -> Result:
        """The function's return value; :class:`BackgroundFailed` if it raised or died."""
        try:
            kind, value = self.receiver.recv()
        except EOFError:
            self.process.join()
            raise BackgroundFailed(f"the background process died (exit code "
                                   f"{self.process.exitcode})") from None
        finally:
            self.receiver.close()
        self.process.join()
        if kind == "error":
            raise BackgroundFailed(f"the background process failed:\n{value}")
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the process (the load failed: its result will not be used)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.receiver.close()

