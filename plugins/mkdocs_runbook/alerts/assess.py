"""One alert, one verdict: does its runbook exist, and do the checks that prove it pass
(SPEC 13)?

The problems, in the order they are looked for (the first that applies is the alert's)::

    no-runbook      no runbook_url
    outside-site    the URL is not below site_url
    missing-page    no page of the site has that URL
    missing-anchor  the page exists, the anchor does not
    no-checks       the page has no checks: nothing proves it works
    failing         a check in scope failed or errored in its latest result
    unverified      a check in scope has no result, only a skip, or one older than stale_after
    ok              everything above holds

The checks in scope are those of the anchor's section (from its heading to the next heading of
the same or a higher level) when the anchor is a heading whose section holds checks, else every
check of the page.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from ..render import is_stale
from ..results import STATUS_ORDER, CheckResult, Status, parse_iso_utc
from ..text import counted
from .outline import PageOutline
from .rules import AlertRule
from .site import Location, SiteMap, SitePage

__all__ = [
    "DEFAULT_FAIL_ON",
    "AlertVerdict",
    "CheckState",
    "LatestResults",
    "Problem",
    "assess",
    "parse_problems",
]


class Problem(str, Enum):
    OK = "ok"
    NO_RUNBOOK = "no-runbook"
    OUTSIDE_SITE = "outside-site"
    MISSING_PAGE = "missing-page"
    MISSING_ANCHOR = "missing-anchor"
    NO_CHECKS = "no-checks"
    FAILING = "failing"
    UNVERIFIED = "unverified"

    def __str__(self) -> str:
        return self.value


DEFAULT_FAIL_ON: tuple[Problem, ...] = (
    Problem.NO_RUNBOOK,
    Problem.OUTSIDE_SITE,
    Problem.MISSING_PAGE,
    Problem.MISSING_ANCHOR,
)


def parse_problems(text: str) -> tuple[Problem, ...]:
    """``"missing-page,failing"`` → problems; ``ValueError`` names an unknown one."""
    problems = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            problems.append(Problem(item))
        except ValueError:
            known = ", ".join(problem.value for problem in Problem)
            raise ValueError(f"unknown problem {item!r} (expected one of: {known})") from None
    return tuple(problems)


@dataclass(frozen=True)
class CheckState:
    """A check in an alert's scope and its latest result (``status`` ``None``: no result)."""

    page: str
    id: str
    status: Status | None
    checked_at: str = ""
    stale: bool = False

    @property
    def verified(self) -> bool:
        return self.status is not None and self.status is not Status.SKIP and not self.stale


@dataclass
class AlertVerdict:
    alert: AlertRule
    problem: Problem
    message: str
    page: SitePage | None = None
    anchor: str = ""
    #: True when the checks in scope are the anchor's section, not the whole page.
    section: bool = False
    checks: list[CheckState] = field(default_factory=list)


class LatestResults:
    """The newest result of each check in each zone, keyed by page (its path below docs_dir),
    check id and zone.

    Reports name a page as the run that wrote them knew it: a site build below docs_dir
    (``runbooks/deploy.md``), ``runbook check`` as given on its command line
    (``docs/runbooks/deploy.md``). ``docs_prefixes`` are the ways docs_dir may be written.
    """

    def __init__(self, site: SiteMap, docs_prefixes: Sequence[str] = ()) -> None:
        self.site = site
        self.prefixes = [posixpath.normpath(prefix) for prefix in docs_prefixes if prefix]
        self.latest: dict[tuple[str, str], dict[str, CheckResult]] = {}

    def add(self, results: Iterable[CheckResult]) -> None:
        for result in results:
            page = self._page_of(result.page)
            if page is None:
                continue
            zones = self.latest.setdefault((page, result.id), {})
            known = zones.get(result.zone)
            if known is None or _moment(result) >= _moment(known):
                zones[result.zone] = result

    def get(self, page: str, check_id: str) -> CheckResult | None:
        """The result an alert's runbook is judged by: of the zones that ran the check (a
        zone's ``skip`` counts only when no zone ran it), the worst latest result, and among
        equals the oldest, so that one zone failing or gone quiet shows."""
        zones = self.latest.get((page, check_id))
        if not zones:
            return None
        ran = [r for r in zones.values() if r.status is not Status.SKIP] or list(zones.values())
        return min(ran, key=lambda result: (STATUS_ORDER[result.status], _moment(result)))

    def _page_of(self, written: str) -> str | None:
        page = posixpath.normpath(written.replace("\\", "/"))
        if page in self.site.by_source:
            return page
        for prefix in self.prefixes:
            if page.startswith(prefix + "/") and page[len(prefix) + 1 :] in self.site.by_source:
                return page[len(prefix) + 1 :]
        return None


def _moment(result: CheckResult) -> datetime:
    try:
        return parse_iso_utc(result.checked_at)
    except ValueError:  # no readable time: older than any result that has one
        return datetime.min.replace(tzinfo=timezone.utc)


def assess(
    alert: AlertRule,
    site: SiteMap,
    outline_of: Callable[[SitePage], PageOutline],
    results: LatestResults,
    *,
    stale_after: float,
    now: datetime | None = None,
) -> AlertVerdict:
    """The verdict on one alert. ``outline_of`` is asked only for the page the alert names."""
    if alert.runbook_url is None:
        return AlertVerdict(alert, Problem.NO_RUNBOOK, "the alert has no runbook_url annotation")
    location = site.locate(alert.runbook_url)
    if location.outside:
        message = f"{alert.runbook_url} is not under site_url {site.site_url}"
        return AlertVerdict(alert, Problem.OUTSIDE_SITE, message)
    page = location.page
    if page is None:
        return AlertVerdict(alert, Problem.MISSING_PAGE, _missing_page(location))
    outline = outline_of(page)
    anchor = location.anchor
    if anchor and not outline.has_anchor(anchor):
        message = f"{page.src_uri} has no anchor #{anchor}{_suggestion(anchor, outline)}"
        return AlertVerdict(alert, Problem.MISSING_ANCHOR, message, page, anchor)
    if not outline.checks:
        message = f"{page.src_uri} has no checks: nothing proves the runbook works"
        return AlertVerdict(alert, Problem.NO_CHECKS, message, page, anchor)
    section = outline.section_checks(anchor) if anchor else None
    in_scope = section or outline.checks
    states = [_state(page.src_uri, check, results, stale_after, now) for check in in_scope]
    verdict = AlertVerdict(alert, Problem.OK, "", page, anchor, bool(section), states)
    where = f"section #{anchor}" if section else page.src_uri
    failing = [s for s in states if s.status in (Status.FAIL, Status.ERROR)]
    unverified = [s for s in states if not s.verified]
    if failing:
        verdict.problem = Problem.FAILING
        names = ", ".join(f"{s.id} ({s.status})" for s in failing)
        of_all = f"{len(failing)} of {counted(len(states), 'check')}"
        verdict.message = f"{of_all} in {where} failing: {names}"
    elif unverified:
        verdict.problem = Problem.UNVERIFIED
        names = ", ".join(f"{s.id} ({_why_unverified(s)})" for s in unverified)
        count = f"{len(unverified)} of {counted(len(states), 'check')}"
        verdict.message = f"{count} in {where} unverified: {names}"
    else:
        passing = "passes" if len(states) == 1 else "pass"
        verdict.message = f"{counted(len(states), 'check')} in {where} {passing}"
    return verdict


def _state(
    page: str, check: str, results: LatestResults, stale_after: float, now: datetime | None
) -> CheckState:
    result = results.get(page, check)
    if result is None:
        return CheckState(page, check, None)
    stale = is_stale(result, stale_after=stale_after, now=now)
    return CheckState(page, check, result.status, result.checked_at, stale)


def _why_unverified(state: CheckState) -> str:
    if state.status is None:
        return "no result"
    if state.status is Status.SKIP:
        return "skipped"
    return f"result from {state.checked_at}, stale"


def _missing_page(location: Location) -> str:
    path = location.path or "/"
    return f"no page of the site is published at {path}"


def _suggestion(anchor: str, outline: PageOutline) -> str:
    close = difflib.get_close_matches(anchor, outline.heading_ids, n=1, cutoff=0.6)
    return f" (did you mean #{close[0]}?)" if close else ""
