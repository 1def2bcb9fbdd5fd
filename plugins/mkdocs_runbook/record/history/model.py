"""The history store's plain data (SPEC 10): a run and its result rows going in, what a page,
the status page and the commands need coming out. No I/O here.

"Passing" means ``pass`` or ``warn``: the check's expectations held. A ``skip`` is recorded
(it is one of the marks) but is not a run of the check: it counts neither for nor against a
passing share or an uptime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from ...results import CheckResult, Status

PASSING: frozenset[str] = frozenset({Status.PASS.value, Status.WARN.value})
TRIGGERS: tuple[str, ...] = ("build", "check", "pytest")
#: How many statuses a check's row of marks shows, and how many the flapping mark looks at.
RECENT_MARKS = 20
FLAP_WINDOW = 10
FLAP_CHANGES = 3
#: The windows of the status page's uptime columns, in seconds.
UPTIME_WINDOWS: dict[str, int] = {"24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
#: A stored message is cut here (masking happened before, on the whole text).
MESSAGE_LIMIT = 2048


@dataclass(frozen=True)
class ResultRow:
    """One result as the store keeps it: the fields of SPEC 10, already masked."""

    page: str
    check_id: str
    name: str
    kind: str
    status: str
    value: str
    message: str
    duration_ms: float
    checked_at: str
    attempts: int

    @classmethod
    def from_result(cls, result: CheckResult) -> ResultRow:
        return cls(
            page=result.page,
            check_id=result.id,
            name=result.name,
            kind=result.kind,
            status=result.status.value,
            value=result.value,
            message=result.message[:MESSAGE_LIMIT],
            duration_ms=round(result.duration_ms, 1),
            checked_at=result.checked_at,
            attempts=result.attempts,
        )

    @property
    def passing(self) -> bool:
        return self.status in PASSING


@dataclass
class RunRecord:
    """A run and its results, written in one transaction. ``verified_pages`` are the pages of
    the run whose every check ran in it and passed (or warned): "fully verified"."""

    id: str
    started_at: str
    finished_at: str
    env: str
    zone: str
    trigger: str
    host: str
    commit: str | None
    results: list[ResultRow]
    verified_pages: list[str] = field(default_factory=list)

    @property
    def pages(self) -> list[str]:
        return sorted({row.page for row in self.results})

    def to_dict(self) -> dict[str, Any]:
        data = {key: value for key, value in vars(self).items() if key != "results"}
        data["results"] = [vars(row) for row in self.results]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        fields = {key: data[key] for key in ("id", "started_at", "finished_at", "env", "zone")}
        return cls(
            **fields,
            trigger=str(data["trigger"]),
            host=str(data.get("host", "")),
            commit=data.get("commit"),
            results=[ResultRow(**row) for row in data["results"]],
            verified_pages=list(data.get("verified_pages", [])),
        )


def recorded_results(results: Iterable[CheckResult]) -> list[CheckResult]:
    """What a run adds to history: every result it produced itself; a result reused from the
    cache was recorded by the run that measured it."""
    return [result for result in results if not result.cached]


def contacted_targets(results: Iterable[CheckResult]) -> bool:
    """Whether a probe ran at all (a skipped, broken or cached check makes no attempt)."""
    return any(result.attempts > 0 and not result.cached for result in results)


def verified_pages(
    results: Sequence[CheckResult], expected: Mapping[str, Iterable[str]] | None = None
) -> list[str]:
    """Pages every check of which passed or warned in this run, measured by it (not cached).

    ``expected`` maps a page to all its check ids, for front-ends that ran only some of them
    (pytest's ``-k``); by default a page's checks are the ones in ``results``."""
    by_page: dict[str, dict[str, bool]] = {}
    for result in results:
        ok = not result.cached and result.status.value in PASSING
        by_page.setdefault(result.page, {})[result.id] = ok
    verified = []
    for page, outcomes in by_page.items():
        wanted = set(expected.get(page, ())) if expected is not None else set()
        if all(outcomes.values()) and wanted <= outcomes.keys():
            verified.append(page)
    return sorted(verified)


class Mark(NamedTuple):
    """One past status of a check, for its row of marks (a tuple: a site reads 20,000)."""

    status: str
    checked_at: str


class Share(NamedTuple):
    """Passing runs out of runs (skips not counted); a tuple, as a site reads thousands."""

    passing: int = 0
    runs: int = 0

    def plus(self, passing: bool) -> Share:
        return Share(self.passing + passing, self.runs + 1)

    @property
    def percent(self) -> float | None:
        return None if not self.runs else 100.0 * self.passing / self.runs


@dataclass(frozen=True)
class CheckHistory:
    """What the store knows of one check in one env and zone."""

    recent: tuple[Mark, ...] = ()  # oldest first, at most RECENT_MARKS
    last_passed_at: str | None = None
    uptime: Mapping[str, Share] = field(default_factory=dict)  # by UPTIME_WINDOWS key

    @property
    def share_30d(self) -> Share:
        return self.uptime.get("30d", Share())

    @property
    def status_changes(self) -> int:
        window = [mark.status for mark in self.recent[-FLAP_WINDOW:]]
        return sum(before != after for before, after in pairwise(window))

    @property
    def flapping(self) -> bool:
        return self.status_changes >= FLAP_CHANGES

    def including(self, result: CheckResult, *, measured_here: bool = False) -> CheckHistory:
        """This history with a result of the current run added (the page is rendered before
        the run is recorded). A cached result is in the store already and changes nothing.
        So does a result measured elsewhere that is no newer than the newest mark: another
        zone's result read back from the store (``run: never``), or from a report that zone
        also recorded. A result this run measured (``measured_here``) is always new, even in
        the same second as the newest mark (times are kept to the second)."""
        if result.cached or not result.checked_at:
            return self
        if not measured_here and self.recent and result.checked_at <= self.recent[-1].checked_at:
            return self
        status = result.status.value
        recent = (*self.recent, Mark(status, result.checked_at))[-RECENT_MARKS:]
        passing = status in PASSING
        last_passed = self.last_passed_at
        if passing and (last_passed is None or result.checked_at > last_passed):
            last_passed = result.checked_at
        uptime = dict(self.uptime)
        if status != Status.SKIP.value:
            for window in UPTIME_WINDOWS:
                uptime[window] = uptime.get(window, Share()).plus(passing)
        return replace(self, recent=recent, last_passed_at=last_passed, uptime=uptime)


@dataclass(frozen=True)
class PageHistory:
    """When a page last had a run, and when every one of its checks last passed in one run."""

    last_run_at: str | None = None
    last_verified_at: str | None = None


@dataclass
class SiteHistory:
    """The history a site build needs, read in a few queries: per check and zone for one env,
    per page for one env (any zone). ``zone`` is the run's own."""

    env: str
    zone: str
    checks: dict[tuple[str, str, str], CheckHistory] = field(default_factory=dict)
    pages: dict[str, PageHistory] = field(default_factory=dict)

    def check(self, page: str, check_id: str, zone: str = "") -> CheckHistory:
        """The check's history in ``zone`` (the run's own when not given)."""
        return self.checks.get((page, check_id, zone or self.zone), CheckHistory())

    def page(self, page: str) -> PageHistory:
        return self.pages.get(page, PageHistory())


@dataclass(frozen=True)
class HistoryEntry:
    """One result of one run, for ``runbook history``."""

    run_id: str
    started_at: str
    trigger: str
    zone: str
    host: str
    commit: str | None
    row: ResultRow


@dataclass
class RecordOutcome:
    """What became of a run: recorded, how many spooled runs were written before it, where it
    was spooled instead, and the problems to warn about (at most one per store problem)."""

    recorded: bool = False
    flushed: int = 0
    spooled: Path | None = None
    problems: list[str] = field(default_factory=list)
