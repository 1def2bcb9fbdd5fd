"""A site built from results it did not run (SPEC 11): two `runbook check --zone` processes
at once, each in its own "network" (the same page, the api resolving to a healthy server in
one zone and a failing one in the other), writing reports and a shared SQLite history; then a
real `mkdocs build` shows one badge per zone from the reports (`import`) or from the history
(`run: never`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from servers import RouteServer

BIN = Path(sys.executable).parent
SECRET = "tok-5a4b3c2d1e0f"


def environ(**extra: str) -> dict[str, str]:
    env = {**os.environ, "CI": "true", "API_TOKEN": SECRET, **extra}
    env.pop("RUNBOOK_ZONE", None)
    return env


def write_site(root: Path, *, site_options: str, history: str | None = "history.sqlite") -> None:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "ops.md").write_text(
        "# Ops\n\n"
        "```check\nname: API live\nhttp: GET {{ api }}/healthz\n"
        'headers: {Authorization: "Bearer {{ secrets.API_TOKEN }}"}\n```\n\n'
        "```check\nname: EU database\ntcp: 127.0.0.1:1\nzones: [nowhere]\n```\n",
        encoding="utf-8",
    )
    (root / "mkdocs.yml").write_text(
        f"site_name: t\nplugins:\n  - runbook:\n      history: {json.dumps(history)}\n"
        # The builder reaches neither zone's api: it only shows what the zones measured.
        "      environments: {local: {api: 'http://api.internal'}}\n" + site_options,
        encoding="utf-8",
    )


def zone_config(root: Path, zone: str, api: str, history: str) -> Path:
    """What a runner in ``zone`` uses: the same site, the api as that network reaches it."""
    config = root / f"{zone}.yml"
    config.write_text(
        f"site_name: t\nplugins:\n  - runbook:\n      history: {json.dumps(history)}\n"
        f"      environments: {{local: {{api: '{api}'}}}}\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def two_zones(tmp_path: Path, http_server: RouteServer) -> Path:
    return run_two_zones(tmp_path, http_server, "history.sqlite")


def run_two_zones(tmp_path: Path, http_server: RouteServer, history: str) -> Path:
    """Both zones' runs, at once: eu-private passes, us-private fails (503 with markup)."""
    http_server.route("/eu/healthz", body={"status": "ok"})
    http_server.route("/us/healthz", status=503, body=f"<b>down</b> {SECRET}")
    write_site(tmp_path, site_options="", history=history)
    (tmp_path / "reports").mkdir()
    runs = [
        subprocess.Popen(
            [
                str(BIN / "runbook"),
                "check",
                "-f",
                str(zone_config(tmp_path, zone, f"{http_server.url}/{path}", history)),
                "--zone",
                zone,
                "-o",
                f"reports/{zone}.json",
            ],
            cwd=tmp_path,
            env=environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for zone, path in (("eu-private", "eu"), ("us-private", "us"))
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode in (0, 1), err
    return tmp_path


def build(root: Path, site_options: str, history: str | None = "history.sqlite") -> tuple[str, str]:
    write_site(root, site_options=site_options, history=history)
    done = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q"],
        cwd=root,
        env=environ(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return (root / "site" / "ops" / "index.html").read_text(encoding="utf-8"), done.stderr


def badges(page: str) -> list[tuple[str, str]]:
    """(zone, status) of each badge, in page order."""
    found = re.findall(
        r'runbook-status-(\w+)">.*?</a>.*?<span class="runbook-zone">zone: ([\w-]+)</span>',
        page,
        re.S,
    )
    return [(zone, status) for status, zone in found]


def test_a_build_shows_both_zones_from_their_reports(two_zones: Path) -> None:
    page, _ = build(two_zones, '      run: never\n      import: ["reports/*.json"]\n')
    assert badges(page) == [("eu-private", "pass"), ("us-private", "fail")]
    assert page.count('<time class="runbook-time" datetime=') >= 3  # summary and each badge
    # The check for a zone that no runner has: its own skip, once, with the reason.
    assert "runs in zone nowhere" in page
    assert SECRET not in page and "<b>down</b>" not in page
    # The page summary counts each zone's results too.
    zones_line = re.sub(r"<[^>]+>", "", page[page.index('class="runbook-summary-zones"') :])
    assert (
        zones_line.split("\n", 1)[0]
        .strip()
        .endswith("zone: eu-private 1 pass · zone: local 1 skip · zone: us-private 1 fail")
    )
    # The status page lists each zone's result, and says which zone.
    status = (two_zones / "site" / "status" / "index.html").read_text(encoding="utf-8")
    assert "zone: eu-private" in status and "zone: us-private" in status
    assert status.count('class="runbook-summary-zones"') == 1
    assert SECRET not in status
    report = json.loads((two_zones / "site" / "runbook-checks.json").read_text(encoding="utf-8"))
    assert {(c["id"], c["zone"], c["status"]) for c in report["checks"]} >= {
        ("api-live", "eu-private", "pass"),
        ("api-live", "us-private", "fail"),
    }
    assert SECRET not in json.dumps(report)
    # Badge files: one per zone, and the check's own shows the worst zone, naming it.
    badges_dir = two_zones / "site" / "badges" / "ops"
    endpoint = {
        name: json.loads((badges_dir / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("api-live", "api-live/eu-private", "api-live/us-private")
    }
    assert endpoint["api-live/eu-private"]["color"] != endpoint["api-live/us-private"]["color"]
    assert endpoint["api-live/eu-private"]["message"].startswith("pass")
    assert endpoint["api-live/us-private"]["message"].startswith("fail")
    assert endpoint["api-live"] == {
        **endpoint["api-live/us-private"],
        "message": endpoint["api-live/us-private"]["message"] + " · us-private",
    }
    assert (badges_dir / "api-live" / "us-private.svg").is_file()
    # No file the build wrote holds the secret or the target's markup.
    for written in (two_zones / "site").rglob("*"):
        if written.is_file() and written.suffix in {".html", ".json", ".svg", ".xml"}:
            text = written.read_text(encoding="utf-8")
            assert SECRET not in text and "<b>down" not in text, written


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_run_never_shows_the_latest_per_zone_from_history(
    request: pytest.FixtureRequest, tmp_path: Path, http_server: RouteServer, store: str
) -> None:
    history = request.getfixturevalue("postgres_url") if store == "postgresql" else "h.sqlite"
    root = run_two_zones(tmp_path, http_server, history)
    page, _ = build(root, "      run: never\n", history)
    assert badges(page) == [("eu-private", "pass"), ("us-private", "fail")]
    assert SECRET not in page
    # Each zone's badge carries that zone's history: its marks, and when it last passed.
    eu = page[page.index('id="runbook-api-live"') : page.index('id="runbook-api-live-us-private"')]
    us = page[page.index('id="runbook-api-live-us-private"') :]
    assert re.findall(r'class="runbook-mark runbook-status-(\w+)"', eu) == ["pass"]
    assert re.findall(r'class="runbook-mark runbook-status-(\w+)"', us)[:1] == ["fail"]
    assert "never passed" in us and "never passed" not in eu


def test_other_env_stale_and_broken_reports(two_zones: Path) -> None:
    reports = two_zones / "reports"
    eu = json.loads((reports / "eu-private.json").read_text(encoding="utf-8"))
    # An old report of a third zone: shown, marked stale.
    old = {**eu, "zone": "ap-private"}
    old["checks"] = [
        {**check, "zone": "ap-private", "checked_at": "2020-01-01T00:00:00Z"}
        for check in eu["checks"]
    ]
    (reports / "ap-private.json").write_text(json.dumps(old), encoding="utf-8")
    # A report of another env: left out with a warning naming it.
    staging = {**eu, "env": "staging"}
    staging["checks"] = [{**c, "zone": "staging-zone", "env": "staging"} for c in eu["checks"]]
    (reports / "staging.json").write_text(json.dumps(staging), encoding="utf-8")
    # A truncated report: an error naming it; the others still show.
    truncated = reports / "truncated.json"
    truncated.write_text((reports / "us-private.json").read_text(encoding="utf-8")[:200])

    write_site(two_zones, site_options='      run: never\n      import: ["reports/*.json"]\n')
    done = subprocess.run(
        [str(BIN / "mkdocs"), "build"],
        cwd=two_zones,
        env=environ(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert f"{truncated}: not a runbook report: invalid JSON" in done.stderr
    assert "staging.json: left out: its results are for env 'staging', not 'local'" in done.stderr
    page = (two_zones / "site" / "ops" / "index.html").read_text(encoding="utf-8")
    assert badges(page) == [("ap-private", "pass"), ("eu-private", "pass"), ("us-private", "fail")]
    assert "staging-zone" not in page
    first = page.index("zone: ap-private", page.index('id="runbook-api-live"'))
    first_badge = page[first - 600 : first + 200]
    assert "runbook-flag-stale" in first_badge


@pytest.mark.parametrize(
    "zone", ["../../../escaped", "<b>eu</b>", "EU Private", "eu/private", "", "x" * 80]
)
def test_a_report_whose_zone_is_not_a_zone_name_is_an_error_naming_it(
    two_zones: Path, zone: str
) -> None:
    """A zone names badge files and history rows: a report from elsewhere cannot steer them."""
    reports = two_zones / "reports"
    eu = json.loads((reports / "eu-private.json").read_text(encoding="utf-8"))
    hostile = {**eu, "zone": "ok-zone"}
    hostile["checks"] = [{**check, "zone": zone} for check in eu["checks"]]
    if zone == "":
        hostile["zone"] = "../up"  # an empty zone per check is an old report's; the top one is not
    (reports / "hostile.json").write_text(json.dumps(hostile), encoding="utf-8")
    page, stderr = build(two_zones, '      run: never\n      import: ["reports/*.json"]\n')
    assert "hostile.json: not a runbook report: zone: " in stderr
    assert "is not a zone name" in stderr
    assert badges(page) == [("eu-private", "pass"), ("us-private", "fail")]
    assert not (two_zones / "escaped").exists() and not (two_zones / "site" / "escaped").exists()
    assert "<b>eu</b>" not in page


@pytest.mark.parametrize("where", ["--zone", "RUNBOOK_ZONE", "mkdocs.yml"])
def test_a_run_zone_that_is_not_a_zone_name_is_refused(tmp_path: Path, where: str) -> None:
    write_site(tmp_path, site_options="      zone: ../x\n" if where == "mkdocs.yml" else "")
    command = [str(BIN / "runbook"), "check"] + (["--zone", "../x"] if where == "--zone" else [])
    env = environ()
    if where == "RUNBOOK_ZONE":
        env["RUNBOOK_ZONE"] = "../x"
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "'../x' is not a zone name" in done.stderr
    assert "Traceback" not in done.stderr
    built = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if where != "--zone":
        assert built.returncode == 1
        assert "'../x' is not a zone name" in built.stderr
        assert "Traceback" not in built.stderr


def test_a_check_with_no_result_anywhere_is_skip_no_result(tmp_path: Path) -> None:
    page, _ = build(tmp_path, '      run: never\n      import: ["reports/*.json"]\n', None)
    assert re.search(r'runbook-status-skip">.*?skip', page, re.S)
    assert "no result: checks are off (run: never)" in page
