"""A page's summary line and the status page written directly: the very bytes
``templates/page_summary.html`` and ``templates/status_page.html`` make.

Every page with checks has a summary, and the status page has a row per check of the site;
through Jinja the status page of a thousand checks cost a tenth of a second of every build.
As in ``check_markup``, every value is escaped with ``markupsafe.escape`` as Jinja's
autoescape escapes it; the templates stay the readable definition of the markup, and
``tests/test_markup_matches_templates.py`` requires equal bytes from both over many hostile
values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..text import printable
from .check_markup import escaped as e
from .check_markup import last_passed_markup, readable_time, time_markup
from .history_view import CheckHistoryView, PageRow

if TYPE_CHECKING:
    from ..results import CheckResult

#: Jinja's ``truncate`` filter as the status page uses it: ``truncate(200)``, whose default
#: leeway is 5 and whose end is ``...``.
_MESSAGE_LENGTH, _LEEWAY, _END = 200, 5, "..."
_WINDOWS = ("24h", "7d", "30d")


def summary_markup(summary: Mapping[str, Any], title: str) -> str:
    """``_macros.html``'s ``summary`` macro."""
    total = summary["total"]
    out = [
        f'<span class="runbook-summary-title">{e(title)}</span>\n'
        f'<span class="runbook-summary-total">{e(total)} '
        f"{e('check' if total == 1 else 'checks')}</span>\n"
    ]
    links = summary["links"]
    for status, count in summary["counts"]:
        chip = f"{e(count)} {e(status)}"
        if status in links:
            out.append(
                f'<a class="runbook-chip runbook-status-{e(status)}" href="{e(links[status])}" '
                f'title="first {e(status)} check on this page">{chip}</a>\n'
            )
        else:
            out.append(f'<span class="runbook-chip runbook-status-{e(status)}">{chip}</span>\n')
    if summary["when"]:
        when = time_markup(summary["when"])
        out.append(f'<span class="runbook-summary-when">checked {when}</span>\n')
    if summary["env"]:
        out.append(f'<span class="runbook-env">env: {e(summary["env"])}</span>\n')
    if summary["zones"]:
        zones = " · ".join(
            f'<span class="runbook-summary-zone"><span class="runbook-zone">zone: {e(zone)}</span>'
            + "".join(
                f' <span class="runbook-status-{e(status)}">{e(count)} {e(status)}</span>'
                for status, count in counts
            )
            + "</span>"
            for zone, counts in summary["zones"]
        )
        out.append(f'<span class="runbook-summary-zones">{zones}</span>\n')
    return "".join(out)


def verified_markup(verified_at: str | None, verified_ago: str) -> str:
    """``_history.html``'s ``verified`` macro."""
    if verified_at:
        return (
            '<span class="runbook-verified">last fully verified <time class="runbook-time" '
            f'datetime="{e(verified_at)}" title="{e(readable_time(verified_at))}">'
            f"{e(verified_ago)}</time></span>\n"
        )
    return '<span class="runbook-verified runbook-never-verified">never fully verified</span>\n'


def page_summary_markup(
    *,
    summary: Mapping[str, Any],
    status_page_url: str | None,
    owner: str,
    history_on: bool,
    verified_at: str | None,
    verified_ago: str,
) -> str:
    """The markup of ``page_summary.html`` for these values (its context, one to one)."""
    out = [f'<div class="runbook-summary">\n{summary_markup(summary, "Checks on this page")}\n']
    if history_on:
        out.append(verified_markup(verified_at, verified_ago) + "\n")
    if owner:
        out.append(f'<span class="runbook-owner">owner: {e(owner)}</span>\n')
    if status_page_url:
        out.append(f'<a class="runbook-summary-link" href="{e(status_page_url)}">All checks</a>\n')
    out.append("</div>")
    return "".join(out)


def status_page_markup(
    *,
    summary: Mapping[str, Any],
    rows: Sequence[tuple[CheckResult, str, CheckHistoryView | None]],
    history_on: bool,
    zoned: bool,
    page_rows: Sequence[PageRow],
) -> str:
    """The markup of ``status_page.html`` for these values (its context, one to one)."""
    out = [
        '<div class="runbook-statuspage">\n<div class="runbook-summary">\n'
        f"{summary_markup(summary, 'All checks')}\n</div>\n"
    ]
    if rows:
        history_heads = (
            "<th>Uptime 24 h</th><th>7 d</th><th>30 d</th><th>Last passed</th>"
            if history_on
            else ""
        )
        out.append(
            '<table class="runbook-table runbook-statuspage-table">\n<thead><tr><th>Status</th>'
            f"<th>Check</th><th>Page</th><th>Value</th><th>Checked</th>{history_heads}</tr></thead>\n"
            "<tbody>\n"
        )
        out.extend(_status_row(*row, history_on=history_on, zoned=zoned) for row in rows)
        out.append("</tbody>\n</table>\n")
    else:
        out.append('<p class="runbook-empty">No checks found in this site.</p>\n')
    if page_rows:
        out.append(
            '<h2 id="runbook-pages-by-owner">Pages by owner</h2>\n'
            '<table class="runbook-table runbook-pages-table">\n'
            "<thead><tr><th>Last fully verified</th><th>Page</th><th>Owner</th></tr></thead>\n"
            "<tbody>\n"
        )
        for row in page_rows:
            owner = f'<span class="runbook-owner">{e(row.owner)}</span>' if row.owner else "—"
            out.append(
                '<tr class="runbook-row">\n'
                f"<td>{verified_markup(row.last_verified_at, row.last_verified_ago)}</td>\n"
                f'<td><a href="{e(row.link)}"><code>{e(row.page)}</code></a></td>\n'
                f"<td>{owner}</td>\n</tr>\n"
            )
        out.append("</tbody>\n</table>\n")
    out.append("</div>")
    return "".join(out)


def _status_row(
    result: CheckResult,
    link: str,
    history: CheckHistoryView | None,
    *,
    history_on: bool,
    zoned: bool,
) -> str:
    status = e(result.status.value)
    flapping = (
        ' <span class="runbook-flag runbook-flag-flapping">flapping</span>'
        if history and history.flapping
        else ""
    )
    zone = f' <span class="runbook-zone">zone: {e(result.zone)}</span>' if zoned else ""
    message = ""
    if result.status.value != "pass" and result.message:
        shown = _truncated(printable(result.message))
        message = f'<br><span class="runbook-row-message">{e(shown)}</span>'
    checked = time_markup(result.checked_at) if result.checked_at else ""
    out = [
        f'<tr class="runbook-row runbook-row-{status}">\n'
        f'<td><span class="runbook-chip runbook-status-{status}">{status}</span>{flapping}</td>\n'
        f'<td><a href="{e(link)}">{e(printable(result.name))}</a>{zone}{message}</td>\n'
        f"<td><code>{e(result.page)}</code></td>\n"
        f"<td>{e(printable(result.value))}</td>\n"
        f"<td>{checked}</td>\n"
    ]
    if history_on:
        if history:
            out.extend(
                f'<td class="runbook-uptime" title="{e(history.uptime_detail[window])}">'
                f"{e(history.uptime[window])}</td>\n"
                for window in _WINDOWS
            )
            passed = (
                '<span class="runbook-last-passed">now</span>'
                if history.passing_now
                else last_passed_markup(history)
            )
            out.append(f"<td>{passed}</td>\n")
        else:
            out.append(
                '<td class="runbook-uptime">—</td><td class="runbook-uptime">—</td>'
                '<td class="runbook-uptime">—</td><td>—</td>\n'
            )
    out.append("</tr>\n")
    return "".join(out)


def _truncated(text: str) -> str:
    """Jinja's ``truncate(200)``: whole words up to 197 characters and ``...``, for a text
    longer than 205."""
    if len(text) <= _MESSAGE_LENGTH + _LEEWAY:
        return text
    return text[: _MESSAGE_LENGTH - len(_END)].rsplit(" ", 1)[0] + _END
