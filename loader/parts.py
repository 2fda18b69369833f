"""Loading the part files that mapping workers write, one bulk load at a time.

Workers write N-Quads into part files of bounded size and hand each finished part over;
a single loader thread bulk-loads the parts in turn while the workers go on mapping. One bulk
load at a time keeps the loader's memory to what Oxigraph needs for one load (two concurrent
loads doubled it), and a part is only ever loaded whole, so a worker that dies mid-part can
never feed the store a truncated line.

The loads are ``lenient`` (Oxigraph skips re-validating IRIs, ~15% faster): every IRI in
ldcat's output is either minted by ldcat or checked by the readers (``parse_url`` accepts only
what ``pyoxigraph.NamedNode`` accepts), and the in-process path keeps the strict parser, so
the test suite exercises that check on every load.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import RdfFormat, Store

PART_BYTES = 256 << 20
"""A worker starts a new part file once its current one has grown past this size."""


class LoaderFailed(RuntimeError):
    """Bulk-loading a part failed (its error is the cause)."""


class PartLoader:
    """Threads that bulk-load submitted part files into a store.

    One thread (the default) keeps one bulk load's memory; each more thread runs another
    bulk load at the same time (pyoxigraph releases the GIL), trading memory for time.
    """

    def __init__(self, store: Store, directory: Path, threads: int = 1,
                 keep: Callable[[Path], None] | None = None) -> None:
        self.store = store
        self.directory = directory
        self.keep = keep
        """Called with each part once loaded (it then owns the file); parts are deleted
        otherwise."""
        self._parts: queue.Queue[Path | None] = queue.Queue()
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._run, daemon=True)
                         for _ in range(max(1, threads))]
        for thread in self._threads:
            thread.start()

    def submit(self, part: Path) -> None:
        """Load ``part`` (a complete N-Quads file), then hand it to ``keep`` or delete it."""
        if self._errors:
            raise LoaderFailed(f"bulk load failed: {self._errors[0]}") from self._errors[0]
        self._parts.put(part)

    def _stop(self) -> None:
        for _ in self._threads:
            self._parts.put(None)
        for thread in self._threads:
            thread.join()

    def abort(self) -> None:
        """Load nothing more (parts still queued are deleted) and wait for the threads."""
        self._errors.append(RuntimeError("aborted"))
        self._stop()

    def _run(self) -> None:
        while (part := self._parts.get()) is not None:
            if self._errors:
                part.unlink(missing_ok=True)
                continue
            try:
                self.store.bulk_load(path=str(part), format=RdfFormat.N_QUADS, lenient=True)
                if self.keep is not None:
                    self.keep(part)
            except BaseException as error:  # handed to the caller by close()
                self._errors.append(error)
            part.unlink(missing_ok=True)

    def close(self) -> None:
        """Wait for every submitted part; :class:`LoaderFailed` if one failed."""
        self._stop()
        if self._errors:
            raise LoaderFailed(f"bulk load failed: {self._errors[0]}") from self._errors[0]


@contextmanager
def part_loader(store: Store, folder: Path, threads: int = 1,
                keep: Callable[[Path], None] | None = None) -> Iterator[PartLoader]:
    """A :class:`PartLoader` with a fresh part directory under ``folder``, closed on exit."""
    directory = Path(tempfile.mkdtemp(prefix=".parts-", dir=folder))
    loader = PartLoader(store, directory, threads, keep)
    try:
        yield loader
    except BaseException:
        loader.abort()
        raise
    else:
        loader.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
