"""Terminal output of ``runbook check``: live progress and a coloured table on a terminal,
plain aligned text when piped or under ``CI=true`` (SPEC 7).

What a check or a target says is printed as text, never interpreted: every text goes through
:func:`~mkdocs_runbook.text.printable` (no escape sequence reaches the terminal) and, on a
terminal, into a ``rich`` ``Text`` or a column without markup (``[bold red]`` prints as written).
"""

from __future__ import annotations

import os
import re
import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from ..record import cached_age
from ..results import CheckResult, Report, Status, sort_failures_first
from ..settings import DEFAULT_ZONE
from ..text import printable

#: Width of the status column: the longest status and two spaces.
INDENT = 7
#: Narrower than this, a terminal gets this many columns anyway: a table needs some room.
MIN_WIDTH = 40
NAME_LINES = 4
MESSAGE_LINES = 8
#: A console diff or a response excerpt: enough to see what differs without scrolling.
DETAIL_LINES = 12
#: Zero-width points where a long word breaks: after . / , ; = & and before [.
_BREAK_POINTS = re.compile(r"(?<=[./,;=&])|(?=\[)")

STATUS_STYLE: dict[Status, str] = {
    Status.PASS: "bold green",
    Status.WARN: "bold yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.SKIP: "dim",
}


def wants_rich(stream: TextIO) -> bool:
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return stream.isatty() and not ci


class Progress:
    """A live bar of checks done (on stderr, or ``console``); nothing when not ``enabled``."""

    def __init__(self, total: int, *, enabled: bool, console: Console | None = None) -> None:
        self._progress: RichProgress | None = None
        self._task = None
        if enabled and total:
            self._progress = RichProgress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}", markup=False),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
                transient=True,
            )
            self._task = self._progress.add_task("checks", total=total, last="")

    def __enter__(self) -> Progress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, result: CheckResult) -> None:
        if self._progress is not None and self._task is not None:
            last = printable(f"{result.status} {result.name}")
            self._progress.update(self._task, advance=1, last=last)


def _summary_line(report: Report) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in report.summary.items() if n)
    checks = "check" if len(report.checks) == 1 else "checks"
    zone = f", zone '{report.zone}'" if report.zone and report.zone != DEFAULT_ZONE else ""
    return f"{len(report.checks)} {checks} in env '{report.env}'{zone}: {counts or 'none'}"


def _shown_value(check: CheckResult) -> str:
    """``42 ms``, and for a result reused from a cache ``42 ms · 3 min ago``, as badges say."""
    return " · ".join(part for part in (check.value, cached_age(check)) if part)


def print_table(
    report: Report, *, rich_output: bool, stream: TextIO | None = None, width: int | None = None
) -> None:
    """Failures first, a row per check (status, name · value, page:line) with its message
    under it, wrapped to ``width``: the terminal's; when piped, ``$COLUMNS`` if set, else not
    wrapped at all, so a log line stays whole for grep.

    Coloured through rich on a terminal, plain text otherwise: the same lines either way.
    """
    stream = stream or sys.stdout
    console = Console(file=stream, highlight=False, width=width, no_color=not rich_output)
    if width is None:
        width = console.width if rich_output else _columns()
    for check in sort_failures_first(report.checks):
        for line in check_lines(check, max(width, MIN_WIDTH) if width else None):
            if rich_output:
                console.print(line, soft_wrap=True)
            else:
                stream.write(line.plain + "\n")
    summary = Text(_summary_line(report), style="bold")
    if rich_output:
        console.print(summary, soft_wrap=True)
    else:
        stream.write(summary.plain + "\n")


def _columns() -> int | None:
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return columns if columns > 0 else None


def check_lines(check: CheckResult, width: int | None) -> list[Text]:
    """The lines of one check: ``fail   API ready · 503      docs/ops.md:12``, then the
    message (and a console check's diff) indented under it. A name takes at most
    ``NAME_LINES`` lines. ``width`` None: no wrapping, the place two spaces after the name."""
    body = width - INDENT if width else None
    value = _shown_value(check)
    title = printable(check.name) + (f" · {printable(value)}" if value else "")
    where = f"{check.page}:{check.line}"
    status = Text(f"{check.status.value:<{INDENT}}", style=STATUS_STYLE[check.status])
    title_lines = _capped(wrap(title, body), NAME_LINES)
    lines: list[Text] = []
    if body is None:
        lines.append(status + Text(" ".join(title_lines)) + Text("  " + where, style="dim"))
    elif len(title_lines) == 1 and len(title_lines[0]) + 2 + len(where) <= body:
        gap = " " * (body - len(title_lines[0]) - len(where))
        lines.append(status + Text(title_lines[0]) + Text(gap + where, style="dim"))
    else:
        lines.append(status + Text(title_lines[0]))
        lines += [Text(" " * INDENT + more) for more in title_lines[1:]]
        lines.append(Text(" " * INDENT + where, style="dim"))
    if check.status is Status.PASS:
        return lines
    if check.message:
        message = _capped(wrap(printable(check.message), body), MESSAGE_LINES)
        lines += [Text(" " * INDENT + part) for part in message]
    # A console diff is the message's other half; a response excerpt stays on the page.
    if check.detail and check.kind == "console" and check.status in (Status.FAIL, Status.WARN):
        detail = printable(check.detail).splitlines()
        wrapped = [part for line in detail for part in wrap(line, body)]
        lines += [Text(" " * INDENT + part, style="dim") for part in _capped(wrapped, DETAIL_LINES)]
    return lines


def wrap(text: str, width: int | None) -> list[str]:
    """``text`` in lines of at most ``width`` characters (None: its own lines), broken at
    spaces; a word too long for a line (a JSONPath, a URL) is broken after ``.``, ``/``, ``,``
    or ``=``, or before ``[``, and only where none of those helps, anywhere."""
    paragraphs = text.strip().splitlines() or [""]
    if width is None:
        return [paragraph.rstrip() for paragraph in paragraphs]
    return [line for paragraph in paragraphs for line in _wrap_line(paragraph, width)]


def _wrap_line(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\S+\s*", text.strip()) or [""]:
        if len(line) + len(word.rstrip()) <= width:
            line += word
            continue
        if len(word.rstrip()) <= width:  # fits a line of its own: start one
            lines.append(line.rstrip())
            line = word
            continue
        for piece in _pieces(word, width):  # too long for any line: break it where it reads
            if len(line) + len(piece.rstrip()) > width and line:
                lines.append(line.rstrip())
                line = ""
            line += piece
    lines.append(line.rstrip())
    return lines


def _pieces(word: str, width: int) -> list[str]:
    pieces = [p for p in _BREAK_POINTS.split(word) if p]
    return [p[i : i + width] for p in pieces for i in range(0, len(p), width)]


def _capped(lines: list[str], most: int) -> list[str]:
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1].rstrip()[:-1] + "…"]
