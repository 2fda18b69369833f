"""The OpenAPI description: in sync with the app's routes, and every operation fuzzed with
schemathesis against the app on the demo catalogue (0 server errors, 0 schema violations).

The default run is small and derandomized (a few seconds); ``-m slow`` runs many more examples.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.openapi import RECORD_PATHS, openapi_document
from endpoint.records import RECORD_KINDS
from endpoint.settings import EndpointSettings
from exports.service import export_generation
from loader.report import LoadReport
from tests.conftest import BASE


def _plain(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def app_paths(app: Starlette) -> dict[str, set[str]]:
    """The app's routes as OpenAPI paths (parameters unnamed), with their methods."""
    paths: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Mount):
            paths[_plain(route.path + "/{path}")] = {"GET", "HEAD"}
        elif isinstance(route, Route) and route.path == "/{kind:str}/{identifier:str}":
            for kind in RECORD_KINDS:
                paths[f"/{kind}/{{}}"] = set(route.methods or ())
        elif isinstance(route, Route):
            paths[_plain(route.path)] = set(route.methods or ())
    return paths


def test_every_route_is_described_and_nothing_else(demo_store: tuple[Path, LoadReport]) -> None:
    app = create_app_for_store(demo_store[0])
    document = openapi_document(BASE)
    described = {_plain(path): {method.upper() for method in operations}
                 for path, operations in document["paths"].items()}
    routes = app_paths(app)
    assert sorted(described) == sorted(routes)
    for path, methods in described.items():
        assert methods <= routes[path], path
        assert "GET" in methods, path
    assert set(RECORD_PATHS) == set(RECORD_KINDS)


def test_the_document_is_served_with_the_error_shape(
        demo_store: tuple[Path, LoadReport]) -> None:
    with TestClient(create_app_for_store(demo_store[0])) as http:
        response = http.get("/-/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": BASE}]
    for path, operations_by_method in document["paths"].items():
        for operation in operations_by_method.values():
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "416":  # no body, as RFC 9110
                    assert "application/json" in answer["content"], (path, status)


@pytest.fixture(scope="module")
def fuzz_app(demo_store: tuple[Path, LoadReport],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starlette]:
    """The app over a copy of the demo store with its dumps written (small limits)."""
    store = tmp_path_factory.mktemp("fuzz") / "store"
    shutil.copytree(demo_store[0], store, symlinks=True)
    export_generation(store)
    app = create_app_for_store(store, EndpointSettings(query_workers=1, query_timeout=5,
                                                       max_rows=1000, per_client=64))
    with TestClient(app):  # runs the lifespan: query workers stop at the end
        yield app


CONFIG = """
# A schema-valid request may name a record, page or generation that does not exist.
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", "404", "410"]

# A query's text is SPARQL: JSON Schema cannot say which strings parse, so a schema-valid
# request may still be a 400 (bad_query), 403 (an update) or 406 (format not offered for the
# query form).
[[operations]]
include-path = "/sparql"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", "400", "403", "406"]

# A paged theme is a catalogue: _mediatype=text/html (a record format) is not one of its
# formats (406).
[[operations]]
include-path = "/themes/{slug}"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", "404", "406", "410"]
"""


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Starlette) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/-/openapi.json", fuzz_app,
                                          config=SchemathesisConfig.from_str(CONFIG))


DOCUMENT = openapi_document(BASE)
CASES = [(path, method, mode) for path, operations in DOCUMENT["paths"].items()
         for method, operation in operations.items()
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode == GenerationMode.POSITIVE or "requestBody" in operation
         or any(parameter["schema"] != {"type": "string"}
                for parameter in operation.get("parameters", ()))]
"""Every operation, with invalid data too where some can be made (a free string has none)."""


def fuzz(schema: BaseSchema, path: str, method: str, mode: GenerationMode,
         **options: Any) -> None:
    """Run schemathesis' checks on generated requests to one operation (schemathesis' own
    pytest plugin does not run on this pytest, so hypothesis drives the strategy here)."""
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), **options)
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate()

    run()


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_fuzz_every_operation(api_schema: BaseSchema, path: str, method: str,
                              mode: GenerationMode) -> None:
    fuzz(api_schema, path, method, mode, max_examples=6, derandomize=True)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_fuzz_every_operation_long(api_schema: BaseSchema, path: str, method: str,
                                   mode: GenerationMode) -> None:
    fuzz(api_schema, path, method, mode, max_examples=300)
