"""What the browser tests share: the demo app on a real uvicorn, and Debian's headless
Chromium through Playwright (skipping, saying why, when either is absent)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from endpoint.app import create_app_for_store
from tests.sparql_support import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
"""As root, without a network: no sandbox, none of Chromium's background connections."""


def serve_store(store: Path) -> Iterator[str]:
    """The app over ``store`` on a free port of 127.0.0.1 (a generator for fixtures)."""
    with running_server(create_app_for_store(store), lifespan="off") as url:
        yield url


def launch_chromium() -> Iterator[Browser]:
    """Headless Chromium (a generator for fixtures); skips when it or Playwright is absent."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
