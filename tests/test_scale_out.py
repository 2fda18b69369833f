"""Scale-out (a): several ``ldcat serve`` processes over one store directory serve the same
generation read-only and pick up a newly published one without downtime.

Two real servers on 127.0.0.1: one ``ldcat serve --workers 2`` and one separate
``ldcat serve``, both over the same store. Clients keep asking both (a new connection per
request, so both web processes of the first get requests) for /-/ready, a record and a SPARQL
answer while a new generation is published: no request fails, every answer names its
generation, and both servers answer only the new one within a bound.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx2
import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from loader.generations import StoreLayout
from loader.report import LoadReport
from tests.conftest import BASE, PROJECT, load_bench_module
from tests.sparql_support import publish_quads

SWITCH_BOUND = 2.0
"""Seconds after publication by which every answer of every server is the new generation."""
TITLE = "http://purl.org/dc/terms/title"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def serve_load(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """bench/serve_load.py (it starts ``ldcat serve`` processes), with bench/ importable."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PROJECT / "bench"))
        yield load_bench_module("serve_load")


@dataclass
class Observed:
    """Every answer: (time, server, route, status or error, generation)."""

    answers: list[tuple[float, str, str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *answer: str | float) -> None:
        with self.lock:
            self.answers.append(answer)  # type: ignore[arg-type]


def _ask(server: str, url: str, dataset: str, observed: Observed,
         stop: threading.Event) -> None:
    routes = {"ready": "/-/ready",
              "record": dataset.removeprefix(BASE) + ".nt",
              "sparql": "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"}
    while not stop.is_set():
        for route, path in routes.items():
            try:
                response = httpx2.get(url + path, timeout=10,
                                      headers={"connection": "close"})
            except httpx2.HTTPError as error:
                observed.add(time.monotonic(), server, route, type(error).__name__, "")
                continue
            generation = (response.json().get("generation", "") if route == "ready"
                          else response.headers.get("ldcat-generation", ""))
            if route == "record" and generation and \
                    ("révisé" in response.text) != (generation == "g000002"):
                generation = "mixed"
            observed.add(time.monotonic(), server, route, str(response.status_code),
                         generation)


def test_servers_switch_to_a_new_generation_without_downtime(
        serve_load: ModuleType, demo_store: tuple[Path, LoadReport], tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store[0], store, symlinks=True, ignore=shutil.ignore_patterns(
        "exports", ".lock"))
    layout = StoreLayout(store)
    first = layout.current()
    assert first is not None
    assert first.id == "g000001"
    quads = list(Store.read_only(str(first.path)))
    dataset = next(quad.subject for quad in quads if quad.predicate == NamedNode(RDF_TYPE)
                   and quad.object == NamedNode(DCAT_DATASET))
    assert isinstance(dataset, NamedNode)
    revised = [quad for quad in quads
               if not (quad.subject == dataset and quad.predicate == NamedNode(TITLE))]
    assert len(revised) < len(quads)
    revised.append(Quad(dataset, NamedNode(TITLE), Literal("Jeu révisé", language="fr"), dataset))
    theme = next(iri for iri, entry in layout.graphs(first).items() if entry.kind == "themes")
    for number in range(20):  # equal titles: the theme page must order them the same anywhere
        twin = NamedNode(f"{BASE}/datasets/twin-{number}")
        revised += [Quad(NamedNode(theme), NamedNode(DCAT_DATASET.replace("#Dataset", "#dataset")),
                         twin, NamedNode(theme)),
                    Quad(twin, NamedNode(TITLE), Literal("Même titre", language="fr"), twin)]
    observed = Observed()
    stop = threading.Event()
    ports = [serve_load.free_port(), serve_load.free_port()]
    with serve_load.ldcat_server(store, ports[0], workers=2), \
            serve_load.ldcat_server(store, ports[1], workers=1):
        threads = [threading.Thread(target=_ask, args=(name, f"http://127.0.0.1:{port}",
                                                       dataset.value, observed, stop))
                   for name, port in (("workers-2", ports[0]), ("single", ports[1]))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        publish_quads(store, revised, base_iri=first.base_iri)
        published = time.monotonic()
        time.sleep(SWITCH_BOUND + 1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        etags = {httpx2.get(f"http://127.0.0.1:{port}{theme.removeprefix(BASE)}",
                            headers={"connection": "close", "accept": "text/html"}).headers["etag"]
                 for port in ports for _ in range(3)}
        assert len(etags) == 1, etags  # one page, one ETag, whichever process renders it
    answers = observed.answers
    failed = [answer for answer in answers if answer[3] != "200" or not answer[4]]
    assert failed == [], failed[:5]
    assert not [answer for answer in answers if answer[4] == "mixed"]
    for server in ("workers-2", "single"):
        before = [a for a in answers if a[1] == server and a[0] < published]
        after = [a for a in answers if a[1] == server and a[0] > published + SWITCH_BOUND]
        assert len(before) >= 3  # a loaded CI machine answers few in 1.5 s
        assert len(after) >= 3
        assert {a[4] for a in before} == {"g000001"}
        assert {a[4] for a in after} == {"g000002"}, server
        late = [a for a in answers if a[1] == server and a[4] == "g000001"
                and a[0] > published]
        switch = max((a[0] for a in late), default=published) - published
        print(f"{server}: {len(before)} answers before, {len(after)} after the bound; "
              f"last old answer {switch:.3f} s after publication")
