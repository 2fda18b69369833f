"""Opening a udata CSV export: gzip or plain, UTF-8 (BOM tolerated), ``;``-separated.

The real dialect: every string quoted, ``True``/``False`` and numbers bare, CRLF rows,
multi-line Markdown inside quotes and fields of several megabytes. Rows come out with the
line they start on; a row with broken quoting or the wrong number of fields becomes a
``rejected`` issue, not an exception. A source that cannot be read at all (not gzip, truncated,
not CSV, wrong delimiter) raises :class:`~loader.report.SourceError` with a one-line message.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from loader.report import Issue, Severity, SourceError

DELIMITER = ";"
GZIP_MAGIC = b"\x1f\x8b"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]+")

csv.field_size_limit(sys.maxsize)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (detected by content, not by name)."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise SourceError(f"{path}: cannot open: {error.strerror or error}") from error
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if path.suffix == ".gz":
        raw.close()
        raise SourceError(f"{path}: named .gz but is not a gzip file")
    return raw


def open_text(path: Path) -> IO[str]:
    """The file as text: UTF-8, BOM dropped, undecodable bytes kept as escapes to repair later."""
    return io.TextIOWrapper(
        open_bytes(path), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )


def repair_undecodable(value: str) -> str:
    """Text whose invalid UTF-8 bytes are re-read as Windows-1252 (what Latin-1 exports are)."""

    def decode(match: re.Match[str]) -> str:
        raw = match.group(0).encode("utf-8", "surrogateescape")
        return raw.decode("cp1252", errors="replace")

    return _ESCAPED_BYTE.sub(decode, value)


@dataclass(slots=True)
class CsvRow:
    """One data row: the line it starts on and its fields (same length as the header)."""

    line: int
    fields: list[str]


class CsvSource:
    """A udata CSV export opened for reading, with its header parsed.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_bytes(b'"id";"title"\\r\\n"a";"T\\r\\nwo lines"\\r\\n')
    >>> source = CsvSource(path)
    >>> source.header
    ['id', 'title']
    >>> [(row.line, row.fields) for row in source.rows([])]
    [(2, ['a', 'T\\r\\nwo lines'])]
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self._text = open_text(path)
        self._previous_line = 0
        self.header = self._read_header()
        self._reader = csv.reader(self._text, delimiter=DELIMITER, strict=True)
        self.index = {name: position for position, name in enumerate(self.header)}

    def _read_header(self) -> list[str]:
        try:
            first_line = self._text.readline()
        except (UnicodeError, OSError, EOFError, zlib.error) as error:
            raise SourceError(f"{self.name}: unreadable: {error}") from error
        if not first_line.strip():
            raise SourceError(f"{self.name}: empty file, no CSV header")
        if DELIMITER not in first_line:
            for other, said in ((",", "','"), ("\t", "tabs")):
                if other in first_line:
                    raise SourceError(f"{self.name}: the header is separated by {said}, "
                                      "but data.gouv.fr exports use ';'")
        try:
            header = next(csv.reader([first_line], delimiter=DELIMITER, strict=True))
        except csv.Error as error:
            raise SourceError(f"{self.name}: unreadable header: {error}") from error
        self._previous_line = 1
        return [repair_undecodable(name.strip()) for name in header]

    def close(self) -> None:
        """Release the file."""
        self._text.close()

    def rows(self, issues: list[Issue]) -> Iterator[CsvRow]:
        """Data rows; broken rows go to ``issues`` as rejected and are skipped.

        Raises :class:`SourceError` when the file ends mid-stream (truncated gzip, I/O error):
        a partial export must not be published as if it were whole.
        """
        width = len(self.header)
        while True:
            start = self._previous_line + 1
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                self._previous_line = self._reader.line_num + 1
                issues.append(Issue(self.name, start, "", f"broken CSV quoting: {error}",
                                    Severity.REJECTED))
                continue
            except (EOFError, OSError, zlib.error) as error:
                raise SourceError(
                    f"{self.name}: unreadable after line {self._previous_line}: {error}"
                ) from error
            self._previous_line = self._reader.line_num + 1
            if not fields or fields == [""]:
                continue
            if len(fields) != width:
                issues.append(Issue(
                    self.name, start, "",
                    f"{len(fields)} fields where the header has {width}", Severity.REJECTED,
                    fields[0][:40] if fields else "",
                ))
                continue
            if _ESCAPED_BYTE.search("".join(fields)) is None:
                yield CsvRow(start, fields)
                continue
            for position, value in enumerate(fields):
                if not value.isascii() and _ESCAPED_BYTE.search(value):
                    fields[position] = repair_undecodable(value)
                    issues.append(Issue(
                        self.name, start, self.header[position],
                        "invalid UTF-8 bytes, read as Windows-1252", Severity.WARNING,
                        fields[0][:40],
                    ))
            yield CsvRow(start, fields)
