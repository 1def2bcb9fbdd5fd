"""Results → what people read: HTML fragments and pages (Jinja2 templates, stylesheet) and
the terminal table."""

from __future__ import annotations

from .alerts import AlertLink, AlertRow, render_alert_links, render_alerts_table
from .html import (
    ACTUAL_LIMIT_CHARS,
    CatalogSource,
    anchor_id,
    check_anchor,
    is_stale,
    latest_checked_at,
    render_check,
    render_page_summary,
    render_status_page,
    stylesheet,
)
from .status_markdown import status_page_markdown
from .terminal import Progress, print_table, wants_rich

__all__ = [
    "ACTUAL_LIMIT_CHARS",
    "AlertLink",
    "AlertRow",
    "CatalogSource",
    "Progress",
    "anchor_id",
    "check_anchor",
    "is_stale",
    "latest_checked_at",
    "print_table",
    "render_alert_links",
    "render_alerts_table",
    "render_check",
    "render_page_summary",
    "render_status_page",
    "status_page_markdown",
    "stylesheet",
    "wants_rich",
]
