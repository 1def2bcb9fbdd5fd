"""The ``console`` probe: replay a terminal transcript and compare what the commands print.

A transcript (SPEC 1.2)::

    $ systemctl is-active api
    active
    $ curl -s localhost:8080/version \\
    >   | jq -r .version
    ...
    $ ls /var/lib/api
    data
    ...

Lines starting with ``$ `` are commands; a command ending in ``\\`` continues on the next line
(a ``> `` prompt there is dropped). The lines under a command, up to the next ``$ ``, are its
expected output, where ``...`` on a line of its own stands for any number of lines (zero
too). Trailing whitespace and trailing blank lines are ignored on both sides.

Each command runs on its own as ``bash -eo pipefail -c COMMAND`` (so ``cd`` and ``export`` do
not carry over to the next one), in ``context.base_dir``, with no stdin, in its own process
group, and with stderr merged into stdout in the order a terminal shows it; the ``stderr``
subject is therefore always empty. Processes a command leaves running in the background are
killed when it exits. The run stops at the first command that exits non-zero.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass

from ...errors import CheckDefinitionError, ProbeFailure
from ...model import ResolvedCheck
from ...parse.console import ConsoleStep, parse_transcript, trimmed
from ...units import format_duration
from . import READ_CAP_BYTES, Observation, ProbeContext
from .command import run_bash

WILDCARD = "..."


@dataclass(frozen=True)
class StepOutcome:
    step: ConsoleStep
    exit: int
    output: str
    truncated: bool

    @property
    def matches(self) -> bool:
        return output_matches(self.step.expected, self.output.splitlines())


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` lines match ``expected``, where a ``...`` line matches any run of
    lines. Trailing whitespace and trailing blank lines do not count."""
    want, got = trimmed(expected), trimmed(actual)
    # Glob matching over lines: on a mismatch, let the latest ``...`` swallow one more line.
    want_at = got_at = 0
    wildcard_at, resume_at = -1, 0
    while got_at < len(got):
        if want_at < len(want) and _is_wildcard(want[want_at]):
            wildcard_at, resume_at = want_at, got_at
            want_at += 1
        elif want_at < len(want) and want[want_at] == got[got_at]:
            want_at += 1
            got_at += 1
        elif wildcard_at >= 0:
            resume_at += 1
            want_at, got_at = wildcard_at + 1, resume_at
        else:
            return False
    return all(_is_wildcard(line) for line in want[want_at:])


def output_diff(step: ConsoleStep, actual: str) -> str:
    """A unified diff of the expected against the actual output of one command."""
    diff = difflib.unified_diff(
        step.expected,
        trimmed(actual.splitlines()),
        fromfile="expected",
        tofile="actual",
        lineterm="",
    )
    return f"$ {step.command}\n" + "\n".join(diff)


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    if not context.allow_commands:
        raise ProbeFailure(
            "commands are disabled: console blocks run only with `allow_commands: true` in "
            "the runbook settings",
            value="commands disabled",
        )
    try:
        steps = parse_transcript(check.target)
    except CheckDefinitionError as exc:
        raise exc.located(check.spec.page, check.spec.line) from None

    started = time.perf_counter()
    outcomes: list[StepOutcome] = []
    for step in steps:
        outcome = await _run_step(step, context, check)
        outcomes.append(outcome)
        if outcome.exit != 0:
            break
    latency = time.perf_counter() - started

    last = outcomes[-1]
    mismatch = next((outcome for outcome in outcomes if not outcome.matches), None)
    not_run = len(steps) - len(outcomes)
    output = "".join(outcome.output for outcome in outcomes)
    stopped = (
        f"`$ {last.step.command}` exited with {last.exit}; "
        f"{not_run} later command{'s' if not_run != 1 else ''} not run"
        if not_run
        else ""
    )
    notes = [stopped] if stopped else []
    if any(outcome.truncated for outcome in outcomes):
        notes.append(f"output was cut at {READ_CAP_BYTES // (1024 * 1024)} MiB")
    if mismatch is not None:
        value = "output differs"
        # After the notes: the runner shortens the detail once it has masked it.
        notes.append(output_diff(mismatch.step, mismatch.output))
    elif last.exit != 0:
        value = f"exit {last.exit}"
    else:
        value = format_duration(latency)
    return Observation(
        subjects={
            "exit": last.exit,
            "stdout": output[:READ_CAP_BYTES],
            "stderr": "",
            "output_matches": mismatch is None and not_run == 0,
            "latency": latency,
        },
        value=value,
        detail="\n".join(notes),
        misses={"output_matches": _why_output_differs(mismatch, stopped)},
    )


def _why_output_differs(mismatch: StepOutcome | None, stopped: str) -> str:
    if mismatch is not None:
        return f"output differs at `$ {mismatch.step.command}`"
    return stopped or "output differs"


async def _run_step(step: ConsoleStep, context: ProbeContext, check: ResolvedCheck) -> StepOutcome:
    run = await run_bash(step.command, context, merge_stderr=True, environment=check.environment)
    # Killed by a signal: report it the way a shell does (128 + signal number).
    exit_code = run.returncode if run.returncode >= 0 else 128 - run.returncode
    return StepOutcome(
        step=step, exit=exit_code, output=run.stdout.text(), truncated=run.stdout.truncated
    )


def _is_wildcard(line: str) -> bool:
    return line.strip() == WILDCARD
