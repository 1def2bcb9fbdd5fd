"""History on the published site (SPEC 10), from real `mkdocs build` runs in tmp_path: a check's
marks, last pass and passing share; the page's last full verification and owner; uptimes,
flapping and pages by owner on the status page; one identity per check across the build,
`runbook check` and `pytest --runbook`; a broken store that never costs the pages."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from mkdocs_runbook.engine import record_history
from mkdocs_runbook.results import CheckResult, Status, iso_utc, utc_now
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer
from sites import Site, elements, make_site, with_class

pytestmark = pytest.mark.slow

SECRET = "sekrit-7c1d2e3f"
PAGE = """---
owner: team-<b>db</b>
---
# Database

```check
name: DB ready
http: GET {{ api }}/readyz
headers: {Authorization: "Bearer {{ secrets.HISTORY_TOKEN }}"}
expect: [$.status == ok]
```

```check
name: API live
http: GET {{ api }}/healthz
```
"""


def build(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return site.build(*args, env={"HISTORY_TOKEN": SECRET})


def configure(site: Site, **options: object) -> None:
    """Set runbook plugin options in the site's mkdocs.yml."""
    path = site.root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["plugins"][0]["runbook"].update(options)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def no_script_or_inline_style(html: str) -> None:
    for tag, attrs in elements(html):
        if "runbook" in (attrs.get("class") or ""):
            assert tag != "script" and "style" not in attrs, (tag, attrs)


def history_rows(site: Site, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(site.root / ".cache/runbook/history.sqlite") as connection:
        return connection.execute(query).fetchall()


@pytest.fixture
def site(tmp_path: Path, http_server: RouteServer) -> Site:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", body={"status": "ok"})
    built = make_site(
        tmp_path / "site-root",
        runbook={"environments": {"local": {"api": http_server.url}}, "fail_on": []},
    )
    built.page("db.md", PAGE)
    return built


def test_two_builds_with_a_failure_between_show_last_passed_and_the_marks(
    site: Site, http_server: RouteServer
) -> None:
    first = build(site)
    assert first.returncode == 0, first.stderr
    page = site.html("db/index.html")
    assert "never fully verified" not in page and "last fully verified" in page
    # The first build: one mark each, no "last passed" (passing now).
    assert len(with_class(page, "runbook-mark")) == 2
    assert "last passed" not in page

    http_server.route(
        "/readyz", status=503, body=f'{{"status": "down", "why": "<img src=x>{SECRET}"}}'
    )
    second = build(site, "--strict")
    assert second.returncode == 0, second.stderr
    page = site.html("db/index.html")
    ready = page[page.index('id="runbook-db-ready"') :]
    ready = ready[: ready.index("</details>")]
    marks = with_class(ready, "runbook-mark")
    assert [m["class"] for m in marks] == [
        "runbook-mark runbook-status-pass",
        "runbook-mark runbook-status-fail",
    ]
    assert all(
        re.fullmatch(r"(pass|fail) · \d{4}-\d\d-\d\d \d\d:\d\d UTC", m["title"] or "")
        for m in marks
    )
    [last_passed] = with_class(ready, "runbook-last-passed")
    assert re.search(r"last passed <time class=\"runbook-time\" datetime=\"[0-9T:Z-]+\"", ready)
    assert "passed 1 of 2 runs in 30 days" in ready
    assert last_passed is not None

    summary = page[page.index('class="runbook-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "last fully verified" in summary
    assert "owner: team-&lt;b&gt;db&lt;/b&gt;" in summary

    status = site.html("status/index.html")
    assert "Uptime 24 h" in status and "50%" in status and "100%" in status
    assert 'title="1 of 2 runs"' in status
    table = status[status.index("Pages by owner") :]
    assert "db.md" in table and "team-&lt;b&gt;db&lt;/b&gt;" in table

    for html in (page, status):
        assert SECRET not in html
        assert "<img src=x>" not in html and "<b>db" not in html
        no_script_or_inline_style(html)
    database = (site.root / ".cache/runbook/history.sqlite").read_bytes()
    assert SECRET.encode() not in database
    assert history_rows(site, "SELECT trigger, count(*) FROM runbook_runs GROUP BY trigger") == [
        ("build", 2)
    ]


def test_flapping_and_oldest_verification_first_on_the_status_page(
    site: Site, http_server: RouteServer
) -> None:
    site.page(
        "other.md",
        "---\nowner: team-a\n---\n# Other\n\n```check\nhttp: GET {{ api }}/healthz\n```\n",
    )
    settings = RunbookSettings(base_dir=site.root)
    start = utc_now() - timedelta(hours=10)
    for hour in range(6):
        at = start + timedelta(hours=hour)
        status = Status.PASS if hour % 2 else Status.FAIL
        result = CheckResult(
            id="db-ready", name="DB ready", page="db.md", line=6, kind="http", target="",
            status=status, checked_at=iso_utc(at), attempts=1,
        )  # fmt: skip
        outcome = record_history(
            settings, trigger="check", started_at=iso_utc(at), finished_at=iso_utc(at),
            results=[result], expected={"db.md": ["db-ready", "api-live"]},
        )  # fmt: skip
        assert outcome.recorded
    http_server.route("/readyz", status=503, body={"status": "down"})
    assert build(site).returncode == 0
    status = site.html("status/index.html")
    row = status[: status.index("DB ready")]
    row = row[row.rindex("<tr") :]
    assert "runbook-flag-flapping" in row and ">flapping<" in row
    pages = status[status.index("Pages by owner") :]
    # db.md was never fully verified (its second check never ran in those runs, now it
    # fails); other.md was just now: never comes first.
    assert pages.index("db.md") < pages.index("other.md")
    assert "never fully verified" in pages[: pages.index("other.md")]


def test_cached_results_are_not_recorded_again(site: Site) -> None:
    configure(site, run="cached")
    assert build(site).returncode == 0
    assert build(site).returncode == 0  # within cache_ttl: nothing runs, nothing is recorded
    assert history_rows(site, "SELECT count(*) FROM runbook_runs") == [(1,)]
    page = site.html("db/index.html")
    assert len(with_class(page, "runbook-mark")) == 2  # one per check, not two


def test_an_unreachable_store_warns_once_fails_strict_and_keeps_the_pages(site: Site) -> None:
    configure(site, history="postgresql://runbook:hunter2-pw@127.0.0.1:1/history")
    strict = build(site, "--strict")
    assert strict.returncode == 1
    warnings = [line for line in strict.stderr.splitlines() if "history store" in line]
    assert len(warnings) == 1, strict.stderr
    assert "postgresql://runbook:••••@127.0.0.1:1/history" in warnings[0]
    assert "hunter2-pw" not in strict.stderr
    relaxed = build(site)
    assert relaxed.returncode == 0, relaxed.stderr
    page = site.html("db/index.html")
    assert len(with_class(page, "runbook-check")) == 2 and "runbook-status-pass" in page
    assert "runbook-history" not in page  # no history to show, the current results are there
    assert len(list((site.root / ".cache/runbook/spool").glob("*.json"))) == 2


def test_history_off_shows_no_history(site: Site) -> None:
    configure(site, history=None)
    assert build(site, "--strict").returncode == 0
    assert "runbook-history" not in site.html("db/index.html")
    assert "Uptime" not in site.html("status/index.html")
    assert "owner: team-&lt;b&gt;db&lt;/b&gt;" in site.html("db/index.html")
    assert not (site.root / ".cache/runbook/history.sqlite").exists()


def test_pytest_with_workers_records_one_run_and_a_selection_verifies_no_page(
    site: Site,
) -> None:
    environ = {**os.environ, "CI": "true", "HISTORY_TOKEN": SECRET}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
    done = subprocess.run(
        [*command, "--runbook", "docs", "-k", "db-ready"],
        cwd=site.root, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert history_rows(site, "SELECT trigger, checks FROM runbook_runs") == [("pytest", 1)]
    assert history_rows(site, "SELECT page, last_verified_at FROM runbook_pages") == [
        ("db.md", None)
    ]
    done = subprocess.run(
        [*command, "--runbook", "docs"],
        cwd=site.root, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert history_rows(site, "SELECT count(*), sum(checks) FROM runbook_runs") == [(2, 3)]
    [(verified,)] = history_rows(site, "SELECT last_verified_at FROM runbook_pages")
    assert verified is not None
    assert SECRET.encode() not in (site.root / ".cache/runbook/history.sqlite").read_bytes()


def test_build_check_and_pytest_record_one_identity_per_check(site: Site) -> None:
    assert build(site).returncode == 0
    scripts = Path(sys.executable).parent
    environ = {**os.environ, "CI": "true", "HISTORY_TOKEN": SECRET}
    check = subprocess.run(
        [str(scripts / "runbook"), "check"], cwd=site.root, env=environ,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--runbook", "docs"],
        cwd=site.root, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    keys = history_rows(
        site,
        "SELECT r.page, r.check_id, group_concat(u.trigger) FROM runbook_results r "
        "JOIN runbook_runs u ON u.id = r.run_id GROUP BY r.page, r.check_id ORDER BY 1, 2",
    )
    assert [(page, check) for page, check, _ in keys] == [
        ("db.md", "api-live"),
        ("db.md", "db-ready"),
    ]
    assert all(
        sorted(str(triggers).split(",")) == ["build", "check", "pytest"] for *_, triggers in keys
    )
    assert history_rows(site, "SELECT count(DISTINCT page) FROM runbook_pages") == [(1,)]
