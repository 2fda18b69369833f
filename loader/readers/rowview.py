"""Access to a CSV row's fields by header name, whatever the column order or udata version."""

from __future__ import annotations


class RowView:
    """The fields of one row, looked up by column name; a column the file lacks reads as ``""``.

    >>> view = RowView({"id": 0, "title": 1}, ["a1", "Title"])
    >>> view("title"), view("badges")
    ('Title', '')
    """

    __slots__ = ("fields", "index")

    def __init__(self, index: dict[str, int], fields: list[str]) -> None:
        self.index = index
        self.fields = fields

    def __call__(self, column: str) -> str:
        position = self.index.get(column)
        return "" if position is None else self.fields[position]
