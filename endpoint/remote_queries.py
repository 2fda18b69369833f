"""Answer the endpoint's query jobs on a remote store instead of local query workers.

Same contract as :class:`~endpoint.query_workers.QueryWorkerPool` (``run(job, timeout=,
wait=)``, the same exceptions), so ``/sparql`` and ``ldcat query`` keep every rule they apply
before the query leaves: the lexer's checks, ``SERVICE`` refusal, admission, the row cap
(the job's ``LIMIT cap + 1``, then ``LIMIT cap`` when it overflows), and the deadline: past it
the HTTP request to the store is abandoned and the client gets a 503. Stopping the query inside
the store is the store's own time limit (``oxigraph serve --timeout-s``, Virtuoso's
``MaxQueryExecutionTime``): set it to the endpoint's, as the README's deployment notes say.

A store's own cut is never passed on as a whole answer: Virtuoso's ``X-SPARQL-MaxRows``
(its ``ResultSetMaxRows``) marks the answer truncated, and a store's time limit (Oxigraph's
``--timeout-s`` ends a 200 with a cancellation message; Virtuoso answers ``SR171``, or with
``X-SQL-State: S1TAT`` partial "anytime" results) becomes the 503 of a timeout.

Answers are re-serialized here with pyoxigraph from SPARQL XML (SELECT, ASK) and N-Triples
(CONSTRUCT, DESCRIBE), so every store gives the same bytes the embedded store would, and a
store's quirks in other formats (Virtuoso's JSON ``typed-literal``) never reach clients.
"""

from __future__ import annotations

import re
import threading

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)

from endpoint.query_execution import Answer, QueryJob, graph_answer
from endpoint.query_workers import PoolBusy, QueryTimeout, StreamedAnswer, WorkerLost
from loader.remote.client import (
    N_TRIPLES,
    RESULTS_XML,
    RemoteError,
    RemoteStore,
    RemoteTimeout,
    Reply,
    triples_in,
)

TIMED_OUT = re.compile(r"SR171|timed out|timeout", re.IGNORECASE)
"""How a store's error message says its own time limit stopped the query (Virtuoso:
``SR171: Transaction timed out``)."""
CANCELLED = b"The SPARQL operation has been cancelled"


class StoreTimedOut(RemoteError):
    """The store stopped the query at its own time limit but still answered 200."""


class RemoteQueryRunner:
    """Forwards jobs to ``store``, at most ``size`` at once."""

    def __init__(self, store: RemoteStore, size: int) -> None:
        self.store = store
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self.timeouts = 0
        """Queries abandoned at their deadline."""

    def run(self, job: QueryJob, *, timeout: float, wait: float) -> Answer | StreamedAnswer:
        """Answer ``job`` within ``timeout`` seconds, after waiting up to ``wait`` for a slot.

        Raises :class:`PoolBusy`, :class:`QueryTimeout`, or :class:`WorkerLost` when the
        store cannot be reached or fails.
        """
        if not self._slots.acquire(timeout=wait):
            raise PoolBusy(f"no connection to the store free within {wait:g} s")
        try:
            return self._answer(job, timeout)
        except (RemoteTimeout, StoreTimedOut):
            self.timeouts += 1
            raise QueryTimeout(f"the query ran past its {timeout:g} s limit and was "
                               "abandoned") from None
        except RemoteError as error:
            if error.status is not None and 400 <= error.status < 500:
                return Answer(error="evaluation", message=error.detail)
            if TIMED_OUT.search(error.detail):
                self.timeouts += 1
                raise QueryTimeout("the query ran past the store's time limit") from None
            raise WorkerLost(f"the store behind this endpoint failed: {error}") from None
        except (SyntaxError, ValueError) as error:  # an answer the store cut or garbled
            raise WorkerLost(f"the store sent an answer that does not parse: {error}") from None
        finally:
            self._slots.release()

    def _answer(self, job: QueryJob, timeout: float) -> Answer:
        if job.form in ("CONSTRUCT", "DESCRIBE"):
            reply, _ = self._send(job, job.query, N_TRIPLES, timeout)
            return graph_answer(job, triples_in(reply))
        results_format: QueryResultsFormat = getattr(QueryResultsFormat, job.format)
        reply, cut = self._send(job, job.query, RESULTS_XML, timeout)
        body = reply.content
        result = _results(body)
        if isinstance(result, QuerySolutions) and job.cap is not None and (
                cut or (job.exact_query is not None and sum(1 for _ in result) > job.cap)):
            if job.exact_query is not None:
                body = self._send(job, job.exact_query, RESULTS_XML, timeout)[0].content
            return Answer(_results(body).serialize(format=results_format) or b"",
                          truncated=True)
        return Answer(_results(body).serialize(format=results_format) or b"")

    def _send(self, job: QueryJob, text: str, accept: str,
              timeout: float) -> tuple[Reply, bool]:
        """The store's answer, and whether the store itself cut it at its row limit."""
        response = self.store.query(text, accept=accept, union=job.union_default_graph,
                                    default_graphs=job.default_graphs or (),
                                    named_graphs=job.named_graphs or (), timeout=timeout)
        if response.headers.get("x-sql-state") == "S1TAT":  # Virtuoso's partial "anytime" answer
            raise StoreTimedOut(response.headers.get("x-sql-message", ""))
        if response.content.rstrip().endswith(CANCELLED):  # Oxigraph's --timeout-s: a 200 cut short
            raise StoreTimedOut("the store cancelled the query")
        return response, "x-sparql-maxrows" in response.headers

    def pids(self) -> list[int]:
        """No local processes answer queries."""
        return []

    def close(self) -> None:
        """Nothing to stop: the store's connections belong to the repo."""


def _results(body: bytes) -> QuerySolutions | QueryBoolean:
    """A SELECT or ASK answer in SPARQL XML, parsed."""
    result = parse_query_results(body, format=QueryResultsFormat.XML)
    if not isinstance(result, (QuerySolutions, QueryBoolean)):
        raise RemoteError("the store answered a query with something else than results")
    return result
