"""Zones (SPEC 11): every run and result carries its zone; a check with ``zones:`` runs only
there. Real ``runbook`` processes against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from servers import RouteServer

RUNBOOK = [str(Path(sys.executable).parent / "runbook")]


def runbook(*args: str, cwd: Path, zone: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CI": "true"}
    environ.pop("RUNBOOK_ZONE", None)
    if zone is not None:
        environ["RUNBOOK_ZONE"] = zone
    return subprocess.run(
        [*RUNBOOK, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def zoned_project(root: Path, api: str, *, catalog: bool = True) -> Path:
    """docs/ops.md: a check for every zone, one only for eu-private, one taking its zones from
    a catalog entry (us-private)."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "checks").mkdir(exist_ok=True)
    (root / "checks" / "internal.yml").write_text(
        f"internal-api:\n  http: GET {api}/healthz\n  zones: [us-private]\n",
        encoding="utf-8",
    )
    (root / "docs" / "ops.md").write_text(
        "# Ops\n\n"
        f"```check\nname: Everywhere\nhttp: GET {api}/healthz\n```\n\n"
        f"```check\nname: EU only\nhttp: GET {api}/healthz\nzones: [eu-private]\n```\n\n"
        + ("```check\nid: internal\nuse: internal-api\n```\n" if catalog else ""),
        encoding="utf-8",
    )
    (root / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - runbook:\n      history: null\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def api(http_server: RouteServer) -> str:
    http_server.route("/healthz", body={"status": "ok"})
    return http_server.url


def by_id(report: dict[str, object]) -> dict[str, dict[str, object]]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {check["id"]: check for check in checks}


def test_a_check_runs_only_in_its_zones_and_every_result_says_its_zone(
    tmp_path: Path, api: str
) -> None:
    project = zoned_project(tmp_path, api)
    done = runbook("check", "--zone", "eu-private", "--format", "json", cwd=project)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["zone"] == "eu-private"
    checks = by_id(report)
    assert {key: check["status"] for key, check in checks.items()} == {
        "everywhere": "pass",
        "eu-only": "pass",
        "internal": "skip",
    }
    assert checks["internal"]["message"] == "runs in zone us-private"
    assert {check["zone"] for check in checks.values()} == {"eu-private"}

    # The zone from the environment, as a CI runner sets it.
    done = runbook("check", "--format", "json", cwd=project, zone="us-private")
    checks = by_id(json.loads(done.stdout))
    assert checks["eu-only"]["status"] == "skip"
    assert checks["eu-only"]["message"] == "runs in zone eu-private"
    assert checks["internal"]["status"] == "pass"

    # The terminal's last line names the zone that is not the default one.
    done = runbook("check", "--zone", "eu-private", cwd=project)
    assert done.stdout.rstrip().endswith(
        "3 checks in env 'local', zone 'eu-private': 2 pass, 1 skip"
    )

    # No zone given: "local", where only the check without zones runs.
    checks = by_id(json.loads(runbook("check", "--format", "json", cwd=project).stdout))
    assert [key for key, c in checks.items() if c["status"] == "pass"] == ["everywhere"]
    assert {check["zone"] for check in checks.values()} == {"local"}


def test_junit_carries_the_zone_as_a_property(tmp_path: Path, api: str) -> None:
    project = zoned_project(tmp_path, api)
    done = runbook("check", "--zone", "eu-private", "--format", "junit", cwd=project)
    assert done.returncode == 0, done.stderr
    root = ElementTree.fromstring(done.stdout.encode())
    suite_zones = [p.get("value") for p in root.findall("./testsuite/properties/property")]
    case_zones = [p.get("value") for p in root.findall(".//testcase/properties/property")]
    assert suite_zones == ["eu-private"]
    assert case_zones == ["eu-private"] * 3


@pytest.mark.parametrize(
    "written", ["zones: []", "zones: [EU Private]", "zones: {eu: 1}", "zones: [1]"]
)
def test_bad_zones_are_an_error_with_file_and_line(tmp_path: Path, api: str, written: str) -> None:
    project = zoned_project(tmp_path, api, catalog=False)
    (project / "docs" / "bad.md").write_text(
        f"# Bad\n\n```check\nname: Bad\nhttp: GET {api}/healthz\n{written}\n```\n",
        encoding="utf-8",
    )
    done = runbook("list", cwd=project)
    assert done.returncode == 1
    assert "bad.md:6" in done.stdout + done.stderr
    assert "'zones' must be a list of zone names" in done.stdout + done.stderr


def test_a_single_zone_may_be_written_as_a_word(tmp_path: Path, api: str) -> None:
    project = zoned_project(tmp_path, api, catalog=False)
    page = project / "docs" / "ops.md"
    page.write_text(
        f"# Ops\n\n```check\nname: EU\nhttp: GET {api}/healthz\nzones: eu-private\n```\n",
        encoding="utf-8",
    )
    checks = by_id(json.loads(runbook("check", "--format", "json", cwd=project).stdout))
    assert checks["eu"]["message"] == "runs in zone eu-private"


def write_report(path: Path, *, env: str, zone: str, checks: list[tuple[str, str, str]]) -> Path:
    """A report as ``runbook check`` writes it: ``checks`` are (id, status, checked_at)."""
    report = {
        "version": 1,
        "env": env,
        "zone": zone,
        "started_at": "2026-11-01T10:00:00Z",
        "finished_at": "2026-11-01T10:00:05Z",
        "summary": {},
        "checks": [
            {
                "id": check_id,
                "name": check_id,
                "page": "ops.md",
                "line": 3,
                "status": status,
                "checked_at": checked_at,
                "zone": zone,
                "env": env,
                "value": f"{status} in {zone}",
            }
            for check_id, status, checked_at in checks
        ],
    }
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_merge_keeps_the_newest_result_per_check_and_zone(tmp_path: Path) -> None:
    old = write_report(
        tmp_path / "eu-old.json",
        env="prod",
        zone="eu",
        checks=[("api", "fail", "2026-11-01T10:00:00Z"), ("db", "pass", "2026-11-01T10:00:00Z")],
    )
    new = write_report(
        tmp_path / "eu-new.json",
        env="prod",
        zone="eu",
        checks=[("api", "pass", "2026-11-02T10:00:00Z")],
    )
    us = write_report(
        tmp_path / "us.json",
        env="prod",
        zone="us",
        checks=[("api", "fail", "2026-11-01T09:00:00Z")],
    )
    staging = write_report(
        tmp_path / "staging.json",
        env="staging",
        zone="eu",
        checks=[("api", "error", "2026-11-03T10:00:00Z")],
    )
    broken = tmp_path / "truncated.json"
    broken.write_text(us.read_text()[:40], encoding="utf-8")
    out = tmp_path / "all" / "all.json"
    done = runbook(
        "merge",
        str(old),
        str(new),
        str(us),
        str(staging),
        str(broken),
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 1  # one report could not be read: named, the rest merged
    assert f"{broken}: not a runbook report: invalid JSON" in done.stderr
    assert f"{staging}: left out: its results are for env 'staging', not 'prod'" in done.stderr
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["env"] == "prod" and merged["zone"] == ""
    assert sorted((c["id"], c["zone"], c["status"]) for c in merged["checks"]) == [
        ("api", "eu", "pass"),
        ("api", "us", "fail"),
        ("db", "eu", "pass"),
    ]
    assert merged["summary"]["pass"] == 2 and merged["summary"]["fail"] == 1

    # The merged report is a report: merging it again changes nothing.
    again = tmp_path / "again.json"
    assert runbook("merge", str(out), "-o", str(again), cwd=tmp_path).returncode == 0
    assert json.loads(again.read_text(encoding="utf-8"))["checks"] == merged["checks"]
