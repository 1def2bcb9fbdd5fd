"""A check's HTML, a page's summary and the status page are written without Jinja
(``render.check_markup``, ``render.page_markup``); the templates stay the markup's readable
definition. Both must give the very same bytes for everything a site can show: hostile names,
values, messages and times, every status, history, catalog, folded sources, zones, cut
details, long messages."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_runbook.record.history import Share
from mkdocs_runbook.render import (
    CatalogSource,
    CheckHistoryView,
    PageRow,
    PageVerification,
    render_check,
    render_page_summary,
    render_status_page,
)
from mkdocs_runbook.render.check_markup import check_markup
from mkdocs_runbook.render.history_view import MarkView
from mkdocs_runbook.render.html import (
    _template,
    check_context,
    page_summary_context,
    status_page_context,
)
from mkdocs_runbook.render.page_markup import page_summary_markup, status_page_markup
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


MESSAGES = st.one_of(
    TEXT,
    st.lists(st.sampled_from(["word", "<b>", "&", " ", "  ", "x" * 30, "ü"]), max_size=80).map(
        "".join
    ),
)
VERIFIED = st.one_of(
    st.none(), st.builds(PageVerification, at=st.one_of(st.none(), TIMES), ago=TEXT)
)
PAGE_ROWS = st.lists(
    st.builds(
        PageRow,
        page=TEXT,
        link=TEXT,
        owner=TEXT,
        last_verified_at=st.one_of(st.none(), TIMES),
        last_verified_ago=TEXT,
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    results=st.lists(RESULTS, max_size=6),
    env=TEXT,
    checked_at=TIMES,
    status_page_url=st.one_of(st.none(), TEXT),
    owner=TEXT,
    verified=VERIFIED,
)
def test_page_summary_markup_is_the_templates_byte_for_byte(
    results: list[CheckResult],
    env: str,
    checked_at: str,
    status_page_url: str | None,
    owner: str,
    verified: PageVerification | None,
) -> None:
    context = page_summary_context(
        results,
        env=env,
        checked_at=checked_at,
        status_page_url=status_page_url,
        owner=owner,
        verified=verified,
    )
    from_template = _template("page_summary.html").render(**context)
    assert page_summary_markup(**context) == from_template


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    results=st.lists(RESULTS, max_size=6),
    messages=st.lists(MESSAGES, min_size=6, max_size=6),
    env=TEXT,
    started_at=TIMES,
    links=st.lists(TEXT, min_size=6, max_size=6),
    histories=st.one_of(st.none(), st.lists(st.one_of(st.none(), HISTORY), min_size=6, max_size=6)),
    pages=PAGE_ROWS,
)
def test_status_page_markup_is_the_templates_byte_for_byte(
    results: list[CheckResult],
    messages: list[str],
    env: str,
    started_at: str,
    links: list[str],
    histories: list[CheckHistoryView | None] | None,
    pages: list[PageRow],
) -> None:
    for result, message in zip(results, messages, strict=False):
        result.message = message  # long ones, with spaces where truncate(200) cuts
    by_result = {id(result): number for number, result in enumerate(results)}

    def history_for(result: CheckResult) -> CheckHistoryView:
        assert histories is not None
        # A check without history shows dashes: the template allows it, so compare it too.
        return histories[by_result[id(result)]]  # type: ignore[return-value]

    context = status_page_context(
        results,
        env=env,
        started_at=started_at,
        link_for=lambda result: links[by_result[id(result)]],
        history_for=history_for if histories is not None else None,
        pages=pages,
    )
    from_template = _template("status_page.html").render(**context)
    assert status_page_markup(**context) == from_template


def test_page_renderers_are_the_written_markup() -> None:
    result = CheckResult(
        id="a", name="A", page="p.md", line=1, kind="tcp", target="db", status=Status.FAIL
    )
    context = page_summary_context(
        [result], env="local", checked_at="", status_page_url="s/", owner="sre", verified=None
    )
    assert render_page_summary(
        [result], env="local", checked_at="", status_page_url="s/", owner="sre"
    ) == _template("page_summary.html").render(**context)
    page = status_page_context(
        [result], env="local", started_at="", link_for=lambda r: "#a", history_for=None, pages=[]
    )
    assert render_status_page(
        [result], env="local", started_at="", link_for=lambda r: "#a"
    ) == _template("status_page.html").render(**page)


def test_status_messages_are_cut_as_jinjas_truncate_cuts_them() -> None:
    """Messages around the cut (200 characters, 5 of leeway), with and without spaces."""
    results = [
        CheckResult(
            id=f"c{length}-{spaced}",
            name="n",
            page="p.md",
            line=1,
            kind="http",
            target="t",
            status=Status.FAIL,
            message=(("word " * 60) if spaced else "x" * 300)[:length],
        )
        for length in range(190, 216)
        for spaced in (False, True)
    ]
    context = status_page_context(
        results, env="", started_at="", link_for=lambda r: "#", history_for=None, pages=[]
    )
    written = status_page_markup(**context)
    assert written == _template("status_page.html").render(**context)
    assert "..." in written
