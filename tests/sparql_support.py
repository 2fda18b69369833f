"""Helpers for the SPARQL endpoint tests: publish a small store, open a client on it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Quad, Store
from starlette.testclient import TestClient

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings
from loader.generations import StoreLayout
from tests.conftest import BASE


def publish_quads(root: Path, quads: Iterable[Quad], base_iri: str = BASE) -> Path:
    """Publish ``quads`` as a new generation of the store at ``root`` (made if absent)."""
    layout = StoreLayout(root)
    layout.generations_dir.mkdir(parents=True, exist_ok=True)
    generation_id = layout.next_id()
    staging = layout.staging_dir(generation_id)
    store = Store(str(staging / "store"))
    store.extend(quads)
    store.flush()
    del store
    layout.publish(staging / "store", generation_id, {"base_iri": base_iri}, {}, {})
    staging.rmdir()
    return root


def open_client(store: Path, **settings: object) -> TestClient:
    """A TestClient on the app over ``store`` (use it in a ``with`` block: the query workers
    stop when it closes)."""
    return TestClient(create_app_for_store(store, EndpointSettings(**settings)))  # type: ignore[arg-type]
