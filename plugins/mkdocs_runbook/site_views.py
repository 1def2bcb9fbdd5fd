"""What a site build shows of its results besides each check's own badge: a page's results put
in place with its summary, results from elsewhere (imported reports, the history), the alerts
box and the status page. The plugin calls these; they keep nothing between calls."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.utils import get_relative_url

from .page_checks import SLOT_RE, SUMMARY_SLOT, BuildHistory, PageState, render_placed_check
from .record import BadgeWriter
from .record.imports import ResultsElsewhere, import_results, report_files
from .render import RenderedMarkup, anchor_id, render_page_summary, render_status_page
from .render.kept_status_page import KeptStatusPage
from .results import CheckResult
from .run import CacheMode
from .settings import RunbookSettings

if TYPE_CHECKING:  # the alerts load only for a site with alert_rules
    from .alerts import SiteAlerts

log = logging.getLogger("mkdocs.plugins.runbook")


def place_page_results(
    output: str,
    state: PageState,
    *,
    page_path: str,
    status_page_url: str | None,
    elsewhere: ResultsElsewhere,
    settings: RunbookSettings,
    started_at: str,
    history: BuildHistory | None,
    badges: BadgeWriter | None,
    memo: RenderedMarkup | None,
) -> str:
    """A rendered page with each check's results where its block sat and the page's summary
    in its place; the page's badge files go to ``badges`` unless they went already
    (``hand_page_badges``). Every check has its result."""
    by_slot = {check.slot: check for check in state.checks}
    zoned = zoned_results(state, elsewhere)

    def swap(match: re.Match[str]) -> str:
        slot = html.unescape(match.group(1))
        check = by_slot.get(slot)
        if check is None or slot not in zoned:
            return ""
        return render_placed_check(
            check,
            zoned[slot],
            display=state.display,
            stale_after=settings.stale_after,
            history=history,
            memo=memo,
        )

    output = SLOT_RE.sub(swap, output)
    results = [shown for each in zoned.values() for shown in each]
    if badges is not None and not state.badges_handed:
        badges.page(results)
    summary = render_page_summary(
        results,
        env=settings.env,
        checked_at=max((r.checked_at for r in results), default=started_at),
        status_page_url=status_page_url,
        owner=state.owner,
        verified=history.page(page_path, results) if history else None,
        memo=memo,
    )
    return output.replace(SUMMARY_SLOT, summary, 1)


def zoned_results(state: PageState, elsewhere: ResultsElsewhere) -> dict[str, list[CheckResult]]:
    """Each check's results to show, every zone's, by slot in page order: placed under the
    block, counted in the summary and written as badge files."""
    return {
        check.slot: elsewhere.shown(check.result)
        for check in state.checks
        if check.result is not None
    }


def hand_page_badges(state: PageState, elsewhere: ResultsElsewhere, badges: BadgeWriter) -> None:
    """The page's badge files to ``badges`` now, ahead of its rendering: its results are in."""
    badges.page([shown for each in zoned_results(state, elsewhere).values() for shown in each])
    state.badges_handed = True


def results_elsewhere(
    patterns: Sequence[str], config_dir: Path, settings: RunbookSettings, *, mode: CacheMode
) -> ResultsElsewhere:
    """Results of other runs to show (SPEC 11): the ``import`` reports and, under
    ``run: never``, the history's newest per check and zone. Problems are logged, each
    naming its file; the rest still show."""
    imported = import_results(report_files(list(patterns), config_dir), env=settings.env)
    for problem in imported.errors:
        log.error("runbook: %s", problem)
    for problem in imported.warnings:
        log.warning("runbook: %s", problem)
    results = imported.results
    if mode == "never" and settings.history is not None:
        from .record.history import read_latest_results

        recorded, problem = read_latest_results(settings)
        if problem:
            log.warning("runbook: history: %s", problem)
        results = [*results, *recorded]
    return ResultsElsewhere.of(results)


def load_alerts(
    settings: RunbookSettings, config_dir: Path, site_url: str | None
) -> SiteAlerts | None:
    """The site's alert rules (SPEC 13), or None without ``alert_rules``; problems logged."""
    if not settings.alert_rules:
        return None
    if not site_url:
        log.warning("alert_rules: set site_url, the address alerts' runbook_url link under")
        return None
    from .alerts import SiteAlerts

    alerts = SiteAlerts.load(settings.alert_rules, config_dir, site_url)
    for problem in alerts.problems:
        log.warning("alert_rules: %s", problem)
    return alerts


def status_page_html(
    page_url: str,
    results: Sequence[CheckResult],
    *,
    pages: Mapping[str, PageState],
    history: BuildHistory,
    elsewhere: ResultsElsewhere,
    settings: RunbookSettings,
    started_at: str,
    alerts: SiteAlerts | None,
    memo: KeptStatusPage | None = None,
) -> str:
    """The status page's tables, for the page at ``page_url``: every check's results (every
    zone's) with links to where each sits, then the alerts' table when the site has rules.
    ``results``: the build's own, one per check. ``memo``: a ``serve`` session's last status
    page, reused when nothing it shows changed."""
    urls = {path: state.url for path, state in pages.items()}
    relative: dict[str, str] = {}  # by page: a thousand checks sit on a few hundred pages

    def link_for(result: CheckResult) -> str:
        link = relative.get(result.page)
        if link is None:
            url = urls.get(result.page, result.page)
            link = relative[result.page] = get_relative_url(url, page_url)
        return f"{link}#{anchor_id(result)}"

    shown = [each for result in results for each in elsewhere.shown(result)]
    views = history.for_status_page(
        shown, pages, lambda path: get_relative_url(urls[path], page_url)
    )
    if memo is None:
        checks = render_status_page(
            shown, env=settings.env, started_at=started_at, link_for=link_for, **views
        )
    else:
        checks = memo.render(
            shown,
            env=settings.env,
            started_at=started_at,
            page_url=page_url,
            urls=urls,
            link_for=link_for,
            **views,
        )
    if alerts is None:
        return checks
    table = alerts.status_table(
        results,
        stale_after=settings.stale_after,
        link_for=lambda target, anchor: (
            get_relative_url(target.url, page_url) + (f"#{anchor}" if anchor else "")
        ),
    )
    return checks + table
