"""Markup kept across ``serve`` rebuilds (render/rendered_markup.py): what is reused is exactly
what the template makes for the same inputs, the texts that change with the clock included,
and any change to what a check or a page summary shows renders it again."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mkdocs_runbook import page_checks
from mkdocs_runbook.record.history import CheckHistory, Mark
from mkdocs_runbook.render import (
    CatalogSource,
    CheckHistoryView,
    PageVerification,
    RenderedMarkup,
    check_history_view,
    render_check,
    render_page_summary,
)
from mkdocs_runbook.results import AssertionResult, CheckResult, Status, iso_utc
from mkdocs_runbook.settings import RunbookSettings
from test_render import HOSTILE, SOURCE_HTML, hostile_result, make_result

NOW = datetime(2026, 11, 29, 5, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The time a reused result's age is measured against (``clock[0]``), set by the test."""
    now = [NOW]
    monkeypatch.setattr("mkdocs_runbook.record.badges.utc_now", lambda: now[0])
    return now


def cached(seconds_before_now: float, **overrides: object) -> CheckResult:
    at = iso_utc(NOW - timedelta(seconds=seconds_before_now))
    return make_result(cached=True, checked_at=at, **overrides)


def failing_history(result: CheckResult, last_passed: datetime, now: datetime) -> CheckHistoryView:
    stored = CheckHistory(last_passed_at=iso_utc(last_passed))
    return check_history_view(stored, result, now=now)


def render_both(result: CheckResult, memo: RenderedMarkup, **options: object) -> tuple[str, str]:
    """(the markup rendered directly, the markup through ``memo``)."""
    values: dict[str, object] = {"source_html": SOURCE_HTML, "stale": False, **options}
    return render_check(result, **values), render_check(result, memo=memo, **values)  # type: ignore[arg-type]


def test_reused_markup_is_what_the_template_makes(clock: list[datetime]) -> None:
    memo = RenderedMarkup()
    fail = cached(30, status=Status.FAIL, value="503", message="down")
    history = failing_history(fail, NOW - timedelta(minutes=3), NOW)
    assert history.last_passed_ago == "3 m ago"
    cases: list[tuple[CheckResult, dict[str, object]]] = [
        (make_result(), {}),
        (cached(12), {"stale": True, "zone": "eu", "first": False}),
        (fail, {"history": history, "detail": "<b>answer</b>"}),
        (make_result(), {"catalog": CatalogSource("api", "checks/api.yml:3", "<pre>x</pre>")}),
        *[(hostile_result(payload), {"detail": payload}) for payload in HOSTILE],
        *[(dataclasses.replace(hostile_result(p), cached=True), {}) for p in HOSTILE],
    ]
    # Each its own place on the page, as a site's checks are.
    cases = [
        (dataclasses.replace(result, line=n), options) for n, (result, options) in enumerate(cases)
    ]
    first = [render_both(result, memo, **options) for result, options in cases]
    assert memo.renders == len(cases)
    memo.next_build()
    again = [render_both(result, memo, **options) for result, options in cases]
    assert memo.renders == len(cases), "the second build renders nothing again"
    for (direct, kept), (direct_again, reused) in zip(first, again, strict=True):
        assert kept == direct and reused == direct_again == direct
    assert "12 s ago" in first[1][1] and "last passed" in first[2][1]


def test_a_reused_result_shows_its_age_now(clock: list[datetime]) -> None:
    memo = RenderedMarkup()
    result = cached(5)
    direct, kept = render_both(result, memo)
    assert kept == direct and "pass · 42 ms · 5 s ago<" in kept
    clock[0] = NOW + timedelta(seconds=4)
    memo.next_build()
    direct, reused = render_both(result, memo)
    assert memo.renders == 1, "the same check, only its age changed: reused"
    assert reused == direct and "pass · 42 ms · 9 s ago<" in reused and "5 s ago" not in reused


def test_the_last_pass_shows_its_age_now(clock: list[datetime]) -> None:
    memo = RenderedMarkup()
    result = make_result(status=Status.FAIL, value="503")
    passed = NOW - timedelta(seconds=20)
    earlier = failing_history(result, passed, NOW)
    later = failing_history(result, passed, NOW + timedelta(seconds=40))
    assert (earlier.last_passed_ago, later.last_passed_ago) == ("20 s ago", "1 m ago")
    render_both(result, memo, history=earlier)
    memo.next_build()
    direct, reused = render_both(result, memo, history=later)
    assert memo.renders == 1
    assert reused == direct and ">1 m ago</time>" in reused and "20 s ago" not in reused


@pytest.mark.parametrize(
    "change",
    [
        {"result": {"status": Status.FAIL}},
        {"result": {"value": "43 ms"}},
        {"result": {"message": "slow"}},
        {"result": {"checked_at": "2026-11-29T04:59:58Z"}},
        {"result": {"name": "API up"}},
        {"result": {"target": "GET http://127.0.0.1:8080/livez"}},
        {"result": {"env": "production"}},
        {"result": {"cached": False}},
        {"source_html": "<pre>edited</pre>"},
        {"stale": True},
        {"detail": "more"},
        {"zone": "us"},
        {"fold_source": True},
        {"catalog": CatalogSource("api", "checks/api.yml:3", "<pre>x</pre>")},
        {"history": "marks"},
    ],
    ids=lambda change: next(iter(change)) + "." + "".join(change.get("result", {})),
)
def test_anything_a_check_shows_changes_its_markup(
    clock: list[datetime], change: dict[str, object]
) -> None:
    memo = RenderedMarkup()
    result = cached(70)
    history = check_history_view(CheckHistory(), result, now=NOW)
    options: dict[str, object] = {"history": history}
    before = render_both(result, memo, **options)[1]
    memo.next_build()
    edited = dataclasses.replace(result, **change.pop("result", {}))  # type: ignore[arg-type]
    if change.pop("history", None):
        stored = CheckHistory(recent=(Mark("fail", "2026-11-29T04:00:00Z"),))
        change["history"] = check_history_view(stored, edited, now=NOW)
    direct, after = render_both(edited, memo, **{**options, **change})
    assert memo.renders == 2 and after == direct != before


@pytest.mark.parametrize(
    "before, after", [(1, True), (0, 0.0), ({"a": 1, "b": 2}, {"b": 2, "a": 1})]
)
def test_measured_values_that_compare_equal_but_show_otherwise_render_again(
    clock: list[datetime], before: object, after: object
) -> None:
    """Kept inputs are compared by value: a measured value (any JSON) may equal another that
    shows otherwise (``1`` and ``true``), so its repr is compared too."""
    memo = RenderedMarkup()

    def measured(actual: object) -> CheckResult:
        return make_result(assertions=[AssertionResult("$.up == 1", ok=True, actual=actual)])

    render_both(measured(before), memo)
    memo.next_build()
    direct, reused = render_both(measured(after), memo)
    assert memo.renders == 2 and reused == direct


def test_an_input_holding_a_hole_is_rendered_directly(clock: list[datetime]) -> None:
    memo = RenderedMarkup()
    sneaky = cached(5, message=f"answer: {memo.hole('age')}")
    direct, shown = render_both(sneaky, memo)
    assert shown == direct and memo.renders == 0, "rendered directly, not kept"
    assert f"answer: {memo.hole('age')}" in shown and "5 s ago" in shown


def test_markup_unused_by_a_build_is_dropped() -> None:
    memo = RenderedMarkup()
    one, other = make_result(), make_result(id="other")
    render_both(one, memo)
    memo.next_build()
    render_both(other, memo)
    memo.next_build()
    render_both(one, memo)
    assert memo.renders == 3, "one was not used by the build in between: rendered again"


def test_a_build_makes_each_results_history_view_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check's markup and the status page show the same view of its history: made once."""
    made: list[CheckResult] = []
    original = page_checks.check_history_view

    def counted(
        stored: CheckHistory, result: CheckResult, *, now: datetime, measured_here: bool
    ) -> CheckHistoryView:
        made.append(result)
        return original(stored, result, now=now, measured_here=measured_here)

    monkeypatch.setattr(page_checks, "check_history_view", counted)
    settings = RunbookSettings(base_dir=tmp_path)  # the default SQLite store, empty
    history = page_checks.BuildHistory(settings, started_at=iso_utc(NOW))
    one, other = make_result(), make_result(id="other")
    assert history.check(one) is history.check(one) is not None
    status_page = history.for_status_page([one, other], {}, str)
    assert status_page["history_for"](other) is history.check(other)
    assert history.check(make_result()) == history.check(one), "an equal result: its own view"
    assert [result.id for result in made] == ["api-ready", "other", "api-ready"]


def render_summaries(memo: RenderedMarkup, **options: object) -> tuple[str, str]:
    """A page summary (direct, through ``memo``)."""
    values: dict[str, object] = {
        "results": [make_result(), make_result(id="b", status=Status.FAIL)],
        "env": "staging",
        "checked_at": "2026-11-29T04:59:00Z",
        "status_page_url": "../status/",
        "owner": "team-api",
        "verified": PageVerification("2026-11-29T02:00:00Z", "3 h ago"),
        **options,
    }
    return render_page_summary(**values), render_page_summary(memo=memo, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"results": [make_result()]},
        {"env": "production"},
        {"checked_at": "2026-11-29T05:00:00Z"},
        {"status_page_url": None},
        {"owner": "<b>ops</b>"},
        {"verified": PageVerification(None, "")},
        {"verified": None},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_page_summary_is_reused_with_its_verification_age_now(change: dict[str, object]) -> None:
    memo = RenderedMarkup()
    direct, kept = render_summaries(memo)
    assert kept == direct and ">3 h ago</time>" in kept
    memo.next_build()
    later = PageVerification("2026-11-29T02:00:00Z", "4 h ago")
    direct, reused = render_summaries(memo, verified=later)
    assert memo.renders == 1, "only the age changed"
    assert reused == direct and ">4 h ago</time>" in reused
    direct, edited = render_summaries(memo, **change)
    assert memo.renders == 2 and edited == direct != reused


def test_a_check_rendered_anew_lets_go_of_its_old_markup(clock: list[datetime]) -> None:
    """One markup per place: a serve session whose results all change (its first rebuild
    turns live results into cached ones) does not hold two markups of every check."""
    memo = RenderedMarkup()
    checks = [make_result(id=f"c{n}") for n in range(5)]
    for check in checks:
        render_both(check, memo)
    memo.next_build()
    for check in checks:
        render_both(dataclasses.replace(check, cached=True), memo)
    assert memo.renders == 10 and len(memo) == 5
