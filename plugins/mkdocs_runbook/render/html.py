"""HTML for the published site (SPEC section 6): a check's badge and result, a page's
summary, and the status page.

Everything a ``CheckResult`` carries is untrusted (a target's answer can end up in a message
or an actual value), so the Jinja2 environment escapes everything; only ``source_html``, the
block as the plugin highlighted it, is marked safe. The markup needs no script and no inline
style, because Backstage TechDocs strips both: a status is a word in the text inside an
element with the class ``runbook-status-<status>``, and the look comes from ``stylesheet()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, Template
from markupsafe import Markup, escape

from ..readable import readable
from ..record import badge_message, cached_age
from ..results import (
    AssertionResult,
    CheckResult,
    Status,
    parse_iso_utc,
    sort_failures_first,
    summarize,
    utc_now,
)
from ..text import printable, shown_part
from .history_view import CheckHistoryView, PageRow, page_rows
from .rendered_markup import RenderedMarkup
from .template_loader import template_loader

__all__ = [
    "CatalogSource",
    "PageVerification",
    "anchor_id",
    "check_anchor",
    "is_stale",
    "latest_checked_at",
    "render_check",
    "render_page_summary",
    "render_status_page",
    "stylesheet",
]

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

#: An actual value is a table cell; a whole response body belongs in the detail, not there.
ACTUAL_LIMIT_CHARS = 200

_NOT_ANCHOR = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class CappedText:
    """Text cut to a byte budget; ``total_bytes`` is set when something was cut off."""

    text: str
    total_bytes: int | None = None

    @property
    def bytes_shown(self) -> int:
        return len(self.text.encode("utf-8"))

    def shortened(self) -> str:
        """The text with an ellipsis where it was cut, for a message shown inline."""
        return f"{self.text}…" if self.total_bytes else self.text


@dataclass(frozen=True)
class CatalogSource:
    """The catalog check a ``use:`` block stands for; ``source_html`` is trusted (highlighted
    by the plugin from the catalog file)."""

    check_id: str
    location: str
    source_html: str


@dataclass(frozen=True)
class PageVerification:
    """When a page was last fully verified (``None``: never), and how long ago that was."""

    at: str | None
    ago: str


@dataclass(frozen=True)
class AssertionRow:
    """One row of a check's result table."""

    expected: str
    actual: str
    outcome: str  # "ok", "miss" or "warn"
    severity: str
    message: str


def anchor_id(result: CheckResult) -> str:
    """``runbook-api-ready``: the id of the check's wrapper, unique per page like the check id."""
    return check_anchor(result.id, result.line)


def check_anchor(check_id: str, line: int = 0) -> str:
    """The wrapper id of the check ``check_id`` (at ``line``, for an id with no usable letter)."""
    return f"runbook-{_slug(check_id) or f'line-{line}'}"


def _slug(text: str) -> str:
    return _NOT_ANCHOR.sub("-", text.lower()).strip("-")


def is_stale(result: CheckResult, *, stale_after: float, now: datetime | None = None) -> bool:
    """Whether the result was measured more than ``stale_after`` seconds before ``now``.

    Only age counts, not the ``cached`` flag: a result read back from another machine's report
    is just as old as its ``checked_at`` says. A result without a readable time is not stale.
    """
    if not result.checked_at:
        return False
    try:
        checked_at = parse_iso_utc(result.checked_at)
    except ValueError:
        return False
    age = ((now or utc_now()) - checked_at).total_seconds()
    return age > stale_after


def latest_checked_at(results: Sequence[CheckResult]) -> str:
    """The newest ``checked_at`` of ``results`` ("" when none ran): a page summary's time."""
    # ISO 8601 UTC with a Z sorts as text in time order.
    return max((result.checked_at for result in results if result.checked_at), default="")


def render_check(
    result: CheckResult,
    *,
    source_html: str,
    stale: bool,
    detail: str = "",
    fold_source: bool = False,
    catalog: CatalogSource | None = None,
    history: CheckHistoryView | None = None,
    zone: str = "",
    first: bool = True,
    memo: RenderedMarkup | None = None,
) -> str:
    """The badge line, the check's history (when the site keeps one), the block itself
    (``source_html``, trusted) and the collapsible result.

    ``detail`` is what the target answered (a response excerpt, a console diff): untrusted,
    escaped and capped to ``text.SHOWN_BYTES``. ``fold_source`` puts the block (and the
    ``catalog`` check a ``use:`` stands for) inside the Result panel instead of above it.
    ``zone`` names the zone the result is from when a check shows several (SPEC 11); every
    one but the ``first`` gets an anchor of its own, suffixed with its zone. With ``memo``
    (a ``serve`` session's), the markup of the last build is reused when nothing it shows
    changed.
    """
    # The texts that change with the clock: a kept markup has them filled in anew.
    texts = {
        "age": cached_age(result),
        "last_passed_ago": history.last_passed_ago if history else "",
    }

    def make(shown: Mapping[str, str]) -> str:
        anchor = anchor_id(result) if first else f"{anchor_id(result)}-{_slug(zone)}"
        return _template("check.html").render(
            result=result,
            fold_source=fold_source,
            catalog=catalog,
            catalog_html=Markup(catalog.source_html) if catalog else "",
            status=result.status.value,
            anchor=anchor,
            zone=zone,
            badge_text=badge_message(result.status, result.value, shown["age"]),
            stale=stale,
            source_html=Markup(source_html),
            message=_cap(result.message).shortened(),
            rows=[_assertion_row(assertion) for assertion in result.assertions],
            detail=_cap(detail),
            expanded=result.status in (Status.FAIL, Status.ERROR),
            history=_with_last_passed_ago(history, shown["last_passed_ago"]),
        )

    if memo is None:
        return make(texts)
    inputs = {
        "result": result,
        # Measured values may compare equal and show otherwise (1 and true): by their repr too.
        "actuals": [repr(assertion.actual) for assertion in result.assertions],
        "source_html": source_html,
        "stale": stale,
        "detail": detail,
        "fold_source": fold_source,
        "catalog": catalog,
        "history": replace(history, last_passed_ago="") if history else None,
        "zone": zone,
        "first": first,
    }
    place = ("check", result.page, result.id, result.line, zone, first)
    return memo.render("check.html", inputs, texts, make, place=place)


def render_page_summary(
    results: Sequence[CheckResult],
    *,
    env: str,
    checked_at: str,
    status_page_url: str | None,
    owner: str = "",
    verified: PageVerification | None = None,
    memo: RenderedMarkup | None = None,
) -> str:
    """The line at the top of a page with checks: counts by status, when, which environment,
    its owner (front matter) and, with history, when it was last fully verified. ``memo`` as
    for ``render_check``."""
    texts = {"verified_ago": verified.ago if verified is not None else ""}

    def make(shown: Mapping[str, str]) -> str:
        summary = _summary_context(results, env=env, when=checked_at)
        # Each count links to the first check with that status, in page order.
        summary["links"] = {}
        for result in results:
            summary["links"].setdefault(result.status.value, f"#{anchor_id(result)}")
        return _template("page_summary.html").render(
            summary=summary,
            status_page_url=status_page_url,
            owner=printable(owner),
            history_on=verified is not None,
            verified_at=verified.at if verified is not None else None,
            verified_ago=shown["verified_ago"],
        )

    if memo is None:
        return make(texts)
    inputs = {
        "results": results,
        "env": env,
        "checked_at": checked_at,
        "status_page_url": status_page_url,
        "owner": owner,
        "verified_at": verified.at if verified is not None else None,
        "history_on": verified is not None,
    }
    place = ("summary", *sorted({result.page for result in results}))
    return memo.render("page_summary.html", inputs, texts, make, place=place)


def render_status_page(
    results: Sequence[CheckResult],
    *,
    env: str,
    started_at: str,
    link_for: Callable[[CheckResult], str],
    history_for: Callable[[CheckResult], CheckHistoryView] | None = None,
    pages: Sequence[PageRow] = (),
) -> str:
    """The body of the generated status page: every check of the site, failures first, with
    uptimes, last pass and flapping when the site keeps history; then its pages by owner,
    oldest full verification first."""
    ordered = sort_failures_first(list(results))
    return _template("status_page.html").render(
        summary=_summary_context(results, env=env, when=started_at),
        rows=[
            (result, link_for(result), history_for(result) if history_for else None)
            for result in ordered
        ],
        history_on=history_for is not None,
        # Results from several zones (SPEC 11): each row says which.
        zoned=len({result.zone for result in results}) > 1,
        page_rows=page_rows(pages) if history_for is not None else [],
    )


def summary_time(iso: str) -> str:
    """The ``<time>`` a summary line shows for ``iso``: the markup ``_macros.html``'s
    ``summary`` writes (tests/test_kept_status_page.py holds the two together)."""
    return (
        f'<time class="runbook-time" datetime="{escape(iso)}">{escape(_readable_time(iso))}</time>'
    )


def stylesheet() -> str:
    """The CSS every rendered fragment relies on; the plugin links it as an extra stylesheet."""
    return (
        # One name per joinpath: Python 3.10's Traversable takes no more.
        files("mkdocs_runbook.render")
        .joinpath("assets")
        .joinpath("runbook.css")
        .read_text(encoding="utf-8")
    )


@cache
def _environment() -> Environment:
    return template_environment(template_loader())


def template_environment(loader: BaseLoader) -> Environment:
    """The environment every template renders in (and is compiled in: its filters must be
    known then), loading from ``loader``."""
    environment = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are package files: no need to look at them again on every render.
        auto_reload=False,
    )
    environment.filters["readable_time"] = _readable_time
    environment.filters["printable"] = printable
    environment.globals["symbols"] = STATUS_SYMBOLS
    environment.globals["material_types"] = MATERIAL_ADMONITION_TYPES
    # The shared macros, as globals of every template: a `{% from … import %}` in a template
    # looks its module up again at every render (twice per check: a tenth of a check's
    # rendering). The same macros, imported once, without context, as such an import is.
    for template, name, alias in (
        ("_macros.html", "summary", "summary_line"),
        ("_history.html", "last_passed", "last_passed"),
        ("_history.html", "verified", "verified"),
    ):
        environment.globals[alias] = getattr(environment.get_template(template).module, name)
    return environment


@cache
def _template(name: str) -> Template:
    # Kept: the environment's own lookup (its cache's lock and order) costs a cached build of
    # a thousand checks about 8 ms, and its templates never change (``auto_reload=False``).
    return _environment().get_template(name)


def _summary_context(results: Sequence[CheckResult], *, env: str, when: str) -> dict[str, Any]:
    counts = summarize(list(results))
    by_zone: dict[str, list[CheckResult]] = {}
    for result in results:
        by_zone.setdefault(result.zone, []).append(result)
    return {
        "total": len(results),
        "counts": [(status, count) for status, count in counts.items() if count],
        "env": env,
        "when": when,
        "links": {},
        # Results from several zones (SPEC 11): each zone's counts too, in zone order.
        "zones": [
            (zone, [(status, n) for status, n in summarize(zoned).items() if n])
            for zone, zoned in sorted(by_zone.items())
        ]
        if len(by_zone) > 1
        else [],
    }


def _with_last_passed_ago(history: CheckHistoryView | None, text: str) -> CheckHistoryView | None:
    if history is None or history.last_passed_ago == text:
        return history
    return replace(history, last_passed_ago=text)


def _assertion_row(assertion: AssertionResult) -> AssertionRow:
    # A missed warn assertion does not fail the check, so it reads "warn", not "miss".
    outcome = "ok" if assertion.ok else "warn" if assertion.severity == "warn" else "miss"
    return AssertionRow(
        expected=printable(assertion.text),
        actual=_format_actual(assertion.actual),
        outcome=outcome,
        severity=assertion.severity,
        message=_cap(assertion.message).shortened(),
    )


def _format_actual(actual: object) -> str:
    """A measured value as text (``readable``), cut to fit a table cell."""
    text = printable(readable(actual))
    if len(text) <= ACTUAL_LIMIT_CHARS:
        return text
    return text[: ACTUAL_LIMIT_CHARS - 1] + "…"


def _cap(text: str) -> CappedText:
    text = printable(text)
    shown = shown_part(text)
    return CappedText(shown, None if shown == text else len(text.encode("utf-8")))


@lru_cache(maxsize=4096)
def _readable_time(iso: str) -> str:
    """``2026-11-23 07:41 UTC`` for ``2026-11-23T07:41:03Z``: absolute, since a page built
    today is read tomorrow; the exact instant stays in the ``datetime`` attribute."""
    try:
        return parse_iso_utc(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso
