"""A check's HTML written directly: the very bytes ``templates/check.html`` makes.

A site shows a thousand checks, and Jinja spent about a fifth of a millisecond on each (its
macros, loops and attribute lookups), plus compiling the templates in every new build
process. This writes the same markup with ``markupsafe.escape``, the escaping Jinja's
autoescape uses, so every value is escaped exactly as the template escapes it; only
``source_html`` and ``catalog_html`` (highlighted by the plugin) go in as they are.
``templates/check.html`` stays the readable definition of the markup:
``tests/test_check_markup.py`` renders both over many hostile values and requires equal bytes,
so a change to one that is not made to the other fails there.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from markupsafe import escape

from ..results import parse_iso_utc
from ..text import printable
from .history_view import CheckHistoryView

if TYPE_CHECKING:
    from ..results import CheckResult

#: A symbol beside each status word: with every stylesheet removed (Backstage TechDocs keeps
#: only Material's), a status still reads at a glance, not by colour alone.
STATUS_SYMBOLS: dict[str, str] = {"pass": "✓", "warn": "⚠", "fail": "✗", "error": "⊘", "skip": "–"}

#: Material for MkDocs' admonition types, on the Result panel: where only Material's CSS is
#: left (TechDocs), the panel still takes the status's colour and icon.
MATERIAL_ADMONITION_TYPES: dict[str, str] = {
    "pass": "success",
    "warn": "warning",
    "fail": "failure",
    "error": "danger",
    "skip": "note",
}


# What this reads of html.py's AssertionRow, CappedText and CatalogSource (html.py imports
# this module, so it cannot import them).
class _Row(Protocol):
    expected: str
    actual: str
    outcome: str
    severity: str
    message: str


class _Detail(Protocol):
    text: str
    total_bytes: int | None

    @property
    def bytes_shown(self) -> int: ...


class _Catalog(Protocol):
    check_id: str
    location: str


#: Texts up to this long are kept escaped (a bound on what the cache may hold).
_CACHED_LENGTH = 200


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    return str(escape(text))


def _e(value: object) -> str:
    """``value`` escaped as Jinja's autoescape escapes it. Most texts of a page repeat from
    check to check (statuses, times, assertions, the env), so each short one is escaped once."""
    if type(value) is str and len(value) <= _CACHED_LENGTH:
        return _escaped(value)
    return str(escape(value))


def check_markup(
    result: CheckResult,
    *,
    status: str,
    anchor: str,
    zone: str,
    badge_text: str,
    stale: bool,
    source_html: str,
    catalog: _Catalog | None,
    catalog_html: str,
    message: str,
    rows: Sequence[_Row],
    detail: _Detail,
    expanded: bool,
    fold_source: bool,
    history: CheckHistoryView | None,
) -> str:
    """The markup of ``check.html`` for these values (the template's context, one to one)."""
    e = _e
    status_e = e(status)
    anchor_e = e(anchor)
    out = [
        f'<div class="runbook-check runbook-check-{status_e}" id="{anchor_e}">\n'
        '<div class="runbook-check-header">\n'
        f'<a class="runbook-badge" href="#{anchor_e}"><span class="runbook-badge-label">'
        f"{e(printable(result.name))}</span>"
        '<span class="runbook-badge-sep"> | </span>'
        f'<span class="runbook-badge-status runbook-status-{status_e}">'
        f'<span class="runbook-symbol" aria-hidden="true">{e(STATUS_SYMBOLS[status])} </span>'
        f"{e(badge_text)}</span></a>\n"
    ]
    if result.checked_at:
        out.append(_time(result.checked_at) + "\n")
    if result.env:
        out.append(f'<span class="runbook-env">env: {e(result.env)}</span>\n')
    if zone:
        out.append(f'<span class="runbook-zone">zone: {e(zone)}</span>\n')
    if result.cached:
        out.append('<span class="runbook-flag runbook-flag-cached">cached</span>\n')
    if stale:
        out.append('<span class="runbook-flag runbook-flag-stale">stale</span>\n')
    out.append("</div>\n")
    if history:
        out.append(_check_history(history) + "\n")
    source = f"{source_html}\n{_catalog_block(catalog, catalog_html)}\n"
    if not fold_source:
        out.append(source)
    out.append(
        f'<details class="runbook-result runbook-check-{status_e} '
        f'{e(MATERIAL_ADMONITION_TYPES[status])}"'
        f"{' open' if expanded else ''}>\n<summary>Result</summary>\n"
    )
    if message:
        out.append(f'<p class="runbook-message">{e(message)}</p>\n')
    if result.kind or result.target or result.attempts > 1:
        out.append('<p class="runbook-meta">\n')
        if result.kind:
            out.append(f'<span class="runbook-kind">{e(result.kind)}</span>\n')
        if result.target:
            out.append(f'<code class="runbook-target">{e(printable(result.target))}</code>\n')
        if result.attempts > 1:
            out.append(f'<span class="runbook-attempts">{e(result.attempts)} attempts</span>\n')
        out.append("</p>\n")
    if rows:
        out.append(
            '<table class="runbook-table runbook-assertions">\n'
            "<thead><tr><th>Expected</th><th>Actual</th><th>Result</th></tr></thead>\n<tbody>\n"
        )
        out.extend(_row(row) for row in rows)
        out.append("</tbody>\n</table>\n")
    if detail.text:
        out.append(f'<pre class="runbook-detail">{e(detail.text)}</pre>\n')
        if detail.total_bytes:
            out.append(
                f'<p class="runbook-truncated">Showing the first {e(detail.bytes_shown)} of '
                f"{e(detail.total_bytes)} bytes.</p>\n"
            )
    if fold_source:
        out.append(
            '<div class="runbook-source">\n<p class="runbook-source-title">Check source</p>\n'
            f"{source}</div>\n"
        )
    out.append("</details>\n</div>")
    return "".join(out)


def _time(iso: str) -> str:
    return f'<time class="runbook-time" datetime="{_e(iso)}">{_e(readable_time(iso))}</time>'


def _catalog_block(catalog: _Catalog | None, catalog_html: str) -> str:
    if not catalog:
        return ""
    return (
        '<div class="runbook-catalog">\n<p class="runbook-catalog-title">Catalog check '
        f"<code>{_e(catalog.check_id)}</code> from <code>{_e(catalog.location)}</code></p>\n"
        f"{catalog_html}\n</div>\n"
    )


def _row(row: _Row) -> str:
    e = _e
    severity = '<span class="runbook-severity">warn</span> ' if row.severity == "warn" else ""
    message = (
        f' <span class="runbook-assertion-message">{e(row.message)}</span>' if row.message else ""
    )
    outcome = e(row.outcome)
    return (
        f'<tr class="runbook-assertion runbook-assertion-{outcome}">\n'
        f"<td>{severity}<code>{e(row.expected)}</code></td>\n"
        f"<td><code>{e(row.actual)}</code></td>\n"
        f'<td><span class="runbook-chip runbook-outcome-{outcome}">{outcome}</span>{message}</td>\n'
        "</tr>\n"
    )


def _check_history(history: CheckHistoryView) -> str:
    """``_history.html``'s ``check_history`` macro."""
    e = _e
    marks = "".join(
        f'<span class="runbook-mark runbook-status-{e(mark.status)}" role="img" '
        f'aria-label="{e(mark.status)} {e(readable_time(mark.checked_at))}" '
        f'title="{e(mark.status)} · {e(readable_time(mark.checked_at))}">{e(mark.symbol)}</span>'
        for mark in history.marks
    )
    out = [f'<div class="runbook-history">\n<span class="runbook-marks">{marks}</span>\n']
    if not history.passing_now:
        out.append(_last_passed(history) + "\n")
    out.append(
        f'<span class="runbook-share">passed {e(history.uptime_detail["30d"])} in 30 days</span>\n'
    )
    if history.flapping:
        out.append('<span class="runbook-flag runbook-flag-flapping">flapping</span>\n')
    out.append("</div>")
    return "".join(out)


def _last_passed(history: CheckHistoryView) -> str:
    """``_history.html``'s ``last_passed`` macro."""
    if history.last_passed_at:
        at = _e(history.last_passed_at)
        return (
            '<span class="runbook-last-passed">last passed <time class="runbook-time" '
            f'datetime="{at}" title="{_e(readable_time(history.last_passed_at))}">'
            f"{_e(history.last_passed_ago)}</time></span>\n"
        )
    return '<span class="runbook-last-passed runbook-never-passed">never passed</span>\n'


@functools.lru_cache(maxsize=4096)
def readable_time(iso: str) -> str:
    """``2026-11-23 07:41 UTC`` for ``2026-11-23T07:41:03Z``: absolute, since a page built
    today is read tomorrow; the exact instant stays in the ``datetime`` attribute."""
    try:
        return parse_iso_utc(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso
