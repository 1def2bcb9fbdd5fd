"""The HTML the published site shows (SPEC section 6), read back as a tree, not as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from mkdocs_runbook.render import (
    ACTUAL_LIMIT_CHARS,
    anchor_id,
    is_stale,
    latest_checked_at,
    render_check,
    render_page_summary,
    render_status_page,
    stylesheet,
)
from mkdocs_runbook.results import AssertionResult, CheckResult, Status
from test_badges import contrast_ratio, css_palette

CHECKED_AT = "2026-11-23T07:41:03Z"
SOURCE_HTML = (
    '<div class="highlight"><pre><code><span class="nb">curl</span> -sf URL</code></pre></div>'
)
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}"]
VOID_ELEMENTS = {"br", "hr", "img", "input", "link", "meta", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, *, cls: str | None = None) -> list[Element]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
        ]

    def find(self, tag: str | None = None, *, cls: str | None = None) -> Element:
        found = self.find_all(tag, cls=cls)
        assert len(found) == 1, f"expected one <{tag or '*'} class={cls}>, found {len(found)}"
        return found[0]


class TreeBuilder(HTMLParser):
    """Builds an ``Element`` tree and insists that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


def make_result(**overrides: object) -> CheckResult:
    values: dict[str, object] = {
        "id": "api-ready",
        "name": "API ready",
        "page": "ops/api.md",
        "line": 12,
        "kind": "http",
        "target": "GET http://127.0.0.1:8080/readyz",
        "status": Status.PASS,
        "message": "",
        "value": "42 ms",
        "duration_ms": 42.0,
        "checked_at": CHECKED_AT,
        "attempts": 1,
        "assertions": [AssertionResult("status == 200", True, 200)],
        "env": "staging",
    }
    values.update(overrides)
    return CheckResult(**values)  # type: ignore[arg-type]


def render(result: CheckResult, *, stale: bool = False, detail: str = "") -> Element:
    return parse(render_check(result, source_html=SOURCE_HTML, stale=stale, detail=detail))


def status_words(root: Element) -> list[tuple[str, str]]:
    """(status class suffix, first word of the text) of every ``runbook-status-*`` element."""
    found = []
    for element in root.iter():
        for cls in element.classes:
            if cls.startswith("runbook-status-"):
                words = re.findall(r"[a-z]+", element.text)
                found.append((cls.removeprefix("runbook-status-"), words[0]))
    return found


# --- a check -------------------------------------------------------------------------------


def test_check_shows_badge_time_env_and_block() -> None:
    root = render(make_result())

    wrapper = root.find("div", cls="runbook-check")
    assert wrapper.attrs["id"] == "runbook-api-ready"
    badge = wrapper.find("a", cls="runbook-badge")
    assert badge.attrs["href"] == "#runbook-api-ready"
    assert squash(badge.text) == "API ready | ✓ pass · 42 ms"
    assert status_words(badge) == [("pass", "pass")]

    time = wrapper.find("time")
    assert time.attrs["datetime"] == CHECKED_AT
    assert time.text == "2026-11-23 07:41 UTC"
    assert wrapper.find(cls="runbook-env").text == "env: staging"
    assert not wrapper.find_all(cls="runbook-flag")

    # The block comes below the badge line, as the plugin highlighted it.
    header, block = [c for c in wrapper.children if isinstance(c, Element)][:2]
    assert "runbook-check-header" in header.classes
    assert block.classes == ["highlight"]
    assert block.find("span", cls="nb").text == "curl"


@pytest.mark.parametrize("status", list(Status))
def test_status_is_a_word_inside_its_class(status: Status) -> None:
    root = render(make_result(status=status, value=""))
    assert status_words(root) == [(status.value, status.value)]
    assert f"runbook-check-{status.value}" in root.find("div", cls="runbook-check").classes


def test_result_is_closed_for_a_pass() -> None:
    details = render(make_result()).find("details")
    assert "open" not in details.attrs
    assert details.find("summary").text == "Result"


@pytest.mark.parametrize("status", [Status.FAIL, Status.ERROR])
def test_result_is_open_for_fail_and_error(status: Status) -> None:
    assert "open" in render(make_result(status=status)).find("details").attrs


def test_result_lists_each_assertion_with_actual_value() -> None:
    result = make_result(
        status=Status.FAIL,
        value="503",
        message="expected status == 200, got 503",
        attempts=3,
        assertions=[
            AssertionResult("status == 200", False, 503, message="got 503"),
            AssertionResult("$.status in [ok, degraded]", True, "degraded"),
            AssertionResult("$.status == ok", False, "degraded", severity="warn"),
            AssertionResult("$.checks.db == up", True, ["up", "up"]),
            AssertionResult("connected == true", True, True),
            AssertionResult("$.missing exists", False, None),
        ],
    )
    details = render(result).find("details")

    assert details.find("p", cls="runbook-message").text == "expected status == 200, got 503"
    assert details.find(cls="runbook-attempts").text == "3 attempts"
    assert details.find(cls="runbook-target").text == "GET http://127.0.0.1:8080/readyz"
    headers = [th.text for th in details.find("thead").find_all("th")]
    assert headers == ["Expected", "Actual", "Result"]
    rows = [
        [squash(td.text) for td in tr.find_all("td")] for tr in details.find("tbody").find_all("tr")
    ]
    assert rows == [
        ["status == 200", "503", "miss got 503"],
        ["$.status in [ok, degraded]", "degraded", "ok"],
        ["warn $.status == ok", "degraded", "warn"],
        ["$.checks.db == up", "up, up", "ok"],
        ["connected == true", "true", "ok"],
        ["$.missing exists", "—", "miss"],
    ]
    warn_row = details.find("tr", cls="runbook-assertion-warn")
    assert warn_row.find(cls="runbook-severity").text == "warn"
    assert warn_row.find(cls="runbook-outcome-warn").text == "warn"


def test_attempts_are_shown_only_after_a_retry() -> None:
    assert not render(make_result(attempts=1)).find_all(cls="runbook-attempts")


def test_long_actual_value_is_shortened() -> None:
    result = make_result(assertions=[AssertionResult("body contains ok", True, "x" * 5000)])
    actual = render(result).find("tbody").find_all("td")[1].text
    assert len(actual) == ACTUAL_LIMIT_CHARS
    assert actual.endswith("…")


def test_detail_is_escaped_and_capped() -> None:
    spec_shown_bytes = 2048  # SPEC 8: "2 KiB shown"
    detail = "<b>bold</b>\n" + "é" * spec_shown_bytes  # two bytes a character
    html = render_check(make_result(), source_html=SOURCE_HTML, stale=False, detail=detail)
    assert "<b>" not in html
    details = parse(html).find("details")
    shown = details.find("pre", cls="runbook-detail").text
    assert shown.startswith("<b>bold</b>\n")
    assert spec_shown_bytes - 1 <= len(shown.encode()) <= spec_shown_bytes
    assert shown.endswith("é")  # cut between characters, never inside one
    note = details.find(cls="runbook-truncated").text
    assert f"of {len(detail.encode())} bytes" in note


def test_detail_drops_terminal_colours_and_control_characters() -> None:
    detail = "\x1b[31mFAILED\x1b[0m\r\nnext\x00line"
    shown = render(make_result(), detail=detail).find("pre", cls="runbook-detail").text
    assert shown == "FAILED\nnext\ufffdline"


def test_short_detail_has_no_truncation_note() -> None:
    details = render(make_result(), detail="ok").find("details")
    assert details.find("pre").text == "ok"
    assert not details.find_all(cls="runbook-truncated")


def test_stale_and_cached_are_marked() -> None:
    header = render(make_result(cached=True), stale=True).find(cls="runbook-check-header")
    flags = [flag.text for flag in header.find_all(cls="runbook-flag")]
    assert flags == ["cached", "stale"]
    assert header.find(cls="runbook-flag-stale").text == "stale"


def test_check_that_never_ran_has_no_time() -> None:
    root = render(make_result(status=Status.SKIP, checked_at="", value="", assertions=[]))
    assert not root.find_all("time")
    assert not root.find_all("table")


# --- escaping and markup that survives TechDocs --------------------------------------------


def hostile_result(payload: str, status: Status = Status.FAIL) -> CheckResult:
    return CheckResult(
        id=payload,
        name=payload,
        page=payload,
        line=1,
        kind=payload,
        target=payload,
        status=status,
        message=payload,
        value=payload,
        checked_at=payload,
        attempts=2,
        assertions=[
            AssertionResult(payload, False, payload, severity="warn", message=payload),
            AssertionResult(payload, False, {"k": payload}, message=payload),
        ],
        tags=[payload],
        env=payload,
    )


def all_renders(payload: str) -> dict[str, str]:
    results = [hostile_result(payload, status) for status in Status]
    return {
        "check": render_check(results[0], source_html="", stale=True, detail=payload),
        "page summary": render_page_summary(
            results, env=payload, checked_at=payload, status_page_url=payload
        ),
        "status page": render_status_page(
            results, env=payload, started_at=payload, link_for=lambda r: payload
        ),
    }


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_appears_only_escaped(payload: str) -> None:
    for where, html in all_renders(payload).items():
        root = parse(html)
        assert not root.find_all("script"), where
        assert not root.find_all("img"), where
        handlers = [a for e in root.iter() for a in e.attrs if a.startswith("on")]
        assert handlers == [], where
        if "<" in payload:
            assert payload not in html, where
        # The payload survives as text a reader can see, never as evaluated template code.
        assert payload in root.text, where
        assert "49" not in root.text, where


def test_hostile_link_stays_inside_its_attribute() -> None:
    payload = HOSTILE[1]
    root = parse(all_renders(payload)["status page"])
    links = root.find("tbody").find_all("a")
    assert links and all(link.attrs["href"] == payload for link in links)


def test_hostile_id_becomes_a_safe_anchor() -> None:
    result = make_result(id=HOSTILE[1])
    assert re.fullmatch(r"runbook-[a-z0-9-]+", anchor_id(result))


def every_render() -> dict[str, str]:
    results = [make_result(id=f"c-{status.value}", status=status, cached=True) for status in Status]
    renders = {
        f"check {r.status.value}": render_check(r, source_html=SOURCE_HTML, stale=True, detail="x")
        for r in results
    }
    renders["page summary"] = render_page_summary(
        results, env="staging", checked_at=CHECKED_AT, status_page_url="../status/"
    )
    renders["status page"] = render_status_page(
        results, env="staging", started_at=CHECKED_AT, link_for=lambda r: f"x/#{anchor_id(r)}"
    )
    renders["empty status page"] = render_status_page(
        [], env="staging", started_at=CHECKED_AT, link_for=lambda r: ""
    )
    return renders


def test_no_script_no_style_no_inline_style() -> None:
    for where, html in every_render().items():
        root = parse(html)
        assert not root.find_all("script"), where
        assert not root.find_all("style"), where
        styled = [e.tag for e in root.iter() if "style" in e.attrs]
        assert styled == [], where


def test_every_status_class_names_a_status_and_holds_its_word() -> None:
    statuses = {status.value for status in Status}
    for where, html in every_render().items():
        for status, word in status_words(parse(html)):
            assert status in statuses, where
            assert word == status, where


# --- page summary ----------------------------------------------------------------------------


def test_page_summary_counts_when_and_env() -> None:
    results = [
        make_result(id="a", status=Status.PASS),
        make_result(id="b", status=Status.FAIL),
        make_result(id="c", status=Status.PASS),
        make_result(id="d", status=Status.WARN),
    ]
    root = parse(
        render_page_summary(
            results, env="staging", checked_at=CHECKED_AT, status_page_url="../status/"
        )
    )
    summary = root.find("div", cls="runbook-summary")
    # Only statuses that occur, failures first, each word inside its class.
    assert status_words(summary) == [("fail", "fail"), ("warn", "warn"), ("pass", "pass")]
    chips = [squash(chip.text) for chip in summary.find_all(cls="runbook-chip")]
    assert chips == ["1 fail", "1 warn", "2 pass"]
    assert summary.find(cls="runbook-summary-total").text == "4 checks"
    assert summary.find("time").attrs["datetime"] == CHECKED_AT
    assert summary.find(cls="runbook-env").text == "env: staging"
    assert summary.find("a", cls="runbook-summary-link").attrs["href"] == "../status/"
    # Each count links to the first check with that status, in page order.
    links = {squash(a.text): a.attrs["href"] for a in summary.find_all("a", cls="runbook-chip")}
    assert links == {"1 fail": "#runbook-b", "1 warn": "#runbook-d", "2 pass": "#runbook-a"}


def test_page_summary_without_status_page_has_no_link() -> None:
    html = render_page_summary(
        [make_result()], env="local", checked_at=CHECKED_AT, status_page_url=None
    )
    assert not parse(html).find_all("a", cls="runbook-summary-link")


def test_latest_checked_at_is_the_newest() -> None:
    results = [
        make_result(checked_at="2026-11-23T07:41:03Z"),
        make_result(checked_at="2026-11-24T01:00:00Z"),
        make_result(checked_at=""),
    ]
    assert latest_checked_at(results) == "2026-11-24T01:00:00Z"
    assert latest_checked_at([make_result(checked_at="")]) == ""


# --- status page ----------------------------------------------------------------------------


def test_status_page_lists_every_check_failures_first() -> None:
    results = [
        make_result(id="ok", name="Ok", page="a.md", status=Status.PASS, value="12 ms"),
        make_result(id="gone", name="Gone", page="b.md", status=Status.SKIP, value=""),
        make_result(id="down", name="Down", page="b.md", status=Status.FAIL, value="503"),
        make_result(id="broken", name="Broken", page="a.md", status=Status.ERROR, message="no var"),
        make_result(id="slow", name="Slow", page="a.md", status=Status.WARN, value="900 ms"),
    ]
    html = render_status_page(
        results,
        env="prod",
        started_at=CHECKED_AT,
        link_for=lambda r: f"/{r.page.removesuffix('.md')}/#{anchor_id(r)}",
    )
    root = parse(html)
    table = root.find("table", cls="runbook-statuspage-table")
    assert [th.text for th in table.find("thead").find_all("th")] == [
        "Status",
        "Check",
        "Page",
        "Value",
        "Checked",
    ]
    rows = table.find("tbody").find_all("tr")
    assert [status_words(row)[0][1] for row in rows] == ["fail", "error", "warn", "pass", "skip"]
    first = rows[0].find_all("td")
    assert first[1].find("a").attrs["href"] == "/b/#runbook-down"
    assert first[1].find("a").text == "Down"
    assert first[2].text == "b.md"
    assert first[3].text == "503"
    assert first[4].find("time").attrs["datetime"] == CHECKED_AT
    assert rows[1].find(cls="runbook-row-message").text == "no var"
    assert not rows[3].find_all(cls="runbook-row-message")
    summary = root.find("div", cls="runbook-summary")
    assert summary.find(cls="runbook-env").text == "env: prod"
    assert summary.find(cls="runbook-summary-total").text == "5 checks"


def test_empty_status_page_says_so() -> None:
    root = parse(render_status_page([], env="local", started_at="", link_for=lambda r: ""))
    assert not root.find_all("table")
    assert root.find(cls="runbook-empty").text == "No checks found in this site."


def test_status_page_survives_markdown() -> None:
    """The plugin may write the status page into a Markdown page; it must come out whole."""
    results = [make_result(id=s.value, status=s) for s in Status]
    html = render_status_page(
        results, env="local", started_at=CHECKED_AT, link_for=lambda r: f"#{anchor_id(r)}"
    )
    converted = markdown.markdown(f"# Status\n\n{html}\n")
    assert squash(parse(html).text) in squash(parse(converted).text)
    assert len(parse(converted).find("tbody").find_all("tr")) == len(Status)


# --- staleness, anchors, stylesheet ---------------------------------------------------------


NOW = datetime(2026, 11, 24, 7, 41, 3, tzinfo=timezone.utc)
DAY = timedelta(days=1).total_seconds()


@pytest.mark.parametrize(
    ("checked_at", "stale"),
    [
        ("2026-11-23T07:41:02Z", True),  # a day and a second old
        ("2026-11-23T07:41:03Z", False),  # exactly a day: not yet
        ("2026-11-24T07:00:00Z", False),
        ("", False),
        ("yesterday", False),
    ],
)
def test_is_stale(checked_at: str, stale: bool) -> None:
    result = make_result(checked_at=checked_at, cached=True)
    assert is_stale(result, stale_after=DAY, now=NOW) is stale


def test_is_stale_uses_the_current_time_by_default() -> None:
    assert is_stale(make_result(checked_at="2000-01-01T00:00:00Z"), stale_after=DAY)
    assert not is_stale(make_result(checked_at="2999-01-01T00:00:00Z"), stale_after=DAY)


def test_anchor_id() -> None:
    assert anchor_id(make_result(id="api-ready")) == "runbook-api-ready"
    assert anchor_id(make_result(id="api-ready-2")) == "runbook-api-ready-2"
    assert anchor_id(make_result(id="", line=7)) == "runbook-line-7"


def test_stylesheet_styles_every_status_for_material_and_mkdocs_themes() -> None:
    css = stylesheet()
    for status in Status:
        assert f".runbook-status-{status.value}" in css
    for variable in ("--md-default-fg-color", "--md-code-bg-color", "--md-typeset-a-color"):
        assert f"var({variable}" in css
    assert '[data-md-color-scheme="slate"]' in css
    assert '[data-bs-theme="dark"]' in css
    assert "@import" not in css and "url(" not in css  # nothing fetched from elsewhere


# --- in a real browser ----------------------------------------------------------------------


CHROMIUM = Path("/usr/bin/chromium")


def computed_colours(body_attributes: str) -> list[dict[str, str]]:
    """Colours Chromium computes for each check's status part, on a page using the stylesheet."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    checks = "".join(
        render_check(make_result(id=s.value, status=s), source_html="", stale=False) for s in Status
    )
    # The test page carries the stylesheet inline; the plugin links the same text as a file.
    page_html = f"<html><head><style>{stylesheet()}</style></head>"
    page_html += f"<body {body_attributes}>{checks}</body></html>"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page()
            page.set_content(page_html)
            colours: list[dict[str, str]] = page.eval_on_selector_all(
                ".runbook-badge",
                """badges => badges.map(badge => {
                    const part = badge.querySelector('.runbook-badge-status');
                    const sep = badge.querySelector('.runbook-badge-sep');
                    return {
                        text: badge.innerText,
                        bg: getComputedStyle(part).backgroundColor,
                        fg: getComputedStyle(part).color,
                        sep: getComputedStyle(sep).display,
                    };
                })""",
            )
        finally:
            browser.close()
    return colours


def rgb_to_hex(rgb: str) -> str:
    red, green, blue = (int(n) for n in re.findall(r"\d+", rgb)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


LIGHT = ":root"
DARK = '[data-md-color-scheme="slate"]'


@pytest.mark.browser
@pytest.mark.parametrize(
    ("body_attributes", "palette"),
    [("", LIGHT), ('data-md-color-scheme="slate"', DARK), ('data-bs-theme="dark"', DARK)],
)
def test_badges_in_chromium(body_attributes: str, palette: str) -> None:
    expected = css_palette(palette)
    badges = computed_colours(body_attributes)
    # The " | " separator is for readers without the stylesheet; with it, colour separates.
    symbols = {"pass": "✓", "warn": "⚠", "fail": "✗", "error": "⊘", "skip": "–"}
    expected_text = [f"API ready {symbols[s.value]} {s.value} · 42 ms" for s in Status]
    assert [squash(b["text"]) for b in badges] == expected_text
    assert {b["sep"] for b in badges} == {"none"}
    for status, badge in zip(Status, badges, strict=True):
        background, text = rgb_to_hex(badge["bg"]), rgb_to_hex(badge["fg"])
        assert (background, text) == (
            expected[f"{status.value}-bg"],
            expected[f"{status.value}-fg"],
        ), body_attributes
        assert contrast_ratio(background, text) >= 4.5, badge
