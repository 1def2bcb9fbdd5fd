"""``runbook alerts`` as CI runs it: real rule files, a real site, real check results (from a
``runbook check`` report and from ``--run`` against a live server), real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from servers import RouteServer

RUNBOOK = [str(Path(sys.executable).parent / "runbook")]
SITE_URL = "https://runbooks.example.org/docs/"


def runbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUNBOOK, *args],
        cwd=cwd,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_site(root: Path, api: str, *, use_directory_urls: bool = True) -> Path:
    """A site whose pages hold passing, failing and never-run checks in headed sections."""
    docs = root / "docs"
    (docs / "ops").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nNo checks here.\n", encoding="utf-8")
    (docs / "ops" / "index.md").write_text(
        "# Operations\n\n"
        "## Healthy\n\n"
        "```check\nid: api-ok\nhttp: GET {{ api }}/ok\n```\n\n"
        "### Detail\n\n"
        '!!! note "Inside an admonition"\n\n'
        "    ```check\n    id: api-ok-again\n    http: GET {{ api }}/ok\n    ```\n\n"
        "## Broken\n\n"
        "```check\nid: api-broken\nhttp: GET {{ api }}/broken\n```\n\n"
        "## Prose only\n\nNothing to check.\n",
        encoding="utf-8",
    )
    (docs / "stale.md").write_text(
        "# Stale\n\n```check\nid: old\nhttp: GET {{ api }}/stale\n```\n", encoding="utf-8"
    )
    (docs / "unrun.md").write_text(
        "# Never run\n\n```check\nid: never\nhttp: GET {{ api }}/unrun\n```\n", encoding="utf-8"
    )
    config = {
        "site_name": "t",
        "site_url": SITE_URL,
        "use_directory_urls": use_directory_urls,
        "markdown_extensions": ["admonition", "pymdownx.superfences"],
        "plugins": [{"runbook": {"environments": {"local": {"api": api}}}}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


def rule_file(path: Path, alerts: dict[str, str | None]) -> Path:
    rules = []
    for name, url in alerts.items():
        rule: dict[str, object] = {"alert": name, "expr": "up == 0", "labels": {"severity": "page"}}
        if url is not None:
            rule["annotations"] = {"runbook_url": url, "summary": "s"}
        rules.append(rule)
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}), "utf-8")
    return path


ALERTS = {
    "Healthy": SITE_URL + "ops/#healthy",
    "HealthyNoSlash": SITE_URL + "ops#healthy",
    "HealthyIndexHtml": SITE_URL + "ops/index.html#healthy",
    "SubsectionOnly": SITE_URL + "ops/#detail",
    "Broken": SITE_URL + "ops/#broken",
    "WholePage": SITE_URL + "ops/",
    "ProseOnlySection": SITE_URL + "ops/#prose-only",
    "CheckAnchor": SITE_URL + "ops/#runbook-api-ok",
    "Stale": SITE_URL + "stale/",
    "Unrun": SITE_URL + "unrun/",
    "SiteRoot": SITE_URL,
    "SiteRootNoSlash": SITE_URL.rstrip("/"),
    "MissingAnchor": SITE_URL + "ops/#helthy",
    "MissingPage": SITE_URL + "nope/",
    "OtherHost": "https://wiki.example.org/docs/ops/",
    "OtherPrefix": "https://runbooks.example.org/docsearch/ops/",
    "NoRunbook": None,
}

EXPECTED = {
    "Healthy": "ok",
    "HealthyNoSlash": "ok",
    "HealthyIndexHtml": "ok",
    "SubsectionOnly": "ok",
    "Broken": "failing",
    "WholePage": "failing",
    "ProseOnlySection": "failing",  # a section without checks: the page's checks count
    "CheckAnchor": "failing",
    "Stale": "unverified",
    "Unrun": "unverified",
    "SiteRoot": "no-checks",
    "SiteRootNoSlash": "no-checks",
    "MissingAnchor": "missing-anchor",
    "MissingPage": "missing-page",
    "OtherHost": "outside-site",
    "OtherPrefix": "outside-site",
    "NoRunbook": "no-runbook",
}


@pytest.fixture
def api(http_server: RouteServer) -> str:
    for path in ("/ok", "/stale", "/unrun"):
        http_server.route(path, body={"status": "ok"})
    http_server.route("/broken", status=503, body="down")
    return http_server.url


@pytest.fixture
def site(tmp_path: Path, api: str) -> Path:
    root = write_site(tmp_path / "site", api)
    done = runbook("check", "docs/ops", "docs/stale.md", "-o", "report.json", cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr  # api-broken fails
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)
    for check in report["checks"]:
        if check["page"] == "stale.md":  # pages are named relative to docs_dir
            check["checked_at"] = two_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    (root / "report.json").write_text(json.dumps(report), encoding="utf-8")
    rule_file(root / "rules.yml", ALERTS)
    return root


def problems(output: str) -> dict[str, str]:
    return {alert["alert"]: alert["problem"] for alert in json.loads(output)["alerts"]}


def test_every_problem_kind_from_a_report(site: Path) -> None:
    done = runbook("alerts", "rules.yml", "--results", "report.json", "--format", "json", cwd=site)
    assert done.returncode == 1, done.stderr
    assert problems(done.stdout) == EXPECTED
    data = json.loads(done.stdout)
    assert data["summary"]["ok"] == 4 and data["summary"]["missing-anchor"] == 1
    by_name = {alert["alert"]: alert for alert in data["alerts"]}
    healthy = by_name["Healthy"]
    assert (healthy["page"], healthy["anchor"], healthy["scope"]) == (
        "ops/index.md",
        "healthy",
        "section",
    )
    # The section runs to the next heading of its level: its subsection's check is in it.
    assert [c["id"] for c in healthy["checks"]] == ["api-ok", "api-ok-again"]
    assert [c["status"] for c in healthy["checks"]] == ["pass", "pass"]
    assert by_name["WholePage"]["scope"] == "page"
    assert "did you mean #healthy?" in by_name["MissingAnchor"]["message"]
    assert by_name["Stale"]["checks"][0]["stale"] is True
    assert by_name["Unrun"]["checks"][0]["status"] is None


def test_text_output_is_one_line_per_alert(site: Path) -> None:
    done = runbook("alerts", "rules.yml", "--results", "report.json", cwd=site)
    lines = done.stdout.splitlines()
    assert len(lines) == len(ALERTS) + 1
    assert lines[0].startswith("ok              rules.yml:4 ")
    assert "Healthy [page] — 2 checks in section #healthy pass" in lines[0]
    # One check is "1 check", not "1 checks".
    assert any("1 of 1 check in section #broken failing: api-broken" in line for line in lines)
    assert any("1 of 1 check in unrun.md unverified: never" in line for line in lines)
    assert any("1 check in section #detail passes" in line for line in lines)
    assert lines[-1] == (
        "17 alerts in 1 rule file: 4 ok, 1 no-runbook, 2 outside-site, 1 missing-page, "
        "1 missing-anchor, 2 no-checks, 4 failing, 2 unverified"
    )


def test_run_runs_the_linked_pages_checks(site: Path, http_server: RouteServer) -> None:
    assert http_server.hits["/unrun"] == 0
    done = runbook("alerts", "rules.yml", "--run", "--format", "json", cwd=site)
    found = problems(done.stdout)
    assert found["Unrun"] == "ok" and found["Stale"] == "ok", done.stderr
    assert found["Broken"] == "failing" and found["Healthy"] == "ok"
    # Each linked page's checks ran once, however many alerts link there.
    assert http_server.hits["/unrun"] == 1
    assert http_server.hits["/broken"] == 2  # once by `runbook check`, once now


def test_fail_on_decides_the_exit_status(site: Path) -> None:
    results = ("--results", "report.json")
    assert runbook("alerts", "rules.yml", *results, "--fail-on", "", cwd=site).returncode == 0
    assert (
        runbook("alerts", "rules.yml", *results, "--fail-on", "failing", cwd=site).returncode == 1
    )
    healthy_only = rule_file(site / "healthy.yml", {"Healthy": ALERTS["Healthy"]})
    assert runbook("alerts", str(healthy_only), *results, cwd=site).returncode == 0
    stale_only = rule_file(site / "stale.yml", {"Stale": ALERTS["Stale"]})
    assert runbook("alerts", str(stale_only), *results, cwd=site).returncode == 0
    done = runbook("alerts", str(stale_only), *results, "--fail-on", "unverified", cwd=site)
    assert done.returncode == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("--fail-on", "failing,broken"), "unknown problem 'broken'"),
        (("--site-url", "runbooks.example.org"), "is not an http(s) URL"),
    ],
)
def test_usage_errors_exit_2(site: Path, args: tuple[str, ...], message: str) -> None:
    done = runbook("alerts", "rules.yml", *args, cwd=site)
    assert done.returncode == 2 and message in done.stderr


def test_missing_rules_and_missing_site_url_exit_2(site: Path, tmp_path: Path) -> None:
    done = runbook("alerts", "rules/*.yml", cwd=site)
    assert done.returncode == 2 and "no rule files at 'rules/*.yml'" in done.stderr
    bare = tmp_path / "bare"
    (bare / "docs").mkdir(parents=True)
    (bare / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    rule_file(bare / "r.yml", {"A": "https://x.example.org/"})
    done = runbook("alerts", "r.yml", cwd=bare)
    assert done.returncode == 2 and "set site_url in mkdocs.yml or pass --site-url" in done.stderr
    # Without mkdocs.yml, --site-url and ./docs are enough.
    assert (
        runbook("alerts", "r.yml", "--site-url", "https://x.example.org/", cwd=bare).returncode == 0
    )


def test_site_url_option_overrides_mkdocs_yml(site: Path) -> None:
    other = "https://wiki.example.org/docs/"
    done = runbook("alerts", "rules.yml", "--site-url", other, "--format", "json", cwd=site)
    found = problems(done.stdout)
    assert found["OtherHost"] == "unverified"  # wiki.example.org/docs/ops/ is the ops page now
    assert found["Healthy"] == "outside-site"


def test_directory_urls_off(tmp_path: Path, api: str) -> None:
    root = write_site(tmp_path / "flat", api, use_directory_urls=False)
    alerts = {
        "Html": SITE_URL + "ops/index.html#broken",
        "Folder": SITE_URL + "ops/#broken",
        "Page": SITE_URL + "stale.html",
        "PageAsFolder": SITE_URL + "stale/",
        "Root": SITE_URL + "index.html",
    }
    rule_file(root / "rules.yml", alerts)
    done = runbook("alerts", "rules.yml", "--run", "--format", "json", cwd=root)
    assert problems(done.stdout) == {
        "Html": "failing",
        "Folder": "failing",
        "Page": "ok",
        "PageAsFolder": "missing-page",
        "Root": "no-checks",
    }


def test_broken_rule_files_are_named_and_the_others_still_checked(site: Path) -> None:
    folder = site / "rules"
    folder.mkdir()
    rule_file(folder / "good.yml", {"Healthy": ALERTS["Healthy"]})
    (folder / "bad.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: [unclosed\n", "utf-8"
    )
    (folder / "compose.yml").write_text("services:\n  web:\n    image: nginx\n", "utf-8")
    (folder / "half.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - expr: up\n"
        "      - alert: Fine\n        annotations: {runbook_url: '" + ALERTS["Broken"] + "'}\n",
        "utf-8",
    )
    done = runbook("alerts", "rules", "--results", "report.json", cwd=site)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("error") and "rules/bad.yaml:6" in line and "invalid YAML" in line
        for line in lines
    ), done.stdout
    assert any(
        "rules/compose.yml" in line and "not a Prometheus rule file" in line for line in lines
    )
    assert any("rules/half.yml:4" in line and "needs 'alert' or 'record'" in line for line in lines)
    assert any(line.startswith("ok") and "Healthy" in line for line in lines)
    assert any(line.startswith("failing") and "Fine" in line for line in lines)
    data = json.loads(
        runbook("alerts", "rules", "--format", "json", "--fail-on", "", cwd=site).stdout
    )
    assert {(e["file"], e["line"]) for e in data["errors"]} == {
        ("rules/bad.yaml", 6),
        ("rules/compose.yml", 0),
        ("rules/half.yml", 4),
    }
    junit = ElementTree.fromstring(runbook("alerts", "rules", "--format", "junit", cwd=site).stdout)
    errors = junit.findall(".//testcase/error")
    assert len(errors) == 3 and all(e.get("type") == "unreadable" for e in errors)


HOSTILE = '<script>alert(1)</script> & \x01\x1b[31mred\x1b[0m "q" ]]> \x85\x9b'


def test_json_and_junit_stay_well_formed_with_hostile_names(site: Path) -> None:
    hostile = site / "hostile.yml"
    rules = {
        "groups": [
            {
                "name": HOSTILE,
                "rules": [
                    {
                        "alert": HOSTILE,
                        "labels": {"severity": HOSTILE},
                        "annotations": {"runbook_url": SITE_URL + "ops/#<b>x</b>"},
                    },
                    {"alert": HOSTILE + "2", "labels": {"severity": "critical"}},
                ],
            }
        ]
    }
    # allow_unicode=False: PyYAML writes the control characters as escapes.
    hostile.write_text(yaml.safe_dump(rules, allow_unicode=False), "utf-8")
    as_json = runbook("alerts", "hostile.yml", "--format", "json", cwd=site)
    assert "<" not in as_json.stdout and "\x1b" not in as_json.stdout
    names = [alert["alert"] for alert in json.loads(as_json.stdout)["alerts"]]
    assert names[0].startswith("<script>alert(1)</script> & ")
    out = site / "out" / "alerts.xml"
    done = runbook("alerts", "hostile.yml", "--format", "junit", "-o", str(out), cwd=site)
    assert done.returncode == 1 and done.stdout == ""
    junit = ElementTree.fromstring(out.read_bytes())  # well-formed, or this raises
    cases = junit.findall(".//testcase")
    assert len(cases) == 2
    assert cases[0].get("name", "").startswith("<script>alert(1)</script> & \ufffdred")
    assert cases[0].find("failure").get("type") == "missing-anchor"  # type: ignore[union-attr]
    assert cases[1].find("failure").get("type") == "no-runbook"  # type: ignore[union-attr]
    text = runbook("alerts", "hostile.yml", cwd=site).stdout
    assert not {"\x1b", "\x01", "\x85", "\x9b"} & set(text)
    assert len(text.splitlines()) == 3


def test_results_from_a_site_build_report_and_broken_reports(site: Path) -> None:
    build_report = {
        "version": 1,
        "env": "local",
        "started_at": "",
        "finished_at": "",
        "checks": [
            {
                "id": "never",
                "name": "never",
                "page": "unrun.md",
                "status": "pass",
                "checked_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
    }
    (site / "reports").mkdir()
    (site / "reports" / "site.json").write_text(json.dumps(build_report), "utf-8")
    (site / "reports" / "truncated.json").write_text('{"version": 1, "checks": [', "utf-8")
    staging = {**build_report, "env": "staging"}
    staging["checks"] = [{**build_report["checks"][0], "page": "stale.md"}]  # type: ignore[index]
    (site / "reports" / "staging.json").write_text(json.dumps(staging), "utf-8")
    done = runbook(
        "alerts",
        "rules.yml",
        *("--results", "reports/*.json", "--results", "missing/*.json"),
        *("--format", "json"),
        cwd=site,
    )
    found = problems(done.stdout)
    assert found["Unrun"] == "ok"
    assert found["Stale"] == "unverified"  # only the staging report has a result for it
    assert "reports/truncated.json: not a runbook report: invalid JSON at line 1" in done.stderr
    assert "reports/staging.json: left out: its results are for env 'staging'" in done.stderr
    assert "missing/*.json: no report matches" in done.stderr


def test_import_option_supplies_the_results(site: Path) -> None:
    config = yaml.safe_load((site / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"][0]["runbook"]["import"] = ["report.json"]
    (site / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    sub = site / "rules-dir"
    sub.mkdir()
    rule_file(sub / "r.yml", {"Healthy": ALERTS["Healthy"]})
    # Run from another folder: `import` is relative to mkdocs.yml, the rules to the cwd.
    done = runbook("alerts", "r.yml", "-f", "../mkdocs.yml", "--format", "json", cwd=sub)
    assert problems(done.stdout) == {"Healthy": "ok"}, done.stderr


def test_from_history_takes_the_stores_latest_results(site: Path) -> None:
    """The `runbook check` of the fixture recorded its run in the site's history store."""
    assert (site / ".cache" / "runbook" / "history.sqlite").is_file()
    done = runbook("alerts", "rules.yml", "--from-history", "--format", "json", cwd=site)
    found = problems(done.stdout)
    assert found["Healthy"] == "ok" and found["Broken"] == "failing", done.stderr
    assert found["Stale"] == "ok"  # the store holds when it really ran, not the report's edit
    assert found["Unrun"] == "unverified"
    config = yaml.safe_load((site / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"][0]["runbook"]["history"] = None
    (site / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    off = runbook("alerts", "rules.yml", "--from-history", cwd=site)
    assert off.returncode == 2 and "the history option is off" in off.stderr


def test_a_check_failing_in_one_zone_fails_its_alert(site: Path) -> None:
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    (site / "zones").mkdir()

    def zone_report(zone: str, api_ok: str) -> None:
        checks = [
            {**check, "zone": zone, **({"status": api_ok} if check["id"] == "api-ok" else {})}
            for check in report["checks"]
        ]
        data = {**report, "zone": zone, "checks": checks}
        (site / "zones" / f"{zone}.json").write_text(json.dumps(data), encoding="utf-8")

    zone_report("eu-private", "pass")
    zone_report("us-private", "fail")
    args = ("alerts", "rules.yml", "--results", "zones/*.json", "--format", "json")
    data = json.loads(runbook(*args, cwd=site).stdout)
    healthy = next(alert for alert in data["alerts"] if alert["alert"] == "Healthy")
    assert healthy["problem"] == "failing"
    assert "api-ok (fail)" in healthy["message"]
    # A zone that only skipped the check (not its zone) does not count against it.
    zone_report("us-private", "skip")
    assert problems(runbook(*args, cwd=site).stdout)["Healthy"] == "ok"


def test_no_secret_in_any_output(tmp_path: Path, http_server: RouteServer) -> None:
    secret = "alert-secret-0f9e8d7c"
    http_server.route("/private", status=500, body=f"echo {secret}")
    root = write_site(tmp_path / "s", http_server.url)
    (root / "docs" / "private.md").write_text(
        "# Private\n\n## Token\n\n```check\nid: private\n"
        "http: GET {{ api }}/private?token={{ secrets.ALERT_TOKEN }}\n"
        'headers: {Authorization: "Bearer {{ secrets.ALERT_TOKEN }}"}\n```\n',
        encoding="utf-8",
    )
    rule_file(root / "rules.yml", {"Private": SITE_URL + "private/#token"})
    environ = {**os.environ, "CI": "true", "ALERT_TOKEN": secret}
    for output_format in ("text", "json", "junit"):
        done = subprocess.run(
            [*RUNBOOK, "alerts", "rules.yml", "--run", "--format", output_format],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr  # failing is not in the default --fail-on
        assert "failing" in done.stdout
        assert secret not in done.stdout + done.stderr
    assert http_server.requests[-1][1].endswith(f"token={secret}")  # it really was sent


def test_an_unreadable_page_is_named_and_the_other_alerts_still_judged(site: Path) -> None:
    (site / "docs" / "latin.md").write_bytes("# Caf\u00e9\n".encode("latin-1"))
    rule_file(site / "r.yml", {"Latin": SITE_URL + "latin/#caf", "Healthy": ALERTS["Healthy"]})
    done = runbook("alerts", "r.yml", "--results", "report.json", "--format", "json", cwd=site)
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert problems(done.stdout) == {"Latin": "missing-anchor", "Healthy": "ok"}
    (error,) = data["errors"]
    assert error["file"] == "latin.md"
    assert "cannot read the page " in error["message"] and "docs/latin.md: " in error["message"]


def test_a_site_whose_theme_and_extensions_are_not_installed(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "# Home\n\n## Step one {#first}\n\n## Step two\n", encoding="utf-8"
    )
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: t\nsite_url: {SITE_URL}\ntheme: {{name: no-such-theme}}\n"
        "plugins: [no-such-plugin, runbook]\nmarkdown_extensions:\n  - attr_list\n"
        "  - toc:\n      slugify: !!python/name:no_such_package.slugify\n"
        "  - no_such_extension\n",
        encoding="utf-8",
    )
    rule_file(
        tmp_path / "r.yml",
        {"Custom": SITE_URL + "#first", "Default": SITE_URL + "#step-two"},
    )
    done = runbook("alerts", "r.yml", "--format", "json", cwd=tmp_path)
    assert problems(done.stdout) == {"Custom": "no-checks", "Default": "no-checks"}, done.stderr
    assert "Markdown extension 'no_such_extension' is not installed" in done.stderr
    assert "option 'slugify' names 'no_such_package.slugify', which is not installed" in (
        done.stderr
    )


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_demo_rules_show_every_problem_kind() -> None:
    """`runbook alerts rules/ --run` in this repository, against the demo (docs/guide/alerts.md
    shows its output)."""
    from mkdocs_runbook.demo import DemoService

    with DemoService(token="alerts-demo-token") as demo:
        done = subprocess.run(
            [*RUNBOOK, "alerts", "rules/", "--run", "--format", "json"],
            cwd=ROOT,
            env={**os.environ, **demo.environment(), "CI": "true"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1, done.stderr
    found = problems(done.stdout)
    assert set(found.values()) == {
        "ok",
        "no-runbook",
        "outside-site",
        "missing-page",
        "missing-anchor",
        "no-checks",
        "failing",
        "unverified",
    }, done.stdout
    deliberate = {
        "CertificateExpiringSoon": "missing-anchor",
        "ErrorBudgetBurn": "no-checks",
        "HighErrorRate": "unverified",
        "SearchDegraded": "failing",
        "QueueBacklog": "failing",
        "DiskFilling": "no-runbook",
        "DeadLetterJobs": "missing-page",
        "WorkersStalled": "outside-site",
    }
    assert {name: found[name] for name in deliberate} == deliberate
    # The others link to sections whose checks pass against a healthy demo (latency bounds
    # included, so a loaded machine may turn one red: at least one must be ok).
    assert "ok" in {found[name] for name in set(found) - set(deliberate)}
    assert "alerts-demo-token" not in done.stdout + done.stderr
