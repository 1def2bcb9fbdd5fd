"""Results → what people read: HTML fragments and pages (Jinja2 templates, stylesheet) and
the terminal table.

The terminal side (``Progress``, ``print_table``, ``wants_rich``) loads on first use: it
imports rich, which only ``runbook check`` and pytest show, never a site build.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .alerts import AlertLink, AlertRow, render_alert_links, render_alerts_table
from .history_view import (
    MARK_SYMBOLS,
    CheckHistoryView,
    PageRow,
    ago,
    check_history_view,
    page_verified_at,
    runs_text,
)
from .html import (
    ACTUAL_LIMIT_CHARS,
    CatalogSource,
    PageVerification,
    anchor_id,
    check_anchor,
    is_stale,
    latest_checked_at,
    render_check,
    render_page_summary,
    render_status_page,
    stylesheet,
)
from .rendered_markup import RenderedMarkup
from .status_markdown import status_page_markdown

if TYPE_CHECKING:
    from .terminal import Progress, print_table, wants_rich

_LAZY: dict[str, str] = {
    "Progress": "terminal",
    "print_table": "terminal",
    "wants_rich": "terminal",
}

__all__ = [
    "ACTUAL_LIMIT_CHARS",
    "MARK_SYMBOLS",
    "AlertLink",
    "AlertRow",
    "CatalogSource",
    "CheckHistoryView",
    "PageRow",
    "PageVerification",
    "Progress",
    "RenderedMarkup",
    "ago",
    "anchor_id",
    "check_anchor",
    "check_history_view",
    "is_stale",
    "latest_checked_at",
    "page_verified_at",
    "print_table",
    "render_alert_links",
    "render_alerts_table",
    "render_check",
    "render_page_summary",
    "render_status_page",
    "runs_text",
    "status_page_markdown",
    "stylesheet",
    "wants_rich",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
