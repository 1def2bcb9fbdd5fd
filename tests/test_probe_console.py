"""The console probe: transcript parsing, output matching, and real bash subprocesses."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from mkdocs_runbook.errors import CheckDefinitionError, ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.run import READ_CAP_BYTES, Observation, ProbeContext
from mkdocs_runbook.run.probes.console import (
    ConsoleStep,
    output_diff,
    output_matches,
    parse_transcript,
    probe,
)


def console_check(body: str, timeout: float = 10.0) -> ResolvedCheck:
    spec = CheckSpec(id="console", name="console", page="ops.md", line=12, lang="console")
    return ResolvedCheck(
        spec=spec, kind="console", target=body, display_target=body, params={}, timeout=timeout
    )


def replay(body: str, base_dir: Path, *, allow_commands: bool = True) -> Observation:
    context = ProbeContext(allow_commands=allow_commands, base_dir=base_dir)
    return asyncio.run(probe(console_check(body), context))


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (no init reaping it in a container) counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def wait_until_gone(pid: int) -> bool:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False


# --- parse_transcript ---------------------------------------------------------------------


def test_parse_splits_commands_and_their_output() -> None:
    body = "$ echo one\none\n$ printf 'a\\nb\\n'\na\nb   \n\n$ true\n"

    assert parse_transcript(body) == [
        ConsoleStep("echo one", ["one"]),
        ConsoleStep("printf 'a\\nb\\n'", ["a", "b"]),
        ConsoleStep("true", []),
    ]


def test_parse_joins_continued_commands_and_drops_the_continuation_prompt() -> None:
    body = "$ echo one \\\n>   two \\\n    three\none two three\n"

    assert parse_transcript(body) == [
        ConsoleStep("echo one \\\n  two \\\n    three", ["one two three"])
    ]


def test_parse_skips_assertion_comments() -> None:
    body = "$ echo hi\nhi\n# expect: exit == 0\n  # warn: latency < 1s\n"

    assert parse_transcript(body) == [ConsoleStep("echo hi", ["hi"])]


def test_parse_rejects_a_block_without_commands() -> None:
    with pytest.raises(CheckDefinitionError, match="no command"):
        parse_transcript("\n# expect: exit == 0\n\n")


def test_parse_rejects_output_before_the_first_command() -> None:
    with pytest.raises(CheckDefinitionError, match="line 2 \\('hello'\\) comes before"):
        parse_transcript("\nhello\n$ echo hello\nhello\n")


# --- output_matches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (["a", "b"], ["a", "b"]),
        (["a  ", "b"], ["a", "b\t"]),
        (["a", "b", "", ""], ["a", "b", ""]),
        (["..."], []),
        (["..."], ["x", "y"]),
        (["a", "...", "z"], ["a", "z"]),
        (["a", "...", "z"], ["a", "b", "c", "z"]),
        (["...", "z"], ["a", "z", "z"]),
        (["a", "..."], ["a", "b", "c"]),
        (["a", "...", "m", "...", "z"], ["a", "b", "m", "n", "m", "y", "z"]),
        (["  ...", "z"], ["z"]),
        ([], []),
    ],
)
def test_output_matches(expected: list[str], actual: list[str]) -> None:
    assert output_matches(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (["a", "b"], ["a", "c"]),
        (["a"], ["a", "b"]),
        (["a", "b"], ["a"]),
        (["  a"], ["a"]),
        (["a", "...", "z"], ["a", "b"]),
        (["...", "z"], ["z", "y"]),
        (["a", "...", "m", "...", "z"], ["a", "b", "n", "z"]),
        ([], ["a"]),
        (["a...", "z"], ["ab", "z"]),
    ],
)
def test_output_does_not_match(expected: list[str], actual: list[str]) -> None:
    assert not output_matches(expected, actual)


def test_output_diff_is_a_unified_diff_under_the_command() -> None:
    diff = output_diff(ConsoleStep("systemctl is-active api", ["active"]), "inactive\n")

    assert diff.splitlines() == [
        "$ systemctl is-active api",
        "--- expected",
        "+++ actual",
        "@@ -1 +1 @@",
        "-active",
        "+inactive",
    ]


# --- the probe, with real bash ------------------------------------------------------------


def test_a_matching_transcript_passes(tmp_path: Path) -> None:
    body = "$ echo hello\nhello\n$ seq 1 3\n1\n2\n3\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["exit"] == 0
    assert observation.subjects["output_matches"] is True
    assert observation.subjects["stdout"] == "hello\n1\n2\n3\n"
    assert observation.subjects["stderr"] == ""
    assert observation.subjects["latency"] > 0
    assert observation.detail == ""


def test_the_wildcard_stands_for_many_lines(tmp_path: Path) -> None:
    observation = replay("$ seq 1 500\n1\n...\n500\n$ true\n", tmp_path)

    assert observation.subjects["output_matches"] is True


def test_stderr_is_merged_in_terminal_order(tmp_path: Path) -> None:
    body = "$ echo out; echo err >&2; echo out again\nout\nerr\nout again\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["output_matches"] is True
    assert observation.subjects["stdout"] == "out\nerr\nout again\n"


def test_different_output_fails_with_a_diff_of_the_first_mismatch(tmp_path: Path) -> None:
    body = "$ echo ok\nok\n$ printf 'ready\\nqueue: 3\\n'\nready\nqueue: 0\n$ echo later\nnope\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["output_matches"] is False
    assert observation.subjects["exit"] == 0
    assert observation.value == "output differs"
    assert observation.detail.splitlines() == [
        "$ printf 'ready\\nqueue: 3\\n'",
        "--- expected",
        "+++ actual",
        "@@ -1,2 +1,2 @@",
        " ready",
        "-queue: 0",
        "+queue: 3",
    ]


def test_the_run_stops_at_the_first_failing_command(tmp_path: Path) -> None:
    body = "$ echo start\nstart\n$ ls missing-file\n...\n$ touch ran-too-far\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["exit"] == 2
    assert "missing-file" in observation.subjects["stdout"]
    assert observation.subjects["output_matches"] is False
    assert observation.value == "exit 2"
    assert observation.detail == "`$ ls missing-file` exited with 2; 1 later command not run"
    assert not (tmp_path / "ran-too-far").exists()


def test_pipefail_and_errexit_apply(tmp_path: Path) -> None:
    observation = replay("$ false | cat; echo not reached\n", tmp_path)

    assert observation.subjects["exit"] == 1
    assert observation.subjects["stdout"] == ""


def test_commands_run_in_the_base_dir_without_stdin(tmp_path: Path) -> None:
    body = f"$ pwd\n{tmp_path}\n$ cat\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["output_matches"] is True


def test_disabled_commands_are_a_failure_and_nothing_runs(tmp_path: Path) -> None:
    with pytest.raises(ProbeFailure, match="commands are disabled") as failure:
        replay("$ touch ran\n", tmp_path, allow_commands=False)

    assert failure.value.value == "commands disabled"
    assert not (tmp_path / "ran").exists()


def test_a_block_without_commands_is_a_located_definition_error(tmp_path: Path) -> None:
    with pytest.raises(CheckDefinitionError) as error:
        replay("just text\n", tmp_path)

    assert str(error.value).startswith("ops.md:12: ")


def test_output_is_capped_while_the_command_runs_to_the_end(tmp_path: Path) -> None:
    body = "$ head -c 3000000 /dev/zero | tr '\\0' x; echo; echo done > finished\n...\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["exit"] == 0
    assert len(observation.subjects["stdout"]) == READ_CAP_BYTES
    assert (tmp_path / "finished").read_text() == "done\n"
    assert "output was cut at 1 MiB" in observation.detail


@pytest.mark.timeout(30)  # the background job would run for 300 s
def test_background_jobs_do_not_keep_the_step_waiting(tmp_path: Path) -> None:
    # Unbounded here (no wait_for): reaching the assertions at all proves the step did not
    # wait for the job.
    body = "$ sleep 300 & echo $! > sleeper.pid\n"

    observation = replay(body, tmp_path)

    assert observation.subjects["exit"] == 0
    assert wait_until_gone(int((tmp_path / "sleeper.pid").read_text()))


@pytest.mark.timeout(30)  # the command would run for 300 s
def test_cancellation_kills_the_whole_process_group(tmp_path: Path) -> None:
    # Reaching the assertions at all proves the cancellation did not wait for the command.
    body = "$ sleep 300 & echo $! > child.pid; echo $$ > shell.pid; wait\n"
    context = ProbeContext(allow_commands=True, base_dir=tmp_path)

    async def bounded() -> Observation:
        return await asyncio.wait_for(probe(console_check(body, timeout=1), context), 1)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(bounded())

    assert wait_until_gone(int((tmp_path / "shell.pid").read_text()))
    assert wait_until_gone(int((tmp_path / "child.pid").read_text()))
