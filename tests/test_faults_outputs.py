"""The fault suite for outputs (issue 13 §4–6): outputs that break, a cache that misleads,
tests that would not notice.

- Targets of every kind answer with escape sequences, control characters, a lone surrogate
  and markup; a check's name carries the same; some pages are not UTF-8. The real front-ends
  run on them (``runbook check`` piped and on a terminal, ``mkdocs build``, ``pytest
  --runbook``), and every output is searched (``output_search``): every XML file parses, no
  markup from a target is markup again, no escape sequence reaches a terminal or a file.
- A malformed, truncated, foreign or huge cache file never stops a build or ``serve``; a
  reused result is keyed by definition, env and (an HMAC of) its secrets, and says its age.
- ``per_host`` and ``concurrency`` are proved by counting requests in flight, and the caps
  with the numbers of the SPEC (1 MiB read after decoding, 2 KiB shown).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import re
import stat
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from hostile_project import SCRIPTS, UNREADABLE_PAGES, HostileProject, Run
from inflight import InFlightCounter, InFlightServer
from mkdocs_runbook.engine import collect, make_runner, run_checks
from mkdocs_runbook.model import ResolvedCheck
from mkdocs_runbook.record import badge_svg, cached_age, junit_xml, shields_endpoint
from mkdocs_runbook.render import Progress, print_table, render_check
from mkdocs_runbook.results import (
    AssertionResult,
    CheckResult,
    Report,
    RunOutcome,
    Status,
    iso_utc,
    utc_now,
)
from mkdocs_runbook.run import ResultCache
from mkdocs_runbook.settings import RunbookSettings
from mkdocs_runbook.text import html_safe_json, printable
from output_search import (
    Output,
    markup_problems,
    occurrences,
    outputs_under,
    terminal,
    terminal_problems,
)
from servers import RouteServer

#: SPEC 8: "1 MiB read after decoding any content encoding, 2 KiB shown".
SPEC_READ_BYTES = 1024 * 1024
SPEC_SHOWN_BYTES = 2 * 1024

_SGR = re.compile(r"\x1b\[[0-9;]*m")


# == 4. Outputs that break ==========


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run | Path]]:
    """Every front-end once over the hostile project; what each printed, and the project."""
    with HostileProject(tmp_path_factory.mktemp("hostile") / "project") as project:
        project.http.route("/never", body="ok")
        latin1 = project.root / "docs" / "latin1.md"
        latin1.write_bytes(latin1.read_bytes().replace(b"/ok", b"/never"))
        runs: dict[str, Run | Path] = {
            "check": project.run("runbook", "check", "-o", "check-report.json"),
            "check-junit": project.run(
                "runbook", "check", "--format", "junit", "-o", "check-junit.xml"
            ),
            "check-json": project.run("runbook", "check", "--format", "json"),
            "list": project.run("runbook", "list"),
            "check-terminal": project.run_on_terminal("runbook", "check"),
            "build": project.run("mkdocs", "build"),
            "pytest": project.run(
                "pytest", "-p", "no:cacheprovider", "--runbook", "docs",
                "--junitxml", "pytest-junit.xml", "-rA",
            ),
        }  # fmt: skip
        runs["root"] = project.root
        runs["never-hits"] = project.root / "never-hits"
        runs["never-hits"].write_text(str(project.http.hits["/never"]))
        yield runs


def _run(hostile: dict[str, Run | Path], name: str) -> Run:
    run = hostile[name]
    assert isinstance(run, Run)
    return run


def _root(hostile: dict[str, Run | Path]) -> Path:
    root = hostile["root"]
    assert isinstance(root, Path)
    return root


def _all_outputs(hostile: dict[str, Run | Path]) -> list[Output]:
    root = _root(hostile)
    files = outputs_under(
        root / "site",
        root / ".cache",
        root / "check-report.json",
        root / "check-junit.xml",
        root / "pytest-junit.xml",
    )
    printed = [
        terminal(f"{name} {stream}", getattr(run, stream))
        for name, run in hostile.items()
        if isinstance(run, Run) and name != "check-terminal"
        for stream in ("stdout", "stderr")
    ]
    return files + printed


def test_every_front_end_ran_every_page(hostile: dict[str, Run | Path]) -> None:
    """One broken page or hostile target costs only its own checks, never the run."""
    for name in ("check", "check-junit", "check-json", "check-terminal", "pytest"):
        assert _run(hostile, name).returncode == 1, _run(hostile, name).text[-3000:]
    assert _run(hostile, "build").returncode == 0, _run(hostile, "build").text[-3000:]
    report = json.loads((_root(hostile) / "site" / "runbook-checks.json").read_text("utf-8"))
    pages = {check["page"] for check in report["checks"]}
    assert pages == {"hostile.md", "fine.md", "bom.md", "nul.md", "latin1.md", "utf16.md"}
    assert len(report["checks"]) == 14


@pytest.mark.parametrize("name", ["check-junit.xml", "site/junit.xml", "pytest-junit.xml"])
def test_every_junit_file_is_well_formed_and_keeps_the_text(
    hostile: dict[str, Run | Path], name: str
) -> None:
    root = ElementTree.parse(_root(hostile) / name).getroot()
    cases = list(root.iter("testcase"))
    assert len(cases) == 14
    names = " ".join(case.get("name", "") for case in cases)
    assert "hostile-name" in names
    text = ElementTree.tostring(root, encoding="unicode")
    # Markup is text in the XML, escaped by the writer: parsed back, it reads as written.
    assert "<script>alert(1)</script>" in "".join(root.itertext()) + " ".join(
        value for element in root.iter() for value in element.attrib.values()
    )
    assert "\x1b" not in text and "\ud800" not in text


def test_every_badge_file_parses_and_reads_as_text(hostile: dict[str, Run | Path]) -> None:
    badges = _root(hostile) / "site" / "badges"
    svgs = sorted(badges.rglob("*.svg"))
    assert len(svgs) == 14
    for svg in svgs:
        ElementTree.parse(svg)
    name_badge = ElementTree.parse(badges / "hostile" / "hostile-name.svg").getroot()
    title = name_badge.findtext("{http://www.w3.org/2000/svg}title") or ""
    assert "[bold red]name[/bold red] <b>bold</b> ]]>" in title
    endpoint = json.loads((badges / "hostile" / "hostile-name.json").read_text("utf-8"))
    assert "<b>bold</b>" in endpoint["label"]
    assert "\x1b" not in endpoint["label"]


def test_no_markup_from_a_target_is_markup_in_any_output(hostile: dict[str, Run | Path]) -> None:
    outputs = _all_outputs(hostile)
    assert len(outputs) > 40
    assert markup_problems(outputs) == []
    # Not by dropping it: the page shows what the target sent, as text.
    page = (_root(hostile) / "site" / "hostile" / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ &#39;runbook&#39; ~ &#39;injected&#39; }}" in page
    assert "[bold red]rich markup[/bold red]" in page


def test_no_escape_sequence_reaches_any_output(hostile: dict[str, Run | Path]) -> None:
    # Pages whose own prose holds NUL bytes show it as MkDocs does: that is the author's text.
    authored = ("site/nul/index.html", "site/utf16/index.html")
    outputs = [o for o in _all_outputs(hostile) if not o.label.endswith(authored)]
    assert terminal_problems(outputs) == []
    # What the targets sent is still there to read, cleaned.
    check = _run(hostile, "check").stdout.decode("utf-8")
    assert "Aredlinkare\ufffdbell\ufffd\ufffdback pass" in check
    assert "[bold red]name[/bold red] <b>bold</b>" in check


def test_rich_terminal_output_has_only_its_own_colours_and_prints_markup_as_written(
    hostile: dict[str, Run | Path],
) -> None:
    run = _run(hostile, "check-terminal")
    assert b"\x1b[1m" in run.stdout, "the rich table was printed (on a terminal)"
    printed = terminal("runbook check on a terminal", run.stdout)
    assert terminal_problems([printed], allow_colours=True) == []
    assert terminal_problems([terminal("its stderr", run.stderr)]) == []
    plain = _SGR.sub("", printed.text)
    assert "[bold red]name[/bold red]" in plain
    assert "<b>bold</b>" in plain


def test_progress_prints_a_check_name_as_written() -> None:
    result = CheckResult(
        id="x", name="[bold red]name[/bold red] \x1b]52;c;aGk=\x07end", page="p.md", line=1,
        kind="http", target="", status=Status.PASS, value="1 ms",
    )  # fmt: skip
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=200)
    with Progress(1, enabled=True, console=console) as progress:
        progress.advance(result)
    shown = _SGR.sub("", stream.getvalue())
    assert "[bold red]name[/bold red]" in shown
    assert "]52;" not in shown and "\x07" not in shown


def test_unreadable_pages_are_one_error_each_at_their_line_in_every_front_end(
    hostile: dict[str, Run | Path],
) -> None:
    root = _root(hostile)
    cli_report = json.loads((root / "check-report.json").read_text("utf-8"))
    site_report = json.loads((root / "site" / "runbook-checks.json").read_text("utf-8"))
    # One identity per check: the command line names pages as the site does.
    for report, prefix in ((cli_report, ""), (site_report, "")):
        by_page: dict[str, list[dict[str, object]]] = {}
        for check in report["checks"]:
            by_page.setdefault(str(check["page"]), []).append(check)
        for page, line in UNREADABLE_PAGES.items():
            [only] = by_page[prefix + page]
            assert only["status"] == "error" and only["line"] == line
            assert f"{prefix}{page}:{line}: the page is" in str(only["message"])
            assert "save it as UTF-8" in str(only["message"])
        assert by_page[prefix + "bom.md"][0]["status"] == "pass"
        assert by_page[prefix + "bom.md"][0]["line"] == 3, "a byte order mark is not a line"
        nul = {str(check["name"]): check for check in by_page[prefix + "nul.md"]}
        assert nul["after a nul"]["status"] == "pass"
        assert nul["nul in a check"]["status"] == "error"
        assert f"{prefix}nul.md:8" in str(nul["nul in a check"]["message"])
    assert (root / "never-hits").read_text() == "0", "an unreadable page's blocks never run"

    build_log = _run(hostile, "build").text
    assert "latin1.md:4: the page is not valid UTF-8" in build_log
    page = (root / "site" / "latin1" / "index.html").read_text("utf-8")
    assert "runbook-status-error" in page and "latin1.md:4" in page
    assert "caf\ufffd" in page, "the page is still shown"

    pytest_output = _run(hostile, "pytest").text
    assert "ERROR docs/latin1.md::unreadable-page" in pytest_output
    assert "docs/latin1.md:4: page cannot be read: error" in pytest_output
    assert "PASSED docs/fine.md::fine" in pytest_output
    assert "PASSED docs/bom.md::after-a-bom" in pytest_output


def test_runbook_list_prints_pages_as_text(hostile: dict[str, Run | Path]) -> None:
    listing = _run(hostile, "list")
    assert listing.returncode == 1  # the lint: unreadable pages are problems
    assert terminal_problems([terminal("runbook list", listing.stdout)]) == []
    assert "latin1.md:4" in listing.stdout.decode()


# == 5. A cache that misleads ==========


def _cache_with_two_results(directory: Path) -> tuple[list[str], Path]:
    cache = ResultCache(directory)
    keys = [hashlib.sha256(name.encode()).hexdigest() for name in ("good", "bad")]
    for key in keys:
        cache.put(key, RunOutcome(Status.PASS, value="42 ms", checked_at=iso_utc(utc_now())))
    cache.flush()
    return keys, directory / ResultCache.FILE_NAME


ENTRY_DAMAGE: dict[str, object] = {
    "message is a number": {"message": 7},
    "detail is a list": {"detail": ["a"]},
    "checked_at is a number": {"checked_at": 1_700_000_000},
    "checked_at is not a time": {"checked_at": "yesterday"},
    "status unknown": {"status": "green"},
    "status missing": {"status": None},
    "assertions not a list": {"assertions": "x"},
    "assertion text a number": {"assertions": [{"text": 1, "ok": True}]},
    "assertion ok a string": {"assertions": [{"text": "a", "ok": "yes"}]},
    "attempts negative": {"attempts": -1},
    "attempts fractional": {"attempts": 1.5},
    "duration a word": {"duration_ms": "fast"},
    "duration infinite": {"duration_ms": 1e999},
    "entry a list": ["pass"],
    "entry null": None,
}


@pytest.mark.parametrize("damage", sorted(ENTRY_DAMAGE))
def test_a_malformed_cache_entry_is_ignored_and_the_others_used(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    (good, bad), path = _cache_with_two_results(tmp_path)
    data = json.loads(path.read_text("utf-8"))
    change = ENTRY_DAMAGE[damage]
    if isinstance(change, dict):
        data["results"][bad].update(change)
        data["results"][bad] = {k: v for k, v in data["results"][bad].items() if v is not None}
    else:
        data["results"][bad] = change
    path.write_text(json.dumps(data), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.runbook"):
        reread = ResultCache(tmp_path)
        assert reread.get(good) is not None
        assert reread.get(bad) is None
    [warning] = caplog.records
    assert str(path) in warning.getMessage() and "1 malformed" in warning.getMessage()


FILE_DAMAGE: dict[str, object] = {
    "truncated": lambda text: text[: len(text) // 2].encode(),
    "not json": lambda text: b"{",
    "a list": lambda text: b"[]",
    "null": lambda text: b"null",
    "a string": lambda text: b'"results"',
    "results a list": lambda text: (
        text.replace('"results": {', '"results": [{', 1).replace("}}}", "}}]}").encode()
    ),
    "not utf-8": lambda text: text.encode("utf-8").replace(b"42 ms", b"42 \xb5s"),
    "empty": lambda text: b"",
}


@pytest.mark.parametrize("damage", [*sorted(FILE_DAMAGE), "huge"])
def test_an_unreadable_cache_file_is_ignored_with_one_warning_naming_it(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    (good, _), path = _cache_with_two_results(tmp_path)
    text = path.read_text("utf-8")
    if damage == "huge":
        with path.open("wb") as file:
            file.truncate(300 * 1024 * 1024)  # sparse: a hole of NUL bytes, no disk used
    else:
        make = FILE_DAMAGE[damage]
        assert callable(make)
        path.write_bytes(make(text))
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.runbook"):
        reread = ResultCache(tmp_path)
        assert reread.get(good) is None
        reread.put(good, RunOutcome(Status.PASS, checked_at=iso_utc(utc_now())))
        reread.flush()
    [warning] = caplog.records
    assert str(path) in warning.getMessage()
    assert ResultCache(tmp_path).get(good) is not None, "the next run writes a good file"


def test_a_cache_of_another_version_or_key_is_not_used(tmp_path: Path) -> None:
    (good, _), path = _cache_with_two_results(tmp_path)
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**data, "version": 99}), encoding="utf-8")
    assert ResultCache(tmp_path).get(good) is None
    path.write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / ResultCache.KEY_FILE_NAME).unlink()  # a results file copied without its key
    assert ResultCache(tmp_path).get(good) is None


def _site(root: Path, api: str, run: str, **options: object) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    plugin = {"run": run, "environments": {"local": {"api": api}}, **options}
    config = {"site_name": "t", "theme": {"name": "mkdocs"}, "plugins": [{"runbook": plugin}]}
    (root / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")
    (root / "docs" / "index.md").write_text(
        "# Ops\n\n```check\nname: one\nhttp: '{{ api }}/one'\n```\n\n"
        "```check\nname: two\nhttp: '{{ api }}/two'\n```\n",
        encoding="utf-8",
    )
    return root


def _mkdocs_build(root: Path) -> Run:
    done = subprocess.run(
        [str(SCRIPTS / "mkdocs"), "build"], cwd=root, capture_output=True, timeout=90
    )
    return Run(done.returncode, done.stdout, done.stderr)


def test_a_build_reuses_good_cached_results_and_reruns_damaged_ones(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/one", body="ok")
    http_server.route("/two", body="ok")
    root = _site(tmp_path, http_server.url, "cached", cache_ttl="1h")
    assert _mkdocs_build(root).returncode == 0
    assert (http_server.hits["/one"], http_server.hits["/two"]) == (1, 1)
    cache_file = root / ".cache" / "runbook" / "results.json"
    data = json.loads(cache_file.read_text("utf-8"))
    damaged = next(k for k, v in data["results"].items())
    data["results"][damaged]["message"] = 7
    cache_file.write_text(json.dumps(data), encoding="utf-8")

    again = _mkdocs_build(root)
    assert again.returncode == 0, again.text
    assert http_server.hits.total() == 3, "one result reused, the damaged one run again"
    assert again.text.count("malformed result") == 1 and str(cache_file) in again.text
    report = json.loads((root / "site" / "runbook-checks.json").read_text("utf-8"))
    reused = [c for c in report["checks"] if c["cached"]]
    assert len(reused) == 1
    # A reused result says its age in the badge itself: page, SVG and Shields JSON alike.
    # A local answer may take under a millisecond: "<1 ms" (escaped in the page and SVG).
    age = r"· (?:\d+|<1|&lt;1) ms · (just now|\d+ s ago)"
    page = (root / "site" / "index.html").read_text("utf-8")
    symbol = r'(?:<span class="runbook-symbol"[^>]*>[^<]*</span>)?'
    assert len(re.findall(rf"runbook-status-pass\">{symbol}pass {age}<", page)) == 1
    badge_dir = root / "site" / "badges" / "index"
    svg = (badge_dir / f"{reused[0]['id']}.svg").read_text("utf-8")
    assert re.search(rf"<title>{reused[0]['name']} \| pass {age}</title>", svg)
    endpoint = json.loads((badge_dir / f"{reused[0]['id']}.json").read_text("utf-8"))
    assert re.fullmatch(rf"pass {age}", endpoint["message"])


def _serve_session(root: Path) -> tuple[object, object]:
    """What ``mkdocs serve`` does: one plugin collection kept across its rebuilds."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = str(root / "mkdocs.yml")
    first = load_config(config_file, site_dir=str(root / "served"))
    first.plugins.on_startup(command="serve", dirty=False)

    def rebuild() -> dict[str, dict[str, object]]:
        build(load_config(config_file, site_dir=str(root / "served")), serve_url="/")
        report = json.loads((root / "served" / "runbook-checks.json").read_text("utf-8"))
        return {str(c["name"]): c for c in report["checks"]}

    return first, rebuild


@pytest.mark.slow
def test_serve_shows_live_results_first_and_then_reuses_them(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.route("/one", status=503, body="down")
    http_server.route("/two", body="ok")
    root = _site(tmp_path, http_server.url, "auto", cache_ttl="1h")
    monkeypatch.chdir(root)
    earlier, rebuild = _serve_session(root)
    try:
        assert rebuild()["one"]["status"] == "fail"  # type: ignore[operator]
    finally:
        earlier.plugins.on_shutdown()  # type: ignore[attr-defined]

    http_server.route("/one", body="fixed")  # the environment is fixed; serve is restarted
    session, rebuild = _serve_session(root)
    try:
        first = rebuild()  # type: ignore[operator]
        assert first["one"]["status"] == "pass" and not first["one"]["cached"]
        assert http_server.hits["/one"] == 2, "a new session's first build runs live"
        second = rebuild()  # type: ignore[operator]
        assert http_server.hits["/one"] == 2, "its rebuilds reuse within cache_ttl"
        assert second["one"]["cached"] and second["one"]["checked_at"] == first["one"]["checked_at"]
        page = (root / "served" / "index.html").read_text("utf-8")
        assert re.search(r">pass · (?:\d+|&lt;1) ms · (just now|\d+ s ago)<", page)
    finally:
        session.plugins.on_shutdown()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_serve_starts_over_a_garbage_cache(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.route("/one", body="ok")
    http_server.route("/two", body="ok")
    root = _site(tmp_path, http_server.url, "auto")
    cache = root / ".cache" / "runbook"
    cache.mkdir(parents=True)
    (cache / "results.json").write_bytes(b'{"version": 2, "results": {"x": {"message": 7}}\xff')
    (cache / "results.key").write_bytes(b"short")
    monkeypatch.chdir(root)
    session, rebuild = _serve_session(root)
    try:
        assert {c["status"] for c in rebuild().values()} == {"pass"}  # type: ignore[operator]
        assert {c["status"] for c in rebuild().values()} == {"pass"}  # type: ignore[operator]
    finally:
        session.plugins.on_shutdown()  # type: ignore[attr-defined]


def _resolved(tmp_path: Path, page_text: str, environ: dict[str, str]) -> ResolvedCheck:
    page = tmp_path / "page.md"
    page.write_text(page_text, encoding="utf-8")
    settings = RunbookSettings(base_dir=tmp_path)
    runner = make_runner(settings, environ=environ)
    [item] = collect([page], settings)
    resolved = runner.prepare(item).resolved
    assert resolved is not None
    return resolved


def test_a_cached_result_is_keyed_by_definition_env_and_a_keyed_hash_of_its_secrets(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/keyed", body="ok")
    page = tmp_path / "keyed.md"
    page.write_text(
        f"```check\nhttp: {http_server.url}/keyed\n"
        "headers: {Authorization: 'Bearer {{ secrets.KEYED_TOKEN }}'}\n```\n",
        encoding="utf-8",
    )
    cache_dir = tmp_path / "cache"
    environments = {"local": {"x": "1"}, "other": {"x": "1"}}

    def run(token: str, env: str = "local", allowed: tuple[str, ...] = ()) -> CheckResult:
        settings = RunbookSettings(base_dir=tmp_path, cache_ttl=3600, env=env)
        settings.allowed_hosts = list(allowed)
        settings.environments = environments
        report = run_checks(
            collect([page], settings),
            settings,
            mode="cached",
            cache=ResultCache(cache_dir),
            environ={"KEYED_TOKEN": token},
        )
        return report.checks[0]

    first_secret, second_secret = "first-token-value-1234", "second-token-value-5678"
    assert not run(first_secret).cached
    assert run(first_secret).cached, "same definition, env and secret: reused"
    assert not run(second_secret).cached, "another secret value: run again"
    assert not run(first_secret, env="other").cached, "another env: run again"
    assert http_server.hits["/keyed"] == 3
    # allowed_hosts is vetted in the check worker: a result measured under other bounds is
    # not reused, and a target the new bounds leave out is refused without being contacted.
    refused = run(first_secret, allowed=("example.invalid",))
    assert not refused.cached and refused.status is Status.ERROR
    assert "allowed_hosts" in refused.message
    assert http_server.hits["/keyed"] == 3

    stored = (cache_dir / "results.json").read_text("utf-8")
    resolved = _resolved(tmp_path, page.read_text("utf-8"), {"KEYED_TOKEN": first_secret})
    plain_hashes = [
        hashlib.sha256(first_secret.encode()).hexdigest(),
        hashlib.sha256(resolved.definition.encode()).hexdigest(),
    ]
    leaks = occurrences(
        [Output("results.json", "json", stored)],
        [first_secret, second_secret, *plain_hashes, *(h[:24] for h in plain_hashes)],
    )
    assert leaks == [], "no secret, and no hash one could test guesses against"
    key_file = cache_dir / ResultCache.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert ResultCache(cache_dir).key_for(resolved, "local") in stored
    elsewhere = ResultCache(tmp_path / "another-cache").key_for(resolved, "local")
    assert elsewhere not in stored, "each cache has its own key"


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=42), "42 s ago"),
        (timedelta(minutes=3, seconds=10), "3 min ago"),
        (timedelta(hours=5), "5 h ago"),
        (timedelta(days=3, hours=1), "3 d ago"),
    ],
)
def test_a_cached_result_says_its_age_in_every_badge_and_the_terminal(
    age: timedelta, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock stands still for this test: an age is read against "now" several times, and a
    # second ticking over in between would change "42 s ago" into "43 s ago".
    now = utc_now().replace(microsecond=0)
    monkeypatch.setattr("mkdocs_runbook.record.badges.utc_now", lambda: now)
    result = CheckResult(
        id="api", name="API ready", page="ops.md", line=3, kind="http", target="",
        status=Status.PASS, value="42 ms", checked_at=iso_utc(now - age), cached=True,
    )  # fmt: skip
    expected = f"pass · 42 ms · {text}"
    assert cached_age(result) == text
    assert f">{expected}<" in render_check(result, source_html="", stale=False)
    svg = ElementTree.fromstring(badge_svg(result.name, result.status, result.value, text))
    assert svg.findtext("{http://www.w3.org/2000/svg}title") == f"API ready | {expected}"
    assert shields_endpoint(result.name, result.status, result.value, text)["message"] == expected
    report = Report(env="local", started_at="", finished_at="", checks=[result])
    for rich_output in (False, True):
        printed = io.StringIO()
        print_table(report, rich_output=rich_output, stream=printed)
        assert f"42 ms · {text}" in _SGR.sub("", printed.getvalue())

    measured_now = CheckResult(**{**result.__dict__, "cached": False})
    assert cached_age(measured_now) == ""
    assert ">pass · 42 ms<" in render_check(measured_now, source_html="", stale=False)


def test_a_long_value_is_shortened_in_a_badge_but_never_the_age() -> None:
    svg = ElementTree.fromstring(badge_svg("x", Status.FAIL, "v" * 300, "3 min ago"))
    texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[-1].endswith("… · 3 min ago") and len(texts[-1]) <= 80


# == 6. Tests that would notice ==========


def _pages_of(tmp_path: Path, servers: list[InFlightServer], checks_per_server: int) -> Path:
    page = tmp_path / "bounded.md"
    page.write_text(
        "".join(
            f"```check\nname: {server.name} {number}\nhttp: {server.url}/{number}\n```\n\n"
            for server in servers
            for number in range(checks_per_server)
        ),
        encoding="utf-8",
    )
    return page


def test_per_host_bounds_each_host_not_all_hosts_together(tmp_path: Path) -> None:
    per_host, hosts = 2, 2
    counter = InFlightCounter(expected=per_host * hosts)
    with InFlightServer(counter, "a") as a, InFlightServer(counter, "b") as b:
        page = _pages_of(tmp_path, [a, b], checks_per_server=3 * per_host)
        settings = RunbookSettings(base_dir=tmp_path, per_host=per_host, concurrency=32)
        report = run_checks(collect([page], settings), settings)
    assert {c.status for c in report.checks} == {Status.PASS}
    assert counter.max_by_server == {"a": per_host, "b": per_host}
    assert counter.max_total == per_host * hosts


def test_concurrency_bounds_all_checks_together(tmp_path: Path) -> None:
    concurrency = 3
    counter = InFlightCounter(expected=concurrency)
    with InFlightServer(counter, "a") as a, InFlightServer(counter, "b") as b:
        page = _pages_of(tmp_path, [a, b], checks_per_server=4)  # per_host (8) is no bound here
        done = subprocess.run(
            [str(SCRIPTS / "runbook"), "check", "--concurrency", str(concurrency), str(page)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 checks in env 'local': 8 pass" in done.stdout
    assert counter.max_total == concurrency


@pytest.fixture
def two_mebibytes(http_server: RouteServer) -> Iterator[tuple[str, bytes]]:
    # Lines of 64 bytes, each saying where it starts, so any cut shows where it fell.
    body = b"".join(f"{offset:>63}\n".encode() for offset in range(0, 2 * SPEC_READ_BYTES, 64))
    http_server.route("/plain", body=body, headers={"Content-Type": "text/plain"})
    http_server.route(
        "/gzip",
        body=gzip.compress(body),
        headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"},
    )
    yield http_server.url, body


@pytest.mark.parametrize("encoding", ["plain", "gzip"])
def test_a_target_is_read_up_to_1_mib_after_decoding_and_2_kib_are_shown(
    tmp_path: Path, two_mebibytes: tuple[str, bytes], encoding: str
) -> None:
    url, body = two_mebibytes
    last_read = body[SPEC_READ_BYTES - 64 : SPEC_READ_BYTES].strip().decode()
    first_unread = body[SPEC_READ_BYTES : SPEC_READ_BYTES + 64].strip().decode()
    page = tmp_path / "big.md"
    page.write_text(
        f"```check\nname: read\nhttp: {url}/{encoding}\n"
        f"expect: ['body contains \"{last_read}\"']\n```\n\n"
        f"```check\nname: unread\nhttp: {url}/{encoding}\n"
        f"expect: ['body contains \"{first_unread}\"']\n```\n",
        encoding="utf-8",
    )
    settings = RunbookSettings(base_dir=tmp_path)
    read, unread = run_checks(collect([page], settings), settings).checks
    assert read.status is Status.PASS, read.message
    assert unread.status is Status.FAIL, "nothing past the first MiB is read"

    shown = body[:SPEC_SHOWN_BYTES].decode()
    # The detail says first that the answer was cut, then shows its start: 2 KiB in all.
    note = "(response larger than 1 MiB: read cut there)\n"
    assert unread.detail.startswith(note)
    assert shown.startswith(unread.detail.removeprefix(note).removesuffix("…"))
    assert len(unread.detail.removesuffix("…").encode()) <= SPEC_SHOWN_BYTES
    [_, missed] = unread.assertions
    assert isinstance(missed.actual, str)
    assert missed.actual.removesuffix("…") == shown
    html = render_check(unread, source_html="", stale=False, detail=unread.detail)
    [pre] = re.findall(r'<pre class="runbook-detail">(.*?)</pre>', html, re.DOTALL)
    assert pre.removesuffix("…") == unread.detail.removesuffix("…")


# == The one cleaning rule, over any text ==========

_ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()),  # surrogates and controls too
    max_size=60,
)
_TERMINAL_OR_XML_HAZARD = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


@given(_ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_printable_text_is_safe_for_xml_and_terminals_and_stays_the_same(text: str) -> None:
    cleaned = printable(text)
    assert _TERMINAL_OR_XML_HAZARD.search(cleaned) is None
    assert printable(cleaned) == cleaned
    cleaned.encode("utf-8")  # no lone surrogate left
    element = ElementTree.Element("case", name=cleaned)
    element.text = cleaned
    parsed = ElementTree.fromstring(ElementTree.tostring(element, encoding="unicode"))
    assert parsed.text == (cleaned or None) and parsed.get("name") is not None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, tabs\tand\nlines", "plain text, tabs\tand\nlines"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x9b1;31mred\x9b0m", "red"),
        ("\x1b]52;c;cm0gLXJm\x07after", "after"),
        ("\x1b]52;c;cm0gLXJm\x1b\\after", "after"),
        ("\x1b]8;;https://example.invalid/\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9d8;;https://example.invalid/\x9clink\x9d8;;\x9c", "link"),
        ("\x1bP+q544e\x1b\\after", "after"),
        ("\x1b_apc\x1b\\after", "after"),
        ("\x1b]0;unterminated title", ""),
        ("a\x1bb", "a"),  # ESC b: a two-character escape
        ("a\x1b", "a\ufffd"),
        ("bell\x07 back\x08 nul\x00 del\x7f", "bell\ufffd back\ufffd nul\ufffd del\ufffd"),
        ("pass\rFAIL", "pass\nFAIL"),
        ("line\r\nnext", "line\nnext"),
        ("\u202eevil\u202c \u2066x\u2069", "\ufffdevil\ufffd \ufffdx\ufffd"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("<script>[bold red]]]>{{ x }}", "<script>[bold red]]]>{{ x }}"),
    ],
)
def test_printable_removes_escape_sequences_and_shows_controls(text: str, shown: str) -> None:
    assert printable(text) == shown


@given(name=_ANY_TEXT, message=_ANY_TEXT, value=_ANY_TEXT, actual=_ANY_TEXT)
@settings(max_examples=100, deadline=None)
def test_junit_and_badges_parse_whatever_a_check_carries(
    name: str, message: str, value: str, actual: str
) -> None:
    missed = AssertionResult(text=name, ok=False, actual={actual: [actual]}, message=message)
    result = CheckResult(
        id="x", name=name, page="p.md", line=1, kind="http", target=actual,
        status=Status.FAIL, message=message, value=value, detail=actual, assertions=[missed],
    )  # fmt: skip
    report = Report(env="local", started_at="", finished_at="", checks=[result])
    ElementTree.fromstring(junit_xml(report).encode("utf-8"))
    ElementTree.fromstring(badge_svg(result.name, result.status, result.value))
    json.loads(html_safe_json(report.to_dict()))
