"""The status page's markup kept across ``serve`` rebuilds (render/kept_status_page.py): what is
reused is exactly what ``render_status_page`` makes of the same inputs, the texts that change
with the clock (the build's start, ``last passed … ago``, ``last fully verified … ago``)
included, and any change to what the page shows renders it again."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest

from mkdocs_runbook.record.history import CheckHistory
from mkdocs_runbook.render import PageRow, check_history_view, render_status_page
from mkdocs_runbook.render.history_view import CheckHistoryView
from mkdocs_runbook.render.html import summary_time
from mkdocs_runbook.render.kept_status_page import KeptStatusPage
from mkdocs_runbook.results import CheckResult, Status, iso_utc
from test_render import HOSTILE, hostile_result, make_result

NOW = datetime(2026, 11, 29, 5, 0, 0, tzinfo=timezone.utc)
URLS = {"ops/api.md": "ops/api/", "ops/db.md": "ops/db/"}


def site_results() -> list[CheckResult]:
    return [
        make_result(),
        make_result(id="db", name="DB", page="ops/db.md", status=Status.FAIL, value="refused"),
        make_result(id="queue", line=30, status=Status.WARN, zone="eu"),
    ]


def link_for(result: CheckResult) -> str:
    return f"../{URLS.get(result.page, result.page)}#{result.id}"


def both(
    memo: KeptStatusPage,
    results: Sequence[CheckResult],
    *,
    now: datetime,
    started_at: datetime | None = None,
    pages: Sequence[PageRow] = (),
    env: str = "local",
) -> tuple[str, str]:
    """(the status page rendered directly, the same through ``memo``) at ``now``."""
    views: dict[int, CheckHistoryView] = {}
    for result in results:
        passed = iso_utc(NOW - timedelta(minutes=3))
        views[id(result)] = check_history_view(CheckHistory(last_passed_at=passed), result, now=now)
    options = {
        "env": env,
        "started_at": iso_utc(started_at or now),
        "link_for": link_for,
        "history_for": lambda result: views[id(result)],
        "pages": pages,
    }
    direct = render_status_page(results, **options)  # type: ignore[arg-type]
    return direct, memo.render(results, page_url="status/", urls=URLS, **options)  # type: ignore[arg-type]


def rows(now: datetime) -> list[PageRow]:
    verified = NOW - timedelta(hours=2)
    ago = f"{round((now - verified).total_seconds() / 3600)} h ago"
    return [PageRow("ops/api.md", "../ops/api/", "team-a", iso_utc(verified), ago)]


def test_a_kept_status_page_is_what_the_template_makes_at_each_time() -> None:
    memo = KeptStatusPage()
    results = site_results()
    direct, kept = both(memo, results, now=NOW, pages=rows(NOW))
    assert kept == direct and memo.renders == 1
    later = NOW + timedelta(hours=3, minutes=7)
    direct, reused = both(memo, site_results(), now=later, pages=rows(later))
    assert memo.renders == 1, "only the clock's texts changed"
    assert reused == direct
    assert iso_utc(later) in reused and iso_utc(NOW) not in reused
    assert "3 h ago" in reused and "5 h ago" in reused, "last passed and last verified anew"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Status.ERROR},
        {"name": "DB up"},
        {"message": "slow"},
        {"value": "43 ms"},
        {"checked_at": "2026-11-29T04:59:58Z"},
        {"zone": "us"},
        {"page": "ops/api.md"},
        {"id": "database"},
        {"line": 13},
    ],
    ids=lambda change: next(iter(change)),
)
def test_anything_a_row_shows_renders_the_page_again(change: dict[str, object]) -> None:
    memo = KeptStatusPage()
    before = both(memo, site_results(), now=NOW)[1]
    first, failing, last = site_results()
    edited = [first, dataclasses.replace(failing, **change), last]  # type: ignore[arg-type]
    direct, after = both(memo, edited, now=NOW)
    assert memo.renders == 2 and after == direct
    assert after != before or "line" in change, "a line orders rows; here it moves none"


def test_other_pages_urls_env_or_history_render_the_page_again() -> None:
    memo = KeptStatusPage()
    both(memo, site_results(), now=NOW)
    both(memo, site_results(), now=NOW, env="staging")
    assert memo.renders == 2
    both(memo, site_results(), now=NOW, env="staging", pages=rows(NOW))
    assert memo.renders == 3
    URLS["ops/db.md"] = "ops/database/"
    try:
        direct, after = both(memo, site_results(), now=NOW, env="staging", pages=rows(NOW))
    finally:
        URLS["ops/db.md"] = "ops/db/"
    assert memo.renders == 4 and after == direct


def test_a_row_holding_a_hole_is_rendered_directly() -> None:
    memo = KeptStatusPage()
    sneaky = [make_result(message=f"answer: {memo._holes.hole('p0')}", status=Status.FAIL)]
    direct, shown = both(memo, sneaky, now=NOW)
    assert shown == direct and memo.renders == 0, "rendered directly, not kept"
    assert f"answer: {memo._holes.hole('p0')}" in shown
    hostile = [hostile_result(payload) for payload in HOSTILE]
    direct, kept = both(memo, hostile, now=NOW)
    assert kept == direct and "<script>" not in kept and memo.renders == 1


@pytest.mark.parametrize("started_at", ["2026-11-29T05:00:00Z", 'not a time <b>"&</b>'])
def test_the_summary_time_is_the_markup_the_summary_line_writes(started_at: str) -> None:
    """``summary_time`` is how a kept page finds the time to replace: it must be the very
    markup the template writes, escaping included."""
    markup = render_status_page(
        site_results(), env="local", started_at=started_at, link_for=link_for
    )
    first_time = markup[markup.index("<time") : markup.index("</time>") + len("</time>")]
    assert first_time == summary_time(started_at)
