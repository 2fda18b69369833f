"""Ordered, bounded parallel map over batches: workers run ahead only so far.

``multiprocessing.Pool.imap`` drains its input as fast as it can, which would hold a whole
export in memory; :func:`bounded_ordered_map` keeps at most ``window`` batches in flight.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def batched_list(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bounded_ordered_map(pool: Pool | None, function: Callable[..., R],
                        argument_lists: Iterable[tuple[object, ...]],
                        window: int) -> Iterator[R]:
    """``function(*args)`` for each args tuple, results in input order.

    With ``pool`` None the work runs in this process.
    """
    if pool is None:
        for arguments in argument_lists:
            yield function(*arguments)
        return
    pending: deque[AsyncResult[R]] = deque()
    for arguments in argument_lists:
        pending.append(pool.apply_async(function, arguments))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()
