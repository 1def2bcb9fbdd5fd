"""The transcript of a ``console`` block (SPEC 1.2): which lines are commands, which are the
output expected under them.

::

    $ systemctl is-active api
    active
    $ curl -s localhost:8080/version \\
    >   | jq -r .version
    ...

Lines starting with ``$ `` are commands; a command ending in ``\\`` continues on the next line
(a ``> `` prompt there is dropped). The lines under a command, up to the next ``$ ``, are its
expected output. ``# expect:``/``# warn:`` lines hold the block's assertions and are neither.
Trailing whitespace and trailing blank lines of the output are ignored.

Resolving reads this structure before any template value is filled in, so a value can never
turn an output line into a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CheckDefinitionError

PROMPT = "$ "
CONTINUATION_PROMPT = "> "
#: ``# expect:``/``# warn:`` lines hold the block's assertions, never expected output.
_ASSERTION_COMMENT = re.compile(r"^\s*#\s*(expect|warn)\s*:")


@dataclass(frozen=True)
class ConsoleStep:
    """One command of a transcript and the output lines written under it."""

    command: str
    expected: list[str]


def parse_transcript(body: str) -> list[ConsoleStep]:
    """The commands of a console block with their expected output.

    Raises ``CheckDefinitionError`` (without a location; the caller knows it) when the block
    has no command or has output before its first command.
    """
    steps: list[ConsoleStep] = []
    lines = iter(body.splitlines())
    for number, line in enumerate(lines, start=1):
        if _ASSERTION_COMMENT.match(line):
            continue
        if line.startswith(PROMPT):
            command = line[len(PROMPT) :].rstrip()
            while command.endswith("\\"):
                following = next(lines, None)
                if following is None:
                    break
                if following.startswith(CONTINUATION_PROMPT):
                    following = following[len(CONTINUATION_PROMPT) :]
                command += "\n" + following.rstrip()
            if command:
                steps.append(ConsoleStep(command=command, expected=[]))
        elif steps:
            steps[-1].expected.append(line.rstrip())
        elif line.strip():
            raise CheckDefinitionError(
                f"console block: line {number} ({line.strip()!r}) comes before the first "
                "command; commands start with '$ '"
            )
    if not steps:
        raise CheckDefinitionError(
            "console block has no command: write each command on a line starting with '$ ' "
            "and its expected output below it"
        )
    return [ConsoleStep(step.command, trimmed(step.expected)) for step in steps]


def transcript_text(steps: list[ConsoleStep]) -> str:
    """``steps`` written back as a transcript that ``parse_transcript`` reads as ``steps``."""
    lines: list[str] = []
    for step in steps:
        lines.append(PROMPT + step.command)
        lines += step.expected
    return "\n".join(lines) + "\n"


def trimmed(lines: list[str]) -> list[str]:
    stripped = [line.rstrip() for line in lines]
    while stripped and not stripped[-1]:
        stripped.pop()
    return stripped
