"""History as the site shows it (SPEC 10): a check's row of marks, when it last passed, its
passing share; a page's last full verification and owner; the status page's uptimes and its
pages-by-owner table. Plain view data for the templates; times relative to the build."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..record.history import PASSING, CheckHistory, PageHistory, Share
from ..results import CheckResult, parse_iso_utc
from ..units import format_duration

#: A symbol per status, so a row of marks reads even where our stylesheet is stripped.
MARK_SYMBOLS: dict[str, str] = {"pass": "✓", "warn": "!", "fail": "✗", "error": "‽", "skip": "–"}


@dataclass(frozen=True)
class MarkView:
    status: str
    symbol: str
    checked_at: str


@dataclass(frozen=True)
class CheckHistoryView:
    marks: list[MarkView]
    passing_now: bool
    last_passed_at: str | None
    last_passed_ago: str
    share: Share
    uptime: dict[str, str]  # window -> "96.7%" or "—"
    uptime_detail: dict[str, str]  # window -> "29 of 30 runs"
    flapping: bool


@dataclass(frozen=True)
class PageRow:
    """One row of the status page's pages-by-owner table."""

    page: str
    link: str
    owner: str
    last_verified_at: str | None
    last_verified_ago: str


def check_history_view(
    history: CheckHistory, result: CheckResult, *, now: datetime, measured_here: bool = False
) -> CheckHistoryView:
    """``history`` is the store's, before this run; ``result`` is the one shown now
    (``measured_here``: by this run, rather than read from another's report)."""
    merged = history.including(result, measured_here=measured_here)
    uptime = {window: _percent(share) for window, share in merged.uptime.items()}
    return CheckHistoryView(
        marks=[
            MarkView(mark.status, MARK_SYMBOLS.get(mark.status, "?"), mark.checked_at)
            for mark in merged.recent
        ],
        passing_now=result.status.value in PASSING,
        last_passed_at=merged.last_passed_at,
        last_passed_ago=ago(merged.last_passed_at, now),
        share=merged.share_30d,
        uptime={window: uptime.get(window, "—") for window in ("24h", "7d", "30d")},
        uptime_detail={
            window: runs_text(merged.uptime.get(window, Share())) for window in ("24h", "7d", "30d")
        },
        flapping=merged.flapping,
    )


def page_verified_at(
    history: PageHistory, results: Sequence[CheckResult], *, run_started_at: str
) -> str | None:
    """When the page was last fully verified: by this run if every one of its checks was
    measured by it and passed or warned, else as the store remembers."""
    if results and all(not r.cached and r.status.value in PASSING for r in results):
        return run_started_at
    return history.last_verified_at


def page_rows(rows: Iterable[PageRow]) -> list[PageRow]:
    """Oldest full verification first (never verified before everything), then owner, page."""
    return sorted(rows, key=lambda row: (row.last_verified_at or "", row.owner, row.page))


def runs_text(share: Share) -> str:
    """``29 of 30 runs``; ``no runs`` when nothing was counted."""
    if not share.runs:
        return "no runs"
    return f"{share.passing} of {share.runs} {'run' if share.runs == 1 else 'runs'}"


def ago(iso: str | None, now: datetime) -> str:
    """``3 h ago`` (``just now`` under a second); "" without a time."""
    if not iso:
        return ""
    try:
        seconds = (now - parse_iso_utc(iso)).total_seconds()
    except ValueError:
        return ""
    if seconds < 1:
        return "just now"
    return f"{format_duration(seconds)} ago"


def _percent(share: Share) -> str:
    percent = share.percent
    if percent is None:
        return "—"
    return f"{percent:.1f}".removesuffix(".0") + "%"
