"""Terminal output of ``runbook check``: live progress and a coloured table on a terminal,
plain aligned text when piped or under ``CI=true`` (SPEC 7).

What a check or a target says is printed as text, never interpreted: every text goes through
:func:`~mkdocs_runbook.text.printable` (no escape sequence reaches the terminal) and, on a
terminal, into a ``rich`` ``Text`` or a column without markup (``[bold red]`` prints as written).
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from ..record import cached_age
from ..results import CheckResult, Report, Status, sort_failures_first
from ..text import printable

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
    return f"{len(report.checks)} checks in env '{report.env}': {counts or 'none'}"


def _shown_value(check: CheckResult) -> str:
    """``42 ms``, and for a result reused from a cache ``42 ms · 3 min ago``, as badges say."""
    return " · ".join(part for part in (check.value, cached_age(check)) if part)


def print_table(report: Report, *, rich_output: bool, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    checks = sort_failures_first(report.checks)
    if not rich_output:
        for check in checks:
            where = f"{check.page}:{check.line}"
            value = f" · {_shown_value(check)}" if _shown_value(check) else ""
            line = f"{check.status.value:5}  {where:36} {check.name}{value}"
            stream.write(printable(line).replace("\n", " ") + "\n")
            if check.status in (Status.FAIL, Status.ERROR, Status.WARN) and check.message:
                message = printable(check.message).replace("\n", "\n       ")
                stream.write(f"       {message}\n")
        stream.write(printable(_summary_line(report)) + "\n")
        return
    console = Console(file=stream, highlight=False)
    table = Table(show_header=True, header_style="bold", expand=False, box=None, pad_edge=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", overflow="fold", ratio=2)
    table.add_column("value", overflow="ellipsis", no_wrap=True, max_width=24)
    table.add_column("where", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=3)
    for check in checks:
        table.add_row(
            Text(check.status.value, style=STATUS_STYLE[check.status]),
            Text(printable(check.name)),
            Text(printable(_shown_value(check))),
            Text(printable(f"{check.page}:{check.line}"), style="dim"),
            Text(printable(check.message) if check.status is not Status.PASS else ""),
        )
    console.print(table)
    console.print(Text(printable(_summary_line(report)), style="bold"))
