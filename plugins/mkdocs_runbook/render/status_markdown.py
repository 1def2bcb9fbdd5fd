"""The status page as a Markdown file, for sites built without the plugin (Zensical, TechDocs
with the results route).

Links are Markdown links to the pages' source files (``runbooks/db.md#runbook-api``), which
MkDocs, Zensical and TechDocs all turn into the right URL however they lay pages out; a link
in raw HTML would be rewritten by some of them and not by others. Every text that came from a
result is written as character references, so no name, message or value can become markup.
"""

from __future__ import annotations

import posixpath
import string
from collections.abc import Sequence
from datetime import datetime

from ..results import CheckResult, latest, sort_failures_first
from ..text import printable
from .html import STATUS_SYMBOLS, anchor_id, render_page_summary

_PUNCTUATION = frozenset(string.punctuation)


def inert(text: str, limit: int = 200) -> str:
    """``text`` as Markdown that shows exactly it: one line, every ASCII punctuation character
    a numeric character reference (so no ``|``, ``[``, ``<``, ``*`` or ``http:`` acts)."""
    line = " ".join(printable(text).split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return "".join(f"&#{ord(char)};" if char in _PUNCTUATION else char for char in line)


def status_page_markdown(
    results: Sequence[CheckResult], *, env: str, status_page: str, title: str = "Check status"
) -> str:
    """The page's Markdown: a title, the summary line, and a table of every check (failures
    first) linking to it from ``status_page`` (its path under ``docs_dir``)."""
    here = posixpath.dirname(status_page) or "."
    newest = latest(list(results))
    summary = render_page_summary(
        results,
        env=env,
        checked_at=newest.checked_at if newest is not None else "",
        status_page_url=None,
    )
    lines = [f"# {title}", "", summary.strip(), ""]
    if not results:
        return "\n".join([*lines, "No results to show.", ""])
    lines += ["| Status | Check | Page | Value | Checked |", "|---|---|---|---|---|"]
    for result in sort_failures_first(list(results)):
        status = result.status.value
        chip = (
            f'<span class="runbook-chip runbook-status-{status}">'
            f"{STATUS_SYMBOLS[status]} {status}</span>"
        )
        link = posixpath.relpath(result.page, here) + f"#{anchor_id(result)}"
        check = f"[{inert(result.name)}]({link})"
        if status != "pass" and result.message:
            check += f'<br><span class="runbook-row-message">{inert(result.message)}</span>'
        lines.append(
            f"| {chip} | {check} | `{result.page}` | {inert(result.value)} | "
            f"{_when(result.checked_at)} |"
        )
    return "\n".join([*lines, ""])


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f'<time datetime="{inert(iso)}">{moment.strftime("%Y-%m-%d %H:%M UTC")}</time>'
