"""Checks run in worker processes (SPEC 8 "Measured values are true", SPEC 14): never in the
front-end's interpreter, bounded across all workers, and a worker that dies costs only its
unfinished checks. Proved by process ids, counted requests and killed processes; no clock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from faults import RawServer
from inflight import InFlightCounter, InFlightServer
from mkdocs_runbook.engine import collect, make_runner, run_checks
from mkdocs_runbook.results import Status
from mkdocs_runbook.run import WorkerPool, run_sync, worker_process
from mkdocs_runbook.settings import RunbookSettings
from sites import make_site

pytestmark = pytest.mark.slow

SCRIPTS = Path(sys.executable).parent
WORKER_MARK = "mkdocs_runbook.run.worker"
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]


def _find_worker(into: str) -> str:
    """Shell that walks up from the command to the check worker running it and writes the
    worker's pid to ``into``. The pattern is not the mark as written, so the command's own
    command line (and its launcher's, which holds the script) does not match it."""
    pattern = WORKER_MARK.replace(".", "[.]")
    return (
        "p=$$; "
        "while [ \"$p\" -gt 1 ] && ! tr '\\0' ' ' < /proc/$p/cmdline | grep -q "
        f"'{pattern}'; do p=$(awk '/^PPid:/{{print $2}}' /proc/$p/status); done; "
        f'echo "$p" > {into}'
    )


def _ancestry(into: Path) -> str:
    """Shell writing ``pid cmdline`` of every ancestor of the command, nearest first, one per
    line: newlines inside a command line (a CI runner's multi-line ``bash -c`` script) become
    spaces, or they would split one ancestor over several lines."""
    return (
        'p=$PPID; while [ "$p" -gt 1 ]; do '
        f"echo \"$p $(tr '\\0\\n' '  ' < /proc/$p/cmdline)\" >> {into}; "
        "p=$(awk '/^PPid:/{print $2}' /proc/$p/status); done"
    )


def _check(name: str, body: str) -> str:
    return f"```check\nname: {name}\n{body}\n```\n\n"


def _run_check(name: str, command: str, timeout: str = "20s") -> str:
    quoted = command.replace("'", "''")
    return _check(name, f"run: '{quoted}'\ntimeout: {timeout}")


# == every front-end measures outside its own interpreter ==========


@pytest.mark.parametrize("front_end", ["mkdocs build", "runbook check", "pytest --runbook"])
def test_checks_run_in_a_worker_process_started_by_the_front_end(
    tmp_path: Path, front_end: str
) -> None:
    chain = tmp_path / "chain.txt"
    site = make_site(tmp_path, runbook={"allow_commands": True, "fail_on": []})
    site.page("index.md", "# Ops\n\n" + _run_check("where", _ancestry(chain)))
    command = {
        "mkdocs build": [str(SCRIPTS / "mkdocs"), "build", "-q"],
        "runbook check": [str(SCRIPTS / "runbook"), "check", "docs"],
        "pytest --runbook": [*PYTEST, "--runbook", "docs"],
    }[front_end]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    ancestors = [line.split(" ", 1) for line in chain.read_text().splitlines()]
    pids = [int(pid) for pid, _ in ancestors]
    worker = next(i for i, (_, cmdline) in enumerate(ancestors) if WORKER_MARK in cmdline)
    assert pids[worker] != process.pid
    assert pids[worker + 1] == process.pid, "the front-end started the worker"
    assert process.pid not in pids[:worker], "nothing of the front-end runs the check"


# == bounds hold across all workers ==========


def _http_checks(servers: list[InFlightServer], per_server: int) -> str:
    return "".join(
        _check(f"{server.name} {number}", f"http: {server.url}/{number}")
        for server in servers
        for number in range(per_server)
    )


@pytest.mark.parametrize("workers", [1, 3])
def test_per_host_holds_across_worker_processes(tmp_path: Path, workers: int) -> None:
    per_host = 2
    counter = InFlightCounter(expected=per_host)
    with InFlightServer(counter, "a") as only:
        page = tmp_path / "bounded.md"
        page.write_text(_http_checks([only], per_server=4 * workers), encoding="utf-8")
        settings = RunbookSettings(
            base_dir=tmp_path, per_host=per_host, concurrency=32, workers=workers
        )
        report = run_checks(collect([page], settings), settings)
    assert {c.status for c in report.checks} == {Status.PASS}
    assert counter.max_by_server == {"a": per_host}


@pytest.mark.parametrize("workers", [1, 3])
def test_concurrency_holds_across_worker_processes(tmp_path: Path, workers: int) -> None:
    concurrency = 3
    counter = InFlightCounter(expected=concurrency)
    with InFlightServer(counter, "a") as a, InFlightServer(counter, "b") as b:
        page = tmp_path / "bounded.md"
        page.write_text(_http_checks([a, b], per_server=4 * workers), encoding="utf-8")
        settings = RunbookSettings(
            base_dir=tmp_path, per_host=32, concurrency=concurrency, workers=workers
        )
        report = run_checks(collect([page], settings), settings)
    assert {c.status for c in report.checks} == {Status.PASS}
    assert counter.max_total == concurrency


@pytest.mark.parametrize("workers", [1, 3])
def test_a_check_waiting_for_its_host_holds_no_slot_of_the_run(
    tmp_path: Path, workers: int
) -> None:
    """Host a's checks come first and a takes one at a time: b's and c's still start beside
    it. A check that held a slot of the run while waiting for its host would keep the run at
    one request in flight."""
    counter = InFlightCounter(expected=3, patience=5.0)
    with (
        InFlightServer(counter, "a") as a,
        InFlightServer(counter, "b") as b,
        InFlightServer(counter, "c") as c,
    ):
        page = tmp_path / "ordered.md"
        page.write_text(
            _http_checks([a], per_server=6) + _http_checks([b, c], per_server=1),
            encoding="utf-8",
        )
        settings = RunbookSettings(base_dir=tmp_path, per_host=1, concurrency=3, workers=workers)
        report = run_checks(collect([page], settings), settings)
    assert {c.status for c in report.checks} == {Status.PASS}
    assert counter.max_total == 3
    assert counter.max_by_server == {"a": 1, "b": 1, "c": 1}


def test_every_worker_takes_checks(tmp_path: Path) -> None:
    page = tmp_path / "spread.md"
    page.write_text(
        "".join(_run_check(f"c{n}", _find_worker(str(tmp_path / f"c{n}.pid"))) for n in range(6)),
        encoding="utf-8",
    )
    settings = RunbookSettings(base_dir=tmp_path, allow_commands=True, workers=3)
    report = run_checks(collect([page], settings), settings)
    assert {c.status for c in report.checks} == {Status.PASS}
    used = {(tmp_path / f"c{n}.pid").read_text().strip() for n in range(6)}
    assert len(used) == 3 and str(os.getpid()) not in used


# == a worker that dies ==========


class HeldServer(RawServer):
    """Reads a request, writes ``arrived`` (a file a command can wait for), never answers."""

    def __init__(self, arrived: Path) -> None:
        super().__init__()
        self.arrived = arrived

    def answer(self, connection: socket.socket) -> None:
        if self.read_request_head(connection):
            self.arrived.write_text("yes")
            while self._receive(connection) is not None:
                pass


def test_a_killed_worker_costs_its_running_checks_and_a_fresh_one_takes_the_rest(
    tmp_path: Path,
) -> None:
    arrived, killed, after = tmp_path / "arrived", tmp_path / "killed.pid", tmp_path / "after.pid"
    kill = (
        f"{_find_worker(str(killed))}; "
        f"while [ ! -e {arrived} ]; do sleep 0.05; done; kill -9 $(cat {killed})"
    )
    with HeldServer(arrived) as held:
        page = tmp_path / "dies.md"
        page.write_text(
            _check("held", f"http: {held.url}/\ntimeout: 20s")
            + _run_check("killer", kill)
            + _run_check("after", _find_worker(str(after))),
            encoding="utf-8",
        )
        # Two at once: "after" waits for a slot until the worker running the others is gone.
        settings = RunbookSettings(base_dir=tmp_path, allow_commands=True, concurrency=2)
        report = run_checks(collect([page], settings), settings)
    results = {c.id: c for c in report.checks}
    for lost in ("held", "killer"):
        assert results[lost].status is Status.ERROR
        assert results[lost].value == "worker died"
        assert results[lost].message.startswith("check worker died (killed by SIGKILL)")
    assert results["after"].status is Status.PASS
    assert after.read_text().strip() != killed.read_text().strip()


def test_a_worker_that_stops_answering_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_process, "STUCK_GRACE_S", 0.5)
    arrived = tmp_path / "arrived"
    with HeldServer(arrived) as held:
        page = tmp_path / "stuck.md"
        page.write_text(
            _check("held", f"http: {held.url}/\ntimeout: 1s")
            + _check("later", f"tcp: 127.0.0.1:{held.port}"),
            encoding="utf-8",
        )
        settings = RunbookSettings(base_dir=tmp_path, concurrency=1)
        items = collect([page], settings)
        with WorkerPool(1) as workers:
            stopped: list[int] = []

            def stop_the_worker_once_the_request_is_in() -> None:
                while not arrived.exists():
                    threading.Event().wait(0.02)
                stopped.extend(workers.pids)
                os.kill(stopped[0], signal.SIGSTOP)  # alive, but never answers again

            stopper = threading.Thread(target=stop_the_worker_once_the_request_is_in)
            stopper.start()
            results = run_sync(lambda: make_runner(settings, workers=workers), items)
            stopper.join(timeout=30)
            replacement = workers.pids
    held_result, later = results
    assert held_result.status is Status.ERROR
    assert "check worker died (no answer" in held_result.message
    assert later.status is Status.PASS
    assert stopped and replacement and replacement != stopped


def test_a_serve_rebuild_gets_a_fresh_worker_after_one_died(tmp_path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    once, killed, pid_now = tmp_path / "once", tmp_path / "killed.pid", tmp_path / "now.pid"
    # Kills its worker the first time only; a rebuild runs it again (errors are not cached).
    kill_once = (
        f"{_find_worker(str(pid_now))}; "
        f"if [ ! -e {once} ]; then touch {once}; cp {pid_now} {killed}; "
        f"kill -9 $(cat {pid_now}); fi"
    )
    site = make_site(tmp_path, runbook={"allow_commands": True, "fail_on": []})
    site.page("index.md", "# Ops\n\n" + _run_check("killer", kill_once))
    config_file = str(tmp_path / "mkdocs.yml")
    served = tmp_path / "served"

    def rebuild() -> str:
        build(load_config(config_file, site_dir=str(served)), serve_url="http://127.0.0.1:8000/")
        return (served / "index.html").read_text(encoding="utf-8")

    first_config = load_config(config_file, site_dir=str(served))
    first_config.plugins.on_startup(command="serve", dirty=False)
    try:
        first = rebuild()
        assert "check worker died (killed by SIGKILL)" in first
        second = rebuild()
    finally:
        first_config.plugins.on_shutdown()
    assert "runbook-status-pass" in second and "worker died" not in second
    assert pid_now.read_text() != killed.read_text()


def test_workers_must_be_at_least_one(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPTS / "runbook"), "check", "--workers", "0", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers must be at least 1" in done.stderr
