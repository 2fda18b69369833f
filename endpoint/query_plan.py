"""From a lexed query to a :class:`QueryJob`: the safety checks and the row cap.

Shared by ``/sparql`` and ``ldcat query``, so both apply the same rules.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from endpoint.protocol import ProtocolError, QueryOperation, updates_refused
from endpoint.query_execution import Answer, QueryJob
from endpoint.query_formats import AnswerFormat
from endpoint.settings import EndpointSettings
from endpoint.sparql_syntax import (
    QueryInfo,
    QueryTooComplex,
    SparqlSyntaxError,
    analyze,
    with_limit,
)
from loader.generations import Generation


class Refusal(ProtocolError):
    """A refusal past the protocol stage, with extra response headers."""

    def __init__(self, status: int, code: str, message: str,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(status, code, message)
        self.headers = headers


def read_query(text: str) -> QueryInfo:
    """The lexed query, or a 400 :class:`Refusal` naming the syntax error."""
    try:
        return analyze(text)
    except QueryTooComplex as error:
        raise Refusal(400, "query_too_complex", str(error)) from None
    except SparqlSyntaxError as error:
        raise Refusal(400, "bad_query", f"SPARQL syntax error: {error}") from None


def check_safety(info: QueryInfo, settings: EndpointSettings) -> None:
    if info.is_update:
        raise updates_refused()
    for target in info.services:
        if target is None:
            raise Refusal(400, "service_forbidden",
                           "SERVICE with a variable endpoint is not allowed here")
        if target not in settings.allowed_services:
            raise Refusal(400, "service_forbidden",
                           f"SERVICE <{target}> is not allowed: this endpoint does not fetch "
                           "other endpoints unless its operator lists them")
    if info.suspicious_iri and "service" in info.text.lower():
        raise Refusal(400, "service_forbidden",
                       "this query has an IRI holding a quote and mentions SERVICE: it cannot "
                       "be checked safely (percent-encode the quote as %27)")


def _graph_names(values: tuple[str, ...] | None, parameter: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    for value in values:
        try:
            NamedNode(value)
        except ValueError:
            raise Refusal(400, "bad_parameter",
                           f"{parameter}={value!r} is not an absolute IRI") from None
    return values


def plan_job(info: QueryInfo, operation: QueryOperation, answer_format: AnswerFormat,
         generation: Generation, cap: int) -> QueryJob:
    default_graphs = _graph_names(operation.default_graphs, "default-graph-uri")
    named_graphs = _graph_names(operation.named_graphs, "named-graph-uri")
    query, exact = info.text, None
    if info.form == "SELECT" and (info.limit is None or info.limit > cap):
        query, exact = with_limit(info, cap + 1), with_limit(info, cap)
    return QueryJob(
        store_path=str(generation.path), query=query, form=info.form,
        format=answer_format.oxigraph, cap=cap if info.form != "ASK" else None,
        exact_query=exact, default_graphs=default_graphs, named_graphs=named_graphs,
        union_default_graph=not operation.dataset_given and not info.has_dataset_clause,
        base_iri=f"{generation.base_iri}/sparql",
        stream=info.form == "SELECT" and exact is None)


def refuse_failed(answer: Answer) -> None:
    """Raise the 400 for an answer that carries a syntax or evaluation error."""
    if answer.error == "syntax":
        raise Refusal(400, "bad_query", f"SPARQL syntax error: {answer.message}")
    if answer.error is not None:
        raise Refusal(400, "query_error", f"the query failed: {answer.message}")
