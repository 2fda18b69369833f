"""What the endpoint must know about a SPARQL request before running it, read from its tokens.

The endpoint never runs a query it has not lexed: the query form (SELECT, ASK, CONSTRUCT,
DESCRIBE, or an update), the ``SERVICE`` targets, the dataset clauses, the top-level ``LIMIT``
and the non-deterministic functions all come from a SPARQL 1.1 lexer, so a word inside a
string, an IRI, a prefixed name or a comment is never mistaken for a keyword (a query over
``dcat:DataService`` is not a ``SERVICE`` call). Oxigraph parses the query again to run it.

>>> info = analyze('PREFIX dcat: <http://www.w3.org/ns/dcat#> '
...                'SELECT ?s WHERE { ?s a dcat:DataService } # SERVICE in a comment')
>>> (info.form, info.services, info.limit)
('SELECT', (), None)
>>> analyze('ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }').services
('http://example.org/sparql',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_FORMS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY",
                          "MOVE", "ADD", "WITH"})
NON_DETERMINISTIC = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
"""Functions whose answer changes between two runs on the same data: never cached."""

_PN_CHARS_BASE = r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF" \
                 r"\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF" \
                 r"\uFDF0-\uFFFD\U00010000-\U000EFFFF"
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PERCENT = r"%[0-9A-Fa-f]{2}"
_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_LOCAL_FIRST = rf"(?:[{_PN_CHARS_U}:0-9]|{_PERCENT}|{_ESCAPE})"
_LOCAL_MIDDLE = rf"(?:[{_PN_CHARS}.:]|{_PERCENT}|{_ESCAPE})"
_LOCAL_LAST = rf"(?:[{_PN_CHARS}:]|{_PERCENT}|{_ESCAPE})"
_LOCAL = rf"{_LOCAL_FIRST}(?:{_LOCAL_MIDDLE}*{_LOCAL_LAST})?"
_STRING_ESCAPE = r"""\\[tbnrf"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"""

_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<long1>'''(?:(?:'|'')?(?:[^'\\]|{_STRING_ESCAPE}))*''')
  | (?P<long2>\"\"\"(?:(?:"|"")?(?:[^"\\]|{_STRING_ESCAPE}))*\"\"\")
  | (?P<string1>'(?:[^'\\\n\r]|{_STRING_ESCAPE})*')
  | (?P<string2>"(?:[^"\\\n\r]|{_STRING_ESCAPE})*")
  | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
  | (?P<blank>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.*/+\-=<>!|^])
    """,
    re.VERBOSE,
)


MAX_NESTING = 128
"""Brackets (``{``, ``(``, ``[``) open at once in one query."""
MAX_STRUCTURE = 4_000
"""Operators, separators, brackets and group keywords in one query, outside ``VALUES`` data.
Oxigraph's parser and optimiser work recursively and super-linearly in chains of these: at
3,000 chained ``UNION`` a query takes 4 s before it starts, at 10,000 it runs out the
deadline (and on an 8 MiB stack it crashed the worker). Hand-written and generated catalogue
queries stay far below; a large ``VALUES`` block is data and does not count."""
_STRUCTURE_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH",
                              "SERVICE", "EXISTS"})


class SparqlSyntaxError(ValueError):
    """The request is not one SPARQL query the lexer can read (message names the place)."""


class QueryTooComplex(SparqlSyntaxError):
    """The query nests or chains more than the endpoint parses (:data:`MAX_NESTING`,
    :data:`MAX_STRUCTURE`)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int
    """Braces open before this token (0 for the query's top level)."""


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """What the lexer found in a request."""

    form: str
    """``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or the update keyword (``INSERT``...)."""
    services: tuple[str | None, ...]
    """Each ``SERVICE`` target IRI (``None`` when it is a variable)."""
    has_dataset_clause: bool
    """``FROM`` or ``FROM NAMED`` at the top level."""
    limit: int | None
    """The top-level ``LIMIT``, if any."""
    deterministic: bool
    suspicious_iri: bool
    """An IRI token holds a quote: another reader could see a string start there."""
    tokens: tuple[Token, ...]
    text: str

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_FORMS


def tokenize(text: str, complexity: Complexity | None = None) -> list[Token]:
    """Every significant token, with brace depth; ``SparqlSyntaxError`` where none matches
    (and :class:`QueryTooComplex` from ``complexity`` as soon as it is passed)."""
    tokens: list[Token] = []
    position, depth = 0, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            raise SparqlSyntaxError(f"unexpected {text[position:position + 20]!r} at line "
                                    f"{line}, column {column}")
        kind = match.lastgroup or "punct"
        value = match.group()
        if kind == "punct" and value == "}":
            depth -= 1
        if kind not in ("space", "comment"):
            token = Token(kind, value, position, depth)
            tokens.append(token)
            if complexity is not None:
                complexity.see(token)
        if kind == "punct" and value == "{":
            depth += 1
        position = match.end()
    return tokens


class Complexity:
    """Counts nesting and structure token by token; raises :class:`QueryTooComplex` as soon
    as a limit is passed, so a hostile query is refused before it is read to the end.

    >>> Complexity().check(tokenize("ASK { " + "{ " * 200 + "}" * 200 + " }"))
    Traceback (most recent call last):
    ...
    endpoint.sparql_syntax.QueryTooComplex: the query nests brackets more than 128 deep
    """

    def __init__(self) -> None:
        self.nesting = 0
        self.structure = 0
        self.values_depth: int | None = None
        """Bracket depth of the VALUES data block being read (its tokens are data)."""
        self.waiting_for_values = False

    def check(self, tokens: list[Token]) -> None:
        for token in tokens:
            self.see(token)

    def see(self, token: Token) -> None:
        word = token.text.upper() if token.kind == "word" else ""
        if token.kind == "punct" and token.text in "{([":
            self.nesting += 1
            if self.nesting > MAX_NESTING:
                raise QueryTooComplex(f"the query nests brackets more than {MAX_NESTING} deep")
            if self.waiting_for_values and token.text == "{":
                self.values_depth, self.waiting_for_values = self.nesting, False
        elif token.kind == "punct" and token.text in "})]":
            if token.text == "}" and self.nesting == self.values_depth:
                self.values_depth = None
            self.nesting -= 1
        if word == "VALUES":
            self.waiting_for_values = True
        if self.values_depth is None and (token.kind == "punct" or word in _STRUCTURE_WORDS):
            self.structure += 1
            if self.structure > MAX_STRUCTURE:
                raise QueryTooComplex(f"the query has more than {MAX_STRUCTURE} operators, "
                                      "separators and groups: split it, or pass long lists "
                                      "as VALUES")


def analyze(text: str) -> QueryInfo:
    """Lex one SPARQL request and report what the endpoint needs to know about it."""
    tokens = tokenize(text, Complexity())
    prefixes: dict[str, str] = {}
    index = 0
    while index < len(tokens) and _keyword(tokens[index]) in ("BASE", "PREFIX"):
        if _keyword(tokens[index]) == "PREFIX" and index + 2 < len(tokens):
            prefixes[tokens[index + 1].text] = tokens[index + 2].text[1:-1]
            index += 3
        else:
            index += 2
    if index >= len(tokens):
        raise SparqlSyntaxError("the request holds no query (only prologue or comments)")
    form = _keyword(tokens[index])
    if form not in QUERY_FORMS | UPDATE_FORMS:
        raise SparqlSyntaxError(f"a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE, not "
                                f"{tokens[index].text!r}")
    words = [_keyword(token) for token in tokens]
    services: list[str | None] = []
    for position, word in enumerate(words):
        if word == "SERVICE":
            target = position + 1
            if target < len(tokens) and words[target] == "SILENT":
                target += 1
            services.append(_service_target(tokens[target] if target < len(tokens) else None,
                                            prefixes))
    return QueryInfo(
        form=form,
        services=tuple(services),
        has_dataset_clause=any(word == "FROM" and token.depth == 0
                               for word, token in zip(words, tokens, strict=True)),
        limit=_top_level_limit(tokens),
        deterministic=not NON_DETERMINISTIC.intersection(words),
        suspicious_iri=any(token.kind == "iri" and "'" in token.text for token in tokens),
        tokens=tuple(tokens),
        text=text,
    )


def _keyword(token: Token) -> str:
    return token.text.upper() if token.kind == "word" else ""


def _service_target(token: Token | None, prefixes: dict[str, str]) -> str | None:
    if token is None or token.kind == "var":
        return None
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix + ":")
        return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
    return None


def _top_level_limit(tokens: list[Token]) -> int | None:
    for position, token in enumerate(tokens[:-1]):
        if token.depth == 0 and _keyword(token) == "LIMIT" \
                and tokens[position + 1].kind == "number":
            return int(tokens[position + 1].text)
    return None


def with_limit(info: QueryInfo, limit: int) -> str:
    """The SELECT query with its top-level ``LIMIT`` set to ``limit`` (added when absent).

    The clause goes before a trailing top-level ``VALUES`` block, on a line of its own so
    that a final comment cannot swallow it.
    """
    tokens = info.tokens
    for position, token in enumerate(tokens[:-1]):
        if token.depth == 0 and _keyword(token) == "LIMIT":
            value = tokens[position + 1]
            return f"{info.text[:value.start]}{limit}{info.text[value.start + len(value.text):]}"
    trailing_values = _trailing_values(tokens)
    if trailing_values is None:
        return f"{info.text}\nLIMIT {limit}\n"
    start = trailing_values.start
    return f"{info.text[:start]}\nLIMIT {limit}\n{info.text[start:]}"


def _trailing_values(tokens: tuple[Token, ...]) -> Token | None:
    """The ``VALUES`` keyword of the query's final values clause, if it has one."""
    seen_where = False
    for token in tokens:
        if token.depth == 0 and token.text == "{":
            seen_where = True
        if seen_where and token.depth == 0 and _keyword(token) == "VALUES":
            return token
    return None
