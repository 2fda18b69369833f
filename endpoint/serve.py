"""``ldcat serve``: run the app under uvicorn, in one or several web processes.

Several processes (``--workers``) share nothing but the read-only generation on disk; each
has its own query workers, answer cache and admission counters. uvicorn starts them from an
import string, so the settings travel in the environment (:data:`ENVIRONMENT_KEY`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from starlette.applications import Starlette

from endpoint.app import create_app_for_store
from endpoint.settings import EndpointSettings

ENVIRONMENT_KEY = "LDCAT_SERVE"
KEEP_ALIVE_SECONDS = 30
"""How long an idle keep-alive connection stays open (uvicorn's default is 5 s). When a busy
event loop runs late, an expired keep-alive timer closes a connection whose next request has
arrived but was not read yet, and the client sees the connection drop without an answer (the
load test saw a dozen in 15,000 requests at 5 s); 30 s leaves clients, and proxies with the
usual shorter idle timeouts, the closing side."""


def app_from_environment() -> Starlette:
    """The app described by ``$LDCAT_SERVE`` (uvicorn's factory in each web process)."""
    config = json.loads(os.environ[ENVIRONMENT_KEY])
    fields = config["settings"]
    fields["allowed_services"] = frozenset(fields["allowed_services"])
    return create_app_for_store(Path(config["store"]), EndpointSettings(**fields))


def serve(store: Path, settings: EndpointSettings, *, host: str, port: int,
          web_workers: int = 1) -> None:
    """Serve ``store`` until interrupted (uvloop and httptools when installed)."""
    import uvicorn

    fields = dataclasses.asdict(settings)
    fields["allowed_services"] = sorted(settings.allowed_services)
    os.environ[ENVIRONMENT_KEY] = json.dumps({"store": str(store.resolve()),
                                              "settings": fields})
    uvicorn.run("endpoint.serve:app_from_environment", factory=True, host=host, port=port,
                workers=web_workers, log_level="info", access_log=False,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)
