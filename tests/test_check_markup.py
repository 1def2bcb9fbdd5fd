"""A check's HTML is written without Jinja (``render.check_markup``); ``templates/check.html``
stays the markup's readable definition. Both must give the very same bytes for every result a
site can show: hostile names, values, messages and times, every status, history, catalog,
folded sources, zones, cut details."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_runbook.record.history import Share
from mkdocs_runbook.render import CatalogSource, CheckHistoryView, render_check
from mkdocs_runbook.render.check_markup import check_markup
from mkdocs_runbook.render.history_view import MarkView
from mkdocs_runbook.render.html import _template, check_context
from mkdocs_runbook.results import AssertionResult, CheckResult, Status

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='x",
    "&amp; &lt; &#x3c; &",
    "{{ 7*7 }} {% raw %}",
    "\x1b[31mred\x1b[0m\r\nline\x00nul\x07",
    "ünïcödé ✓ ⚠ 🔥 \u202e\u200b",
    "a" * 3000,
    "",
    "2026-11-23T07:41:03Z",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
TIMES = st.one_of(
    st.sampled_from(["", "2026-11-23T07:41:03Z", "2026-02-31T00:00:00Z", "<b>now</b>"]), TEXT
)
ACTUAL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    TEXT,
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, st.one_of(TEXT, st.integers()), max_size=2),
)
ASSERTIONS = st.builds(
    AssertionResult,
    text=TEXT,
    ok=st.booleans(),
    actual=ACTUAL,
    severity=st.sampled_from(["expect", "warn"]),
    message=TEXT,
)
RESULTS = st.builds(
    CheckResult,
    id=st.one_of(st.sampled_from(["api-ready", "", "x" * 80]), TEXT),
    name=TEXT,
    page=TEXT,
    line=st.integers(min_value=0, max_value=10_000),
    kind=st.one_of(st.sampled_from(["http", "tcp", "run", ""]), TEXT),
    target=TEXT,
    status=st.sampled_from(list(Status)),
    message=TEXT,
    value=TEXT,
    duration_ms=st.floats(min_value=0, max_value=1e7),
    checked_at=TIMES,
    attempts=st.integers(min_value=0, max_value=5),
    assertions=st.lists(ASSERTIONS, max_size=3),
    env=TEXT,
    cached=st.booleans(),
    detail=TEXT,
    zone=st.sampled_from(["", "local", "eu-private"]),
)
MARKS = st.builds(
    MarkView,
    status=st.one_of(st.sampled_from([s.value for s in Status]), TEXT),
    symbol=TEXT,
    checked_at=TIMES,
)
HISTORY = st.builds(
    CheckHistoryView,
    marks=st.lists(MARKS, max_size=4),
    passing_now=st.booleans(),
    last_passed_at=st.one_of(st.none(), TIMES),
    last_passed_ago=TEXT,
    share=st.builds(Share, st.integers(0, 5), st.integers(0, 5)),
    uptime=st.fixed_dictionaries({"24h": TEXT, "7d": TEXT, "30d": TEXT}),
    uptime_detail=st.fixed_dictionaries({"24h": TEXT, "7d": TEXT, "30d": TEXT}),
    flapping=st.booleans(),
)
CATALOGS = st.builds(CatalogSource, check_id=TEXT, location=TEXT, source_html=TEXT)
SOURCES = st.sampled_from(["", '<div class="highlight"><pre><code>x</code></pre></div>', "<b>"])


def _both(context: dict[str, Any]) -> tuple[str, str]:
    return _template("check.html").render(**context), check_markup(**context)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    result=RESULTS,
    source_html=SOURCES,
    stale=st.booleans(),
    fold_source=st.booleans(),
    catalog=st.one_of(st.none(), CATALOGS),
    history=st.one_of(st.none(), HISTORY),
    zone=st.sampled_from(["", "eu-private", "<zone>"]),
    first=st.booleans(),
)
def test_written_markup_is_the_templates_byte_for_byte(
    result: CheckResult,
    source_html: str,
    stale: bool,
    fold_source: bool,
    catalog: CatalogSource | None,
    history: CheckHistoryView | None,
    zone: str,
    first: bool,
) -> None:
    context = check_context(
        result,
        source_html=source_html,
        stale=stale,
        detail=result.detail,
        fold_source=fold_source,
        catalog=catalog,
        history=history,
        zone=zone,
        first=first,
    )
    from_template, written = _both(context)
    assert written == from_template


def test_every_branch_of_the_template_is_compared() -> None:
    """One result that takes every optional part at once, so a part the random results
    rarely reach (a cut detail with history, a folded catalog check) is compared for sure."""
    result = CheckResult(
        id="api-ready",
        name=HOSTILE[1],
        page="ops.md",
        line=3,
        kind="http",
        target=HOSTILE[0],
        status=Status.FAIL,
        message=HOSTILE[5],
        value="503",
        checked_at="2026-11-23T07:41:03Z",
        attempts=3,
        assertions=[
            AssertionResult("status == 200", False, 503, "expect", HOSTILE[2]),
            AssertionResult("$.a == b", False, ["<x>", 1], "warn", ""),
            AssertionResult("latency < 5s", True, 0.042),
        ],
        env="staging",
        cached=True,
        detail="<body>" * 2000,
        zone="eu-private",
    )
    history = CheckHistoryView(
        marks=[MarkView("pass", "✓", "2026-11-22T07:41:03Z"), MarkView("fail", "✗", "<t>")],
        passing_now=False,
        last_passed_at="2026-11-22T07:41:03Z",
        last_passed_ago="1 d ago",
        share=Share(1, 2),
        uptime={"24h": "50%", "7d": "50%", "30d": "50%"},
        uptime_detail={"24h": "1 of 2 runs", "7d": "1 of 2 runs", "30d": "1 of 2 runs"},
        flapping=True,
    )
    catalog = CatalogSource("api-ready", "checks/api.yml:3", "<pre>catalog</pre>")
    for fold_source in (False, True):
        for last_passed_at in ("2026-11-22T07:41:03Z", None):
            shown_history = CheckHistoryView(**{**vars(history), "last_passed_at": last_passed_at})
            context = check_context(
                result,
                source_html="<pre>source</pre>",
                stale=True,
                detail=result.detail,
                fold_source=fold_source,
                catalog=catalog,
                history=shown_history,
                zone="eu-private",
                first=False,
            )
            from_template, written = _both(context)
            assert written == from_template
            assert "runbook-truncated" in written and "runbook-catalog" in written
            assert "<script>" not in written and "<body>" not in written


def test_render_check_is_the_written_markup() -> None:
    result = CheckResult(
        id="a", name="A", page="p.md", line=1, kind="tcp", target="db:5432", status=Status.PASS
    )
    context = check_context(
        result,
        source_html="",
        stale=False,
        detail="",
        fold_source=False,
        catalog=None,
        history=None,
        zone="",
        first=True,
    )
    assert render_check(result, source_html="", stale=False) == _both(context)[0]
