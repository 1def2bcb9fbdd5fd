"""HTML for alerts (SPEC 13): "Alerts that link here" on a runbook page, and the alerts table
of the status page.

Alert names, labels, anchors and URLs come from rule files: the templates escape all of them,
a rule's ``runbook_url`` is shown as text and never becomes a link (only links this site made,
to its own pages, are ``href``s), and a label becomes a class only as ``[a-z0-9-]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .html import _template

__all__ = ["AlertLink", "AlertRow", "render_alert_links", "render_alerts_table"]

_NOT_CLASS = re.compile(r"[^a-z0-9-]+")


def _token(text: str) -> str:
    """``critical`` → ``critical``; anything else reduced to a safe class-name part."""
    return _NOT_CLASS.sub("-", text.lower()).strip("-") or "none"


@dataclass(frozen=True)
class AlertLink:
    """An alert whose ``runbook_url`` names this page (``anchor``: its fragment, or ``""``)."""

    name: str
    severity: str
    anchor: str
    anchor_found: bool

    @property
    def severity_class(self) -> str:
        return _token(self.severity)


@dataclass(frozen=True)
class AlertRow:
    """One alert on the status page: its problem, and the runbook it links to. ``href`` is a
    link to the page (and anchor) on this site, ``None`` when the alert names none."""

    name: str
    severity: str
    problem: str
    message: str
    location: str
    runbook_url: str
    runbook: str
    href: str | None

    @property
    def severity_class(self) -> str:
        return _token(self.severity)

    @property
    def problem_class(self) -> str:
        return _token(self.problem)


def render_alert_links(links: Sequence[AlertLink]) -> str:
    """The "Alerts that link here" box of a runbook page."""
    return _template("alert_links.html").render(links=links)


def render_alerts_table(rows: Sequence[AlertRow]) -> str:
    """The status page's table of alerts, in the order given."""
    return _template("alerts_table.html").render(rows=rows)
