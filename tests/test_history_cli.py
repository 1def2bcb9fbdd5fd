"""History from the command line, as users run it (SPEC 10): `runbook check` records its run,
`runbook history` and `runbook freshness` read it. Real processes, real servers, a real SQLite
file and a real PostgreSQL server; two processes recording at once; PostgreSQL going away in
the middle of a run."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from postgres import PostgresServer
from servers import RouteServer

RUNBOOK = [str(Path(sys.executable).parent / "runbook")]
SECRET = "tok-9f8e7d6c5b4a"
MARKUP = "<script>alert('x')</script>\x1b[31m"


def runbook(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CI": "true", "API_TOKEN": SECRET, **(env or {})}
    environ.pop("RUNBOOK_ZONE", None)
    return subprocess.run(
        [*RUNBOOK, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def start_runbook(*args: str, cwd: Path) -> subprocess.Popen[str]:
    environ = {**os.environ, "CI": "true", "API_TOKEN": SECRET}
    return subprocess.Popen(
        [*RUNBOOK, *args],
        cwd=cwd,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class _Backlogged(ThreadingHTTPServer):
    request_queue_size = 128  # both processes connect at once


class GateServer:
    """HTTP on 127.0.0.1 whose ``/gate`` answers only once the test opens the gate; the test can
    wait until a number of requests are held there (processes are mid-run, provably)."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.arrived = threading.Semaphore(0)
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.startswith("/gate"):
                    gate.arrived.release()
                    gate.opened.wait(timeout=60)
                body = b'{"status": "ok"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = _Backlogged(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> None:
        for _ in range(count):
            assert self.arrived.acquire(timeout=60), "a run never reached the gate"

    def stop(self) -> None:
        self.opened.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def gate() -> Iterator[GateServer]:
    server = GateServer()
    try:
        yield server
    finally:
        server.stop()


def make_project(root: Path, api: str, *, history: str | None = None, checks: int = 0) -> Path:
    """docs/ops.md with a passing check, one whose target echoes the check's secret (and
    markup) back into a failure, and ``checks`` more passing ones (behind the gate when the api
    is a GateServer)."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    many = "".join(
        f"```check\nname: Extra {n}\nhttp: GET {{{{ api }}}}/gate?n={n}\n```\n\n"
        for n in range(checks)
    )
    (root / "docs" / "ops.md").write_text(
        "---\nowner: team-<i>db</i>\n---\n# Ops\n\n"
        "```check\nname: API live\nhttp: GET {{ api }}/healthz\n"
        'headers: {Authorization: "Bearer {{ secrets.API_TOKEN }}"}\n```\n\n'
        "```check\nname: Echo\nhttp: GET {{ api }}/echo\n"
        'headers: {Authorization: "Bearer {{ secrets.API_TOKEN }}"}\n'
        "expect: [body contains nothing-here]\n```\n\n" + many,
        encoding="utf-8",
    )
    history_line = f"      history: {json.dumps(history)}\n" if history is not None else ""
    (root / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - runbook:\n"
        f"      environments: {{local: {{api: '{api}'}}}}\n"
        # Gated checks wait for the test, not for a 5 s default.
        "      timeout: 60s\n" + history_line,
        encoding="utf-8",
    )
    return root


@pytest.fixture
def project(tmp_path: Path, http_server: RouteServer) -> Path:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/echo", body=f"token {SECRET} {MARKUP}")
    return make_project(tmp_path, http_server.url)


def sqlite_rows(root: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(root / ".cache/runbook/history.sqlite") as connection:
        return connection.execute(query).fetchall()


def test_check_records_its_run_under_the_pages_the_site_uses(project: Path) -> None:
    done = runbook("check", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "warning" not in done.stderr
    assert sqlite_rows(project, "SELECT trigger, env, zone, checks FROM runbook_runs") == [
        ("check", "local", "local", 2)
    ]
    assert sorted(sqlite_rows(project, "SELECT page, check_id, status FROM runbook_results")) == [
        ("ops.md", "api-live", "pass"),
        ("ops.md", "echo", "fail"),
    ]
    # From a subfolder, with the page named by its path: the same identity, found walking up.
    done = runbook("check", "ops.md", "--zone", "eu-private", cwd=project / "docs")
    assert done.returncode == 1, done.stderr
    assert sorted(sqlite_rows(project, "SELECT zone FROM runbook_runs")) == [
        ("eu-private",),
        ("local",),
    ]
    assert sqlite_rows(project, "SELECT DISTINCT page FROM runbook_results") == [("ops.md",)]


def test_no_secret_reaches_the_store_and_the_history_output_is_safe(project: Path) -> None:
    assert runbook("check", cwd=project).returncode == 1
    database = (project / ".cache/runbook/history.sqlite").read_bytes()
    assert SECRET.encode() not in database
    [(message, value)] = sqlite_rows(
        project, "SELECT message, value FROM runbook_results WHERE check_id = 'echo'"
    )
    assert "••••" in message + value and SECRET not in message + value

    text = runbook("history", cwd=project)
    assert text.returncode == 0, text.stderr
    assert "ops.md::echo" in text.stdout and "fail" in text.stdout
    assert SECRET not in text.stdout and "\x1b" not in text.stdout
    as_json = runbook("history", "--format", "json", cwd=project)
    assert SECRET not in as_json.stdout and "<script" not in as_json.stdout
    data = json.loads(as_json.stdout)
    [live, echo] = data["checks"]
    assert (live["page"], live["id"], live["runs"][0]["status"]) == ("ops.md", "api-live", "pass")
    assert echo["runs"][0]["trigger"] == "check" and "<script>" in echo["runs"][0]["message"]


def test_history_selects_by_id_and_period_and_exits_5_when_nothing_matches(
    project: Path,
) -> None:
    runbook("check", cwd=project)
    runbook("check", "--id", "api-live", cwd=project)
    one = json.loads(
        runbook("history", "--id", "ops.md::api-live", "--format", "json", cwd=project).stdout
    )
    assert [c["id"] for c in one["checks"]] == ["api-live"]
    assert len(one["checks"][0]["runs"]) == 2
    nothing = runbook("history", "--id", "no-such-check", cwd=project)
    assert nothing.returncode == 5 and "--id no-such-check" in nothing.stderr
    assert runbook("history", "--since", "soon", cwd=project).returncode == 2


def test_freshness_gates_on_full_verification(project: Path, http_server: RouteServer) -> None:
    never = runbook("freshness", cwd=project)
    assert never.returncode == 1
    assert "ops.md" in never.stdout and "never fully verified" in never.stdout
    runbook("check", cwd=project)  # the echo check fails: still not verified
    assert runbook("freshness", cwd=project).returncode == 1
    http_server.route("/echo", body="nothing-here")
    runbook("check", "--id", "echo", cwd=project)  # only part of the page: not verified
    assert runbook("freshness", cwd=project).returncode == 1
    assert runbook("check", cwd=project).returncode == 0
    fresh = runbook("freshness", "--max-age", "7d", "--format", "json", cwd=project)
    assert fresh.returncode == 0, fresh.stdout
    [page] = json.loads(fresh.stdout)["pages"]
    assert page["page"] == "ops.md" and page["fresh"] and page["checks"] == 2
    assert page["owner"] == "team-<i>db</i>" and "<i>" not in fresh.stdout
    stale = runbook("freshness", "--max-age", "1s", cwd=project)
    # Exit 1 whatever the clock: the check's run takes longer than a second to be a second old.
    if stale.returncode == 1:
        assert "last fully verified" in stale.stdout and "owner: team-<i>db</i>" in stale.stdout


def test_history_off_is_a_usage_error(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "      history: null\n", encoding="utf-8")
    assert runbook("check", cwd=project).returncode == 1
    assert not (project / ".cache").exists()
    done = runbook("freshness", cwd=project)
    assert done.returncode == 2 and "history is off" in done.stderr


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_two_check_processes_at_once_both_land_whole(
    store: str, tmp_path: Path, gate: GateServer, request: pytest.FixtureRequest
) -> None:
    history = request.getfixturevalue("postgres_url") if store == "postgresql" else None
    root = make_project(tmp_path, gate.url, history=history, checks=30)
    first = start_runbook("check", "--fail-on", "error", cwd=root)
    second = start_runbook("check", "--fail-on", "error", cwd=root)
    try:
        # Each process holds per_host (8) checks at the gate: 16 means both are mid-run.
        gate.wait_for(16)
    finally:
        gate.opened.set()
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
        assert "warning" not in err
    query = "SELECT run_id, count(*) FROM runbook_results GROUP BY run_id"
    if store == "sqlite":
        counts = sqlite_rows(root, query)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        counts = list(server.sql(query, database=history.rsplit("/", 1)[1]))  # type: ignore[union-attr]
    assert sorted(count for _, count in counts) == [32, 32]


def test_postgresql_stopping_mid_run_spools_and_the_next_run_flushes_it_once(
    tmp_path: Path, gate: GateServer, postgres_server: PostgresServer, postgres_url: str
) -> None:
    root = make_project(tmp_path, gate.url, history=postgres_url, checks=1)
    database = postgres_url.rsplit("/", 1)[1]
    running = start_runbook("check", "--fail-on", "error", cwd=root)
    try:
        gate.wait_for(1)
        postgres_server.stop("immediate")
        gate.opened.set()
        out, err = running.communicate(timeout=120)
    finally:
        postgres_server.restart()
    assert running.returncode == 0, out + err
    assert err.count("runbook: warning: history store postgresql://runbook:••••@") == 1
    assert "pg-secret" not in err and "kept in" in err
    spooled = list((root / ".cache/runbook/spool").glob("*.json"))
    assert len(spooled) == 1
    assert SECRET.encode() not in spooled[0].read_bytes()

    done = runbook("check", "--fail-on", "error", cwd=root)
    assert done.returncode == 0 and "warning" not in done.stderr
    assert list((root / ".cache/runbook/spool").glob("*.json")) == []
    runs = postgres_server.sql("SELECT count(*) FROM runbook_runs", database=database)
    assert runs == [(2,)]
    assert runbook("check", "--fail-on", "error", cwd=root).returncode == 0
    runs = postgres_server.sql("SELECT count(*) FROM runbook_runs", database=database)
    assert runs == [(3,)]
    results = postgres_server.sql("SELECT count(*) FROM runbook_results", database=database)
    assert results == [(9,)]
    stored = postgres_server.sql(
        "SELECT name, value, message, page, check_id FROM runbook_results", database=database
    )
    assert SECRET not in repr(stored)
