"""The ``run`` probe with real ``bash`` subprocesses: output, exit codes, caps, and that nothing
a command starts outlives the check."""

from __future__ import annotations

import asyncio
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from mkdocs_runbook.errors import ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.run import READ_CAP_BYTES, Observation, ProbeContext
from mkdocs_runbook.run.probes.command import probe
from mkdocs_runbook.units import format_duration


def command_check(script: str, environment: dict[str, str] | None = None) -> ResolvedCheck:
    return ResolvedCheck(
        spec=CheckSpec(id="cmd", name="cmd", page="t.md", line=1),
        kind="run",
        target=script,
        display_target=script,
        params={},
        timeout=5.0,
        environment=environment,
    )


def run_command(
    script: str,
    base_dir: Path,
    *,
    within: float = 10.0,
    allow_commands: bool = True,
    environment: dict[str, str] | None = None,
) -> Observation:
    """Run under ``wait_for`` as the runner does; the generous default only keeps a broken
    probe from hanging the suite."""
    context = ProbeContext(allow_commands=allow_commands, base_dir=base_dir)
    check = command_check(script, environment)
    return asyncio.run(asyncio.wait_for(probe(check, context), within))


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait a moment for its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_until_gone(pids: list[int], seconds: float = 3.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := [pid for pid in pids if is_running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


def test_output_exit_and_latency(tmp_path: Path) -> None:
    started = time.perf_counter()
    observation = run_command("echo out; echo err >&2", tmp_path)
    spent = time.perf_counter() - started
    subjects = observation.subjects
    assert subjects["exit"] == 0
    assert subjects["stdout"] == "out\n"
    assert subjects["stderr"] == "err\n"
    # An order, not a bound (nothing here depends on the machine's speed): the probe's
    # measurement, in seconds, lies within the call the test timed around it.
    assert 0 < subjects["latency"] <= spent
    assert observation.value == format_duration(subjects["latency"])
    assert "out" in observation.detail
    assert "err" in observation.detail


def test_non_zero_exit_is_the_value(tmp_path: Path) -> None:
    observation = run_command("echo partial; exit 3", tmp_path)
    assert observation.subjects["exit"] == 3
    assert observation.subjects["stdout"] == "partial\n"
    assert observation.value == "exit 3"


@pytest.mark.parametrize(
    ("script", "stdout"),
    [
        ("false | true; echo after", ""),  # pipefail: a failing stage fails the pipeline
        ("false; echo after", ""),  # -e: the first failing command ends the script
    ],
)
def test_bash_runs_with_errexit_and_pipefail(tmp_path: Path, script: str, stdout: str) -> None:
    observation = run_command(script, tmp_path)
    assert observation.subjects["exit"] == 1
    assert observation.subjects["stdout"] == stdout


def test_working_directory_is_base_dir_and_stdin_is_empty(tmp_path: Path) -> None:
    # ``cat`` would wait forever on an inherited terminal or pipe; with no stdin it ends at once.
    observation = run_command("pwd; cat; echo read-nothing", tmp_path)
    assert observation.subjects["stdout"] == f"{tmp_path}\nread-nothing\n"


def test_commands_need_allow_commands(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(ProbeFailure) as caught:
        run_command(f"touch {marker}", tmp_path, allow_commands=False)
    assert caught.value.message == "commands are disabled (allow_commands: false)"
    assert not marker.exists()


def test_missing_working_directory(tmp_path: Path) -> None:
    with pytest.raises(ProbeFailure) as caught:
        run_command("true", tmp_path / "gone")
    assert "working directory" in caught.value.message


def test_undecodable_output_is_replaced(tmp_path: Path) -> None:
    observation = run_command(r"printf 'ok \xff'", tmp_path)
    assert observation.subjects["stdout"] == "ok \ufffd"


def test_huge_output_is_capped_and_drained(tmp_path: Path) -> None:
    script = "head -c 100000000 /dev/zero | tr '\\0' o; head -c 3000000 /dev/zero | tr '\\0' e >&2"
    tracemalloc.start()
    try:
        observation = run_command(script, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    subjects = observation.subjects
    assert subjects["exit"] == 0
    assert subjects["stdout"] == "o" * READ_CAP_BYTES
    assert subjects["stderr"] == "e" * READ_CAP_BYTES
    assert "stdout was longer than 1 MiB" in observation.detail
    assert "stderr was longer than 1 MiB" in observation.detail
    assert peak < 16 * 1024 * 1024, f"peak memory {peak} bytes"


def test_stderr_and_stdout_are_read_concurrently(tmp_path: Path) -> None:
    # 4 MB on stderr before any stdout: reading stdout first would leave the command blocked
    # on a full stderr pipe until the timeout.
    observation = run_command("head -c 4000000 /dev/zero >&2; echo done", tmp_path, within=5.0)
    assert observation.subjects["stdout"] == "done\n"
    assert len(observation.subjects["stderr"]) == READ_CAP_BYTES


@pytest.mark.timeout(30)  # the command and its children would run for 300 s
def test_cancellation_kills_the_whole_process_group(tmp_path: Path) -> None:
    # Reaching the assertions at all proves the cancellation did not wait for the command,
    # not even for the child that ignores SIGTERM.
    script = (
        "echo $$ > pids; sleep 300 & echo $! >> pids; (trap '' TERM; sleep 300) & echo $! >> pids;"
        " wait"
    )
    with pytest.raises(asyncio.TimeoutError):
        run_command(script, tmp_path, within=1.0)
    pids = [int(line) for line in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 3
    assert wait_until_gone(pids) == []


def test_background_children_do_not_outlive_a_finished_command(tmp_path: Path) -> None:
    # The child inherits stdout: unless it is killed, the pipe never reaches end of file, and
    # a probe that waited for it would wait for the 300 s sleep, past run_command's bound.
    observation = run_command("sleep 300 & echo $! > pid; echo started", tmp_path)
    assert observation.subjects["stdout"] == "started\n"
    assert observation.subjects["exit"] == 0
    assert wait_until_gone([int((tmp_path / "pid").read_text())]) == []


def test_the_command_gets_exactly_the_environment_it_is_given(tmp_path: Path) -> None:
    environment = {"PATH": os.environ["PATH"], "ONLY_THIS": "x y"}
    observation = run_command("env", tmp_path, environment=environment)
    names = {line.split("=", 1)[0] for line in observation.subjects["stdout"].splitlines()}
    # bash adds PWD, SHLVL and _ of its own.
    assert names - {"PWD", "SHLVL", "_", "OLDPWD"} == {"PATH", "ONLY_THIS"}


def test_by_default_the_command_gets_the_minimal_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUILD_SECRET_TOKEN", "do-not-pass")
    monkeypatch.setenv("LC_TIME", "C")
    observation = run_command("env", tmp_path)
    stdout = observation.subjects["stdout"]
    assert "BUILD_SECRET_TOKEN" not in stdout
    assert "do-not-pass" not in stdout
    assert "LC_TIME=C" in stdout
    assert f"PATH={os.environ['PATH']}" in stdout


def test_descendants_that_left_the_process_group_die_with_the_command(tmp_path: Path) -> None:
    script = (
        "setsid sleep 300 & echo $! > pids;"
        " (setsid sleep 300 & echo $! >> pids) ;"
        " bash -c 'sleep 300 & echo $! >> pids; disown' ;"
        " echo done"
    )
    observation = run_command(script, tmp_path, within=10.0)
    assert observation.subjects["stdout"] == "done\n"
    pids = [int(line) for line in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 3
    assert wait_until_gone(pids) == []


def test_on_timeout_descendants_that_left_the_process_group_die_too(tmp_path: Path) -> None:
    script = (
        "setsid sleep 300 & echo $! > pids;"
        " (setsid bash -c 'sleep 300 & echo $! >> pids; wait' &) ;"
        " sleep 0.2; touch ready; sleep 300"
    )
    with pytest.raises(asyncio.TimeoutError):
        run_command(script, tmp_path, within=2.0)
    assert (tmp_path / "ready").exists()
    pids = [int(line) for line in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2
    assert wait_until_gone(pids) == []


def test_signals_reach_the_command_as_they_would_from_a_terminal(tmp_path: Path) -> None:
    # SIGPIPE ends a writer whose reader left (Python ignores it; its children must not).
    piped = run_command(
        "set +o pipefail; yes | head -n 1 >/dev/null; echo ${PIPESTATUS[0]}", tmp_path
    )
    assert piped.subjects["stdout"] == "141\n"
    killed = run_command("kill -TERM $$", tmp_path)
    assert killed.subjects["exit"] == -15
