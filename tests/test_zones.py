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
