"""Alerts in a site build (``alert_rules``): the box "Alerts that link here" on each page an
alert links to, and the alerts table of the status page.

The MkDocs plugin hands over what MkDocs itself decided: each page's source, output file and
URL, each page's converted HTML (with a placeholder where each check sits) and the build's
results. Nothing here is guessed from the Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..render import AlertLink, AlertRow, render_alert_links, render_alerts_table
from ..results import CheckResult
from .assess import AlertVerdict, LatestResults, Problem, assess
from .outline import CheckMarker, PageOutline, outline_from_html
from .rules import AlertRule, RuleSet, expand_rule_paths, read_rules
from .site import Location, SiteMap, SitePage

__all__ = ["SiteAlerts"]

_ORDER = {problem: rank for rank, problem in enumerate(Problem)}


class SiteAlerts:
    """The alerts of one site build."""

    def __init__(self, rules: RuleSet, site_url: str, missing: Sequence[str] = ()) -> None:
        self.rules = rules
        self.site_url = site_url
        #: Patterns of ``alert_rules`` that matched no file.
        self.missing = list(missing)
        self.site = SiteMap(site_url, [])
        self.locations: dict[AlertRule, Location] = {}
        self.linked: set[str] = set()
        self.outlines: dict[str, PageOutline] = {}

    @classmethod
    def load(cls, patterns: Sequence[str], base_dir: Path, site_url: str) -> SiteAlerts:
        """The rules of ``patterns`` (relative to ``base_dir``); a pattern that matches nothing
        or a file that cannot be read is in ``problems``."""
        files: list[Path] = []
        missing: list[str] = []
        for pattern in patterns:
            try:
                found = expand_rule_paths([pattern], base_dir=base_dir)
            except FileNotFoundError as exc:
                missing.append(str(exc))
                continue
            files += [file for file in found if file not in files]
        return cls(read_rules(files, display_base=base_dir), site_url, missing)

    @property
    def problems(self) -> list[str]:
        return [*self.missing, *(str(error) for error in self.rules.errors)]

    def map_pages(self, pages: Iterable[SitePage]) -> None:
        """Take the site's pages and find the page each alert links to."""
        self.site = SiteMap(self.site_url, pages)
        self.outlines = {}
        self.locations = {
            alert: self.site.locate(alert.runbook_url)
            for alert in self.rules.alerts
            if alert.runbook_url is not None
        }
        self.linked = {
            location.page.src_uri for location in self.locations.values() if location.page
        }

    def add_links_box(self, src_uri: str, html: str, check_of: CheckMarker) -> str:
        """Read a converted page's outline, and put "Alerts that link here" under its title
        when an alert links to the page."""
        if src_uri not in self.linked:
            return html
        outline = outline_from_html(html, check_of)
        self.outlines[src_uri] = outline
        links = [
            AlertLink(
                alert.name,
                alert.severity,
                location.anchor,
                not location.anchor or outline.has_anchor(location.anchor),
            )
            for alert, location in self.locations.items()
            if location.page is not None and location.page.src_uri == src_uri
        ]
        title_end = html.find("</h1>")
        cut = title_end + len("</h1>") if title_end >= 0 else 0
        return html[:cut] + render_alert_links(links) + html[cut:]

    def verdicts(self, results: Iterable[CheckResult], *, stale_after: float) -> list[AlertVerdict]:
        latest = LatestResults(self.site)
        latest.add(results)
        return [
            assess(
                alert,
                self.site,
                lambda page: self.outlines.get(page.src_uri, PageOutline()),
                latest,
                stale_after=stale_after,
            )
            for alert in self.rules.alerts
        ]

    def status_table(
        self,
        results: Iterable[CheckResult],
        *,
        stale_after: float,
        link_for: Callable[[SitePage, str], str],
    ) -> str:
        """The status page's alerts table: problems first, then in rule-file order."""
        verdicts = self.verdicts(results, stale_after=stale_after)
        ordered = sorted(verdicts, key=lambda v: (v.problem is Problem.OK, _ORDER[v.problem]))
        return render_alerts_table([_row(verdict, link_for) for verdict in ordered])


def _row(verdict: AlertVerdict, link_for: Callable[[SitePage, str], str]) -> AlertRow:
    alert = verdict.alert
    page = verdict.page
    linked = page is not None and verdict.problem is not Problem.MISSING_ANCHOR
    anchor = f"#{verdict.anchor}" if verdict.anchor else ""
    return AlertRow(
        name=alert.name,
        severity=alert.severity,
        problem=verdict.problem.value,
        message=verdict.message,
        location=alert.location,
        runbook_url=alert.runbook_url or "",
        runbook=f"{page.src_uri}{anchor}" if page is not None else "",
        href=link_for(page, verdict.anchor) if linked and page is not None else None,
    )
