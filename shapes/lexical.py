"""SPARQL expressions deciding whether a literal's lexical form is valid for its datatype.

SHACL's ``sh:datatype`` fails ill-formed literals (``"abc"^^xsd:integer``). Oxigraph keeps such
literals as they are and canonicalises well-formed ones, so a cast back from the lexical form
succeeds exactly for the well-formed ones. Types without a SPARQL cast are checked with their
XML Schema lexical pattern. Unknown datatypes are taken as well-formed, like rdflib does.
"""

from __future__ import annotations

XSD = "http://www.w3.org/2001/XMLSchema#"

_CASTS = {"integer", "decimal", "float", "double", "boolean", "dateTime", "date", "time",
          "duration", "dayTimeDuration", "yearMonthDuration", "string"}
"""Datatypes with a SPARQL (Oxigraph) constructor function."""

_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1), "short": (-2**15, 2**15 - 1),
    "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}

_TIMEZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
_PATTERNS = {
    "gYear": f"^{_YEAR}{_TIMEZONE}$",
    "gYearMonth": f"^{_YEAR}-(0[1-9]|1[0-2]){_TIMEZONE}$",
    "gMonth": f"^--(0[1-9]|1[0-2]){_TIMEZONE}$",
    "gDay": f"^---(0[1-9]|[12][0-9]|3[01]){_TIMEZONE}$",
    "gMonthDay": f"^--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TIMEZONE}$",
    "hexBinary": "^([0-9a-fA-F]{2})*$",
    "base64Binary": r"^(([A-Za-z0-9+/] ?){4})*(([A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]|"
                    r"([A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|"
                    r"[A-Za-z0-9+/] ?[AQgw] ?= ?=)?$",
    "language": "^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$",
}


def well_formed(var: str, datatype: str) -> str:
    """A SPARQL boolean expression: the lexical form of ``var`` is valid for ``datatype``.

    May raise an expression error on some ill-formed values: callers wrap it in COALESCE.
    """
    if not datatype.startswith(XSD):
        return "true"
    local = datatype[len(XSD):]
    if local in _CASTS:
        return f"isLiteral(<{datatype}>(STR({var})))"
    if local in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[local]
        value = f"<{XSD}integer>(STR({var}))"
        tests = [f"isLiteral({value})"]
        if low is not None:
            tests.append(f"{value} >= {low}")
        if high is not None:
            tests.append(f"{value} <= {high}")
        return " && ".join(tests)
    if local == "dateTimeStamp":
        return f"isLiteral(<{XSD}dateTime>(STR({var}))) && TZ(<{XSD}dateTime>(STR({var}))) != \"\""
    pattern = _PATTERNS.get(local)
    if pattern is not None:
        return f"REGEX(STR({var}), {sparql_string(pattern)})"
    return "true"


def sparql_string(text: str) -> str:
    """``text`` as a double-quoted SPARQL string literal."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'
