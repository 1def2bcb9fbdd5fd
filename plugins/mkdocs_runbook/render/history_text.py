"""``runbook history`` and ``runbook freshness`` as plain text (SPEC 10). Everything shown
came from the store, where it was masked; it may still hold a target's words, so control
characters are replaced before they reach a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from ..record.history import HistoryEntry
from ..text import printable
from ..units import format_duration
from .history_view import ago


@dataclass(frozen=True)
class CheckRuns:
    """One selected check and its recorded results, newest first."""

    page: str
    check_id: str
    name: str
    entries: Sequence[HistoryEntry]


@dataclass(frozen=True)
class PageFreshness:
    page: str
    owner: str
    checks: int
    last_verified_at: str | None
    last_run_at: str | None
    fresh: bool


def print_history(
    checks: Sequence[CheckRuns], *, env: str, since: str, now: datetime, stream: TextIO
) -> None:
    runs = 0
    for check in checks:
        stream.write(f"{printable(check.page)}::{check.check_id}  {printable(check.name)}\n")
        if not check.entries:
            stream.write("  no runs recorded in this period\n")
        for entry in check.entries:
            runs += 1
            row = entry.row
            commit = (entry.commit or "")[:10]
            where = " ".join(
                part for part in (entry.trigger, entry.zone, entry.host, commit) if part
            )
            line = (
                f"  {_readable(row.checked_at)}  {row.status:5}  {printable(row.value):24} "
                f"{printable(where)}"
            )
            stream.write(line.rstrip() + "\n")
            if row.status in ("fail", "error", "warn") and row.message:
                stream.write(f"      {printable(row.message.splitlines()[0])}\n")
    stream.write(
        f"{runs} {'result' if runs == 1 else 'results'} of {len(checks)} "
        f"{'check' if len(checks) == 1 else 'checks'} in env '{env}' since {_readable(since)} "
        f"({ago(since, now)})\n"
    )


def print_freshness(
    pages: Sequence[PageFreshness], *, max_age: float, now: datetime, stream: TextIO
) -> None:
    stale = [page for page in pages if not page.fresh]
    for page in stale:
        if page.last_verified_at:
            when = f"last fully verified {ago(page.last_verified_at, now)}"
        else:
            when = "never fully verified"
        owner = f"  owner: {printable(page.owner)}" if page.owner else ""
        stream.write(f"{printable(page.page):40} {when}{owner}\n")
    age = format_duration(max_age)
    stream.write(
        f"{len(stale)} of {len(pages)} {'page' if len(pages) == 1 else 'pages'} with checks "
        f"not fully verified within {age}\n"
    )


def _readable(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")
