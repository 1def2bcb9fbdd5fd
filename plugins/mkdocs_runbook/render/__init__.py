"""Results → what people read: HTML fragments and pages (Jinja2 templates, stylesheet) and
the terminal table."""

from __future__ import annotations

from .html import (
    ACTUAL_LIMIT_CHARS,
    CatalogSource,
    anchor_id,
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
    "CatalogSource",
    "Progress",
    "anchor_id",
    "is_stale",
    "latest_checked_at",
    "print_table",
    "render_check",
    "render_page_summary",
    "render_status_page",
    "status_page_markdown",
    "stylesheet",
    "wants_rich",
]
