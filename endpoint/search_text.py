"""What people type in the search box, as an FTS5 query that cannot be a syntax error.

Words are looked up in titles, keywords and descriptions (accents folded, case ignored);
every word must match. ``"a phrase"`` matches words in that order, ``-word`` excludes.
Words of four letters or more also match longer words they begin (``donnée`` finds
``données``: French plurals without a stemmer). Every term is quoted, so no user text is
ever read as FTS5 syntax.

>>> fts_query('vélo -location "pistes cyclables"')
'"vélo"* AND "pistes cyclables" NOT "location"'
>>> fts_query("données OR budget")
'"données"* AND "or" AND "budget"*'
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
PREFIX_FROM = 4
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"\w+")


class QueryTextError(ValueError):
    """The text cannot be searched (too long, or nothing to look for); the message says why."""


def _quoted(words: list[str]) -> str:
    return '"' + " ".join(words) + '"'


def fts_query(text: str) -> str | None:
    """The FTS5 query for ``text``; ``None`` when it holds no word at all (list everything)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTextError(f"q is longer than {MAX_QUERY_CHARS} characters")
    positive: list[str] = []
    negative: list[str] = []
    for match in _TOKEN.finditer(text):
        phrase, bare = match.group(2), match.group(4)
        excluded = bool(match.group(1) or match.group(3))
        if phrase is not None:
            words = _WORD.findall(phrase.lower())
            terms = [_quoted(words)] if words else []
        else:
            terms = [_quoted([word]) + ("*" if len(word) >= PREFIX_FROM and not excluded
                                         else "")
                     for word in _WORD.findall(bare.lower())]
        (negative if excluded else positive).extend(terms)
    if len(positive) + len(negative) > MAX_TERMS:
        raise QueryTextError(f"q has more than {MAX_TERMS} words")
    if not positive:
        if negative:
            raise QueryTextError("q only excludes words: give at least one word to look for")
        return None
    query = " AND ".join(positive)
    for term in negative:
        query = f"{query} NOT {term}"
    return query
