"""The command line as a user runs it: real subprocesses, real server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from loader.report import LoadReport
from tests.conftest import PROJECT

LDCAT = [sys.executable, "-m", "ldcat.cli"]


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LDCAT, *arguments], capture_output=True, text=True, cwd=PROJECT,
                          timeout=120, check=False)


def test_unusable_source_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text('"foo","bar"\r\n"1","2"\r\n', "utf-8")
    result = run("load", str(bad), "--store", str(tmp_path / "store"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ldcat load: ")
    assert str(bad) in lines[0]
    assert not (tmp_path / "store" / "current").exists()


def test_load_then_query(tmp_path: Path) -> None:
    demo = PROJECT / "loader" / "demo"
    store = tmp_path / "store"
    loaded = run("load", str(demo / "datasets.csv"), str(demo / "resources.csv"),
                 "--store", str(store), "--base-iri", "https://data.example.org")
    assert loaded.returncode == 0, loaded.stderr
    assert "datasets: 56 read, 56 published" in loaded.stdout
    report = sorted((store / "generations").glob("*.report.json"))[0]
    assert json.loads(report.read_text())["published"]["resources"] == 131
    query = run("query", "--store", str(store), "--format", "csv",
                "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    assert query.returncode == 0, query.stderr
    assert query.stdout.split() == ["n", "56"]
    bad_query = run("query", "--store", str(store), "SELEKT")
    assert bad_query.returncode == 2
    assert "syntax error" in bad_query.stderr


def test_query_applies_the_endpoint_rules(demo_store: tuple[Path, LoadReport]) -> None:
    store = str(demo_store[0])
    service = run("query", "--store", store,
                  "ASK { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert service.returncode == 2
    assert "SERVICE <http://127.0.0.1:9/> is not allowed" in service.stderr
    update = run("query", "--store", store, "INSERT DATA { <a:b> <a:c> <a:d> }")
    assert update.returncode == 2
    assert "ldcat load" in update.stderr
    capped = run("query", "--store", store, "--format", "tsv", "--max-rows", "4",
                 "SELECT ?s WHERE { ?s ?p ?o }")
    assert capped.returncode == 0, capped.stderr
    assert len(capped.stdout.splitlines()) == 5
    assert "cut at 4 rows" in capped.stderr
    started = time.monotonic()
    runaway = run("query", "--store", store, "--timeout", "1",
                  "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i")
    assert runaway.returncode == 2
    assert "limit" in runaway.stderr
    assert time.monotonic() - started < 10
    graph = run("query", "--store", store, "--format", "nt",
                "CONSTRUCT WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    assert graph.returncode == 0
    assert len(graph.stdout.splitlines()) == 56


def test_update_mode_is_documented_in_help() -> None:
    help_text = run("load", "--help").stdout
    assert "snapshot (default)" in help_text
    assert "--update" in help_text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_serves_the_demo_catalogue(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([*LDCAT, "demo", "--port", str(port), "--store",
                               str(tmp_path / "store")], cwd=PROJECT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the demo server never became ready"
        assert body["status"] == "ok"
        url = f"http://127.0.0.1:{port}/datasets/5ca3280b619abab5be11b720.ttl"
        with urllib.request.urlopen(url, timeout=5) as response:
            turtle = response.read().decode()
        # IRIs are minted under the served address, so they dereference locally.
        assert f"http://127.0.0.1:{port}/datasets/5ca3280b619abab5be11b720" in turtle
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (PROJECT / "README.md").read_text()
    ci = (PROJECT / ".ci" / "run").read_text()
    block = readme.split("Run the tests:", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    command = block.strip()
    assert command.startswith("python -m pip install -e '.[test]' && python -m pytest")
    assert command in ci.splitlines()
