"""``runbook check`` and ``runbook list`` as a user runs them: real subprocesses, real servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from servers import RouteServer

# The console script users run, from the same environment as the tests.
RUNBOOK = [str(Path(sys.executable).parent / "runbook")]


def runbook(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CI": "true", **(env or {})}
    return subprocess.run(
        [*RUNBOOK, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def project(tmp_path: Path, http_server: RouteServer) -> Path:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "not ready"})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "deploy.md").write_text(
        "# Deploy\n\n"
        "```check\nname: API live\nhttp: GET {{ api }}/healthz\n"
        "expect: [$.status == ok]\ntags: [api]\n```\n\n"
        "```check\nname: API ready\nhttp: GET {{ api }}/readyz\ntags: [deploy]\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - runbook:\n      environments:\n"
        f"        local: {{api: '{http_server.url}'}}\n"
        "        broken: {api: 'http://127.0.0.1:1'}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.pyversions
def test_check_reads_mkdocs_yml_and_exits_1_on_fail(project: Path) -> None:
    done = runbook("check", cwd=project)
    assert done.returncode == 1, done.stderr
    rows = [line for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert any(r.startswith("pass   API live") and r.endswith("deploy.md:3") for r in rows)
    assert any(r.startswith("fail   API ready") and r.endswith("deploy.md:10") for r in rows)
    assert "\x1b[" not in done.stdout, "no colour codes when piped"
    assert "2 checks in env 'local': 1 fail, 1 pass" in done.stdout


def test_tag_filter_and_exit_0(project: Path) -> None:
    done = runbook("check", "--tag", "api", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(
        r.startswith("skip   API ready") and r.endswith("deploy.md:10")
        for r in done.stdout.splitlines()
    )


def test_fail_on_can_be_relaxed(project: Path) -> None:
    assert runbook("check", "--fail-on", "error", cwd=project).returncode == 0


@pytest.mark.pyversions
def test_json_report_matches_the_schema(project: Path) -> None:
    done = runbook("check", "--format", "json", cwd=project)
    report = json.loads(done.stdout)
    assert report["version"] == 1 and report["env"] == "local"
    assert report["summary"] == {"fail": 1, "error": 0, "warn": 0, "pass": 1, "skip": 0}
    first = report["checks"][0]
    for key in (
        "id",
        "name",
        "page",
        "line",
        "kind",
        "target",
        "status",
        "message",
        "duration_ms",
        "checked_at",
        "attempts",
        "assertions",
        "tags",
    ):
        assert key in first
    assert first["checked_at"].endswith("Z")
    assert first["assertions"][0].keys() >= {"text", "ok", "actual"}


def test_output_file_and_junit(project: Path) -> None:
    done = runbook("check", "--format", "junit", "-o", "out/junit.xml", cwd=project)
    assert done.returncode == 1
    tree = ElementTree.parse(project / "out" / "junit.xml")
    cases = tree.findall(".//testcase")
    assert len(cases) == 2
    assert len(tree.findall(".//failure")) == 1


def test_env_switch_and_unknown_env(project: Path) -> None:
    broken = runbook("check", "--env", "broken", cwd=project)
    assert broken.returncode == 1 and "refused" in broken.stdout
    unknown = runbook("check", "--env", "nope", cwd=project)
    assert unknown.returncode == 2
    assert "unknown environment 'nope'" in unknown.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    assert runbook("check", "--fail-on", "bogus", cwd=project).returncode == 2
    assert runbook("check", "missing-folder", cwd=project).returncode == 2
    assert runbook("check", "-f", "nope.yml", cwd=project).returncode == 2
    assert runbook("frobnicate", cwd=project).returncode == 2


@pytest.mark.pyversions
def test_list_shows_checks_without_running(project: Path, http_server: RouteServer) -> None:
    done = runbook("list", "--format", "json", cwd=project)
    assert done.returncode == 0
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == ["api-live", "api-ready"]
    assert http_server.hits.total() == 0


def test_list_shows_yaml_warnings_and_curls_that_need_commands(project: Path) -> None:
    (project / "docs" / "jobs.md").write_text(
        '```check\nname: ticket\nrun: echo "ticket #42"\n```\n\n'
        '```bash check name="proxied"\ncurl -sf --proxy http://p:3128 {{ api }}/healthz\n```\n',
        encoding="utf-8",
    )
    done = runbook("list", "docs/jobs.md", cwd=project)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("jobs.md:1")
    assert lines[1].strip() == (
        "warning: jobs.md:3: 'run' ends before ' #42\"': YAML reads ' #' as the start of "
        "a comment — quote the whole value, or use 'run: |'"
    )
    assert lines[2].endswith(
        "error: jobs.md:7: curl flag '--proxy' cannot be honoured by a native HTTP check: "
        "remove it, or set allow_commands: true to run the block as the command it is"
    )
    assert lines[-1] == "2 checks, 1 problem"
    (project / "docs" / "one.md").write_text("```check\nhttp: GET {{ api }}/x\n```\n")
    assert runbook("list", "docs/one.md", cwd=project).stdout.splitlines()[-1] == (
        "1 check, 0 problems"
    )
    rows = json.loads(runbook("list", "docs/jobs.md", "--format", "json", cwd=project).stdout)
    assert [len(row["warnings"]) for row in rows] == [1, 0]


@pytest.mark.pyversions
def test_invalid_mkdocs_yml_is_a_usage_error(project: Path) -> None:
    (project / "mkdocs.yml").write_text("site_name: t\ndocs_dir: nowhere\n", encoding="utf-8")
    done = runbook("check", cwd=project)
    assert done.returncode == 2
    assert "mkdocs.yml" in done.stderr


@pytest.mark.pyversions
def test_bad_runbook_option_exits_2_naming_file_and_line(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "      per_host: lots\n")
    done = runbook("list", "docs/deploy.md", cwd=project)
    assert done.returncode == 2
    assert done.stderr == (
        "runbook: error: mkdocs.yml:7: plugin 'runbook' option 'per_host': "
        "Expected type: <class 'int'> but received: <class 'str'>\n"
    )


def test_mkdocs_yml_is_found_from_a_subfolder(project: Path) -> None:
    done = runbook("list", "--format", "json", "deploy.md", cwd=project / "docs")
    assert done.returncode == 0, done.stderr
    assert [row["page"] for row in json.loads(done.stdout)] == ["deploy.md", "deploy.md"]
    assert runbook("check", "--id", "api-live", cwd=project / "docs").returncode == 0
