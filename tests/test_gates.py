"""CI gates must not pass silently (SPEC 5, 7): a selection that matches nothing exits 5,
``runbook list`` is an offline lint, mkdocs.yml is found from the path, ``--timeout``
overrides every check, and a site build says what its checks did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from servers import RouteServer
from sites import make_site

RUNBOOK = str(Path(sys.executable).parent / "runbook")

PAGE = """\
# Deploy

```check
name: API live
http: GET {{ api }}/healthz
tags: [api]
```

```check
name: API ready
http: GET {{ api }}/readyz
tags: [deploy]
```
"""

CATALOG_PAGE = """\
# Catalog users

```check
use: api-liv
```

```check
use: api-live
```

```check
name: Typo
http: GET {{ api }}/healthz
exepct: [status == 200]
```
"""


def runbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUNBOOK, *args],
        cwd=cwd,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path, http_server: RouteServer) -> Path:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    http_server.route("/slow", body={"status": "ok"}, delay=3)
    root = tmp_path / "site"
    make_site(root, runbook={"environments": {"local": {"api": http_server.url}}})
    (root / "docs" / "deploy.md").write_text(PAGE, encoding="utf-8")
    (root / "docs" / "notes.md").write_text("# Notes\n\nNo checks here.\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--tag", "nope"], "--tag nope matched no check"),
        (["--id", "api-lve"], "--id api-lve matched no check — did you mean 'api-live'?"),
        (["--tag", "deploy", "--id", "api-live"], "--tag deploy and --id api-live together"),
        (["docs/notes.md"], "docs/notes.md holds no check blocks"),
        (["--tag", "api", "--tag", "nope"], "--tag nope matched no check"),
    ],
)
def test_a_selection_that_matches_nothing_exits_5(
    project: Path, http_server: RouteServer, args: list[str], said: str
) -> None:
    done = runbook("check", *args, cwd=project)
    assert done.returncode == 5, done.stdout + done.stderr
    assert said in done.stderr
    assert http_server.hits.total() == 0, "nothing runs when the selection is wrong"


def test_list_exits_5_for_a_path_without_checks(project: Path) -> None:
    done = runbook("list", "docs/notes.md", cwd=project)
    assert done.returncode == 5
    assert "docs/notes.md holds no check blocks" in done.stderr


def test_a_selection_that_matches_runs_and_exits_by_fail_on(project: Path) -> None:
    assert runbook("check", "--tag", "api", cwd=project).returncode == 0
    assert runbook("check", "--tag", "deploy", cwd=project).returncode == 1


def test_list_is_an_offline_lint_of_blocks_and_catalog(
    project: Path, http_server: RouteServer
) -> None:
    (project / "docs" / "catalog-users.md").write_text(CATALOG_PAGE, encoding="utf-8")
    (project / "checks").mkdir()
    (project / "checks" / "api.yml").write_text(
        "api-live:\n  http: GET {{ api }}/healthz\n"
        "api-broken:\n  http: GET {{ api }}/healthz\n  retires: 2\n",
        encoding="utf-8",
    )
    done = runbook("list", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    unknown = next(line for line in lines if line.startswith("catalog-users.md:3 "))
    assert "unknown catalog check 'api-liv' — did you mean 'api-live'?" in unknown
    typo = next(line for line in lines if line.startswith("catalog-users.md:11 "))
    assert "catalog-users.md:14: unknown key 'exepct'" in typo
    catalog = next(line for line in lines if line.startswith("checks/api.yml:5 "))
    assert "unknown key 'retires'" in catalog
    assert lines[-1] == "5 checks, 3 problems"
    assert http_server.hits.total() == 0, "list never contacts a target"

    rows = json.loads(runbook("list", "--format", "json", cwd=project).stdout)
    errors = {(r["page"], r["line"]): r["error"] for r in rows if r["error"]}
    assert set(errors) == {
        ("catalog-users.md", 3),
        ("catalog-users.md", 11),
        ("checks/api.yml", 5),
    }

    fixed = CATALOG_PAGE.replace("api-liv\n", "api-live\n").replace("exepct", "expect")
    (project / "docs" / "catalog-users.md").write_text(fixed, encoding="utf-8")
    (project / "checks" / "api.yml").write_text("api-live:\n  http: GET {{ api }}/healthz\n")
    clean = runbook("list", cwd=project)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout.splitlines()[-1] == "5 checks, 0 problems"


def test_mkdocs_yml_is_found_from_the_path(project: Path, tmp_path: Path) -> None:
    (project / "checks").mkdir()
    (project / "checks" / "api.yml").write_text("api-live:\n  http: GET {{ api }}/healthz\n")
    page = project / "docs" / "catalog-users.md"
    page.write_text("# Users\n\n```check\nuse: api-live\n```\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = runbook("check", str(page), cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 check in env 'local': 1 pass" in done.stdout
    # From a subfolder with no PATH: the walk starts at the working directory.
    inside = runbook("list", cwd=project / "docs")
    assert inside.returncode == 0, inside.stdout + inside.stderr
    assert "use      api-live" in inside.stdout
    # -f still wins: an explicit file that does not exist is a usage error.
    assert runbook("check", "-f", "nope.yml", str(page), cwd=elsewhere).returncode == 2


def test_timeout_overrides_every_checks_own(project: Path) -> None:
    (project / "docs" / "slow.md").write_text(
        "# Slow\n\n```check\nname: Slow\nhttp: GET {{ api }}/slow\ntimeout: 30s\n```\n",
        encoding="utf-8",
    )
    done = runbook("check", "--timeout", "200ms", "--format", "json", "docs/slow.md", cwd=project)
    assert done.returncode == 1, done.stderr
    check = json.loads(done.stdout)["checks"][0]
    assert check["status"] == "fail"
    assert check["value"] == "timed out after 200ms"


BUILD_PAGE = """\
# Ops

```check
name: API live
http: GET {{ api }}/healthz
```

```check
name: API ready
http: GET {{ api }}/readyz
```
"""


def test_a_build_logs_a_summary_and_lists_failures(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    site = make_site(tmp_path, runbook={"environments": {"local": {"api": http_server.url}}})
    site.page("index.md", BUILD_PAGE)

    done = site.build()
    assert done.returncode == 0, "fail_on defaults to [error]: a down target publishes"
    assert "INFO    -  runbook: 2 checks: 1 pass, 1 fail · env local" in done.stderr
    assert "WARNING -  runbook: fail  index.md:8 API ready — expected status < 400" in done.stderr

    strict = site.build("--strict")
    assert strict.returncode == 0, "under --strict fail_on alone decides: " + strict.stderr
    assert "INFO    -  runbook: fail  index.md:8 API ready" in strict.stderr

    # The CI recipes' switch: fail_on from a variable, [error] unless the job says otherwise.
    config = (tmp_path / "mkdocs.yml").read_text()
    (tmp_path / "mkdocs.yml").write_text(
        config.replace("runbook:\n", "runbook:\n    fail_on: !ENV [RUNBOOK_FAIL_ON, [error]]\n")
    )
    assert site.build().returncode == 0
    gated = site.build(env={"RUNBOOK_FAIL_ON": "fail,error"})
    assert gated.returncode == 1 and "1 check(s) with a status in fail_on" in gated.stderr

    site.page("index.md", BUILD_PAGE + "\n```check\nname: Broken\nhtp: GET {{ api }}/\n```\n")
    broken = site.build()
    assert broken.returncode == 1, "an error is in the default fail_on"
    assert "1 check(s) with a status in fail_on" in broken.stderr
    assert "unknown key 'htp'" in broken.stderr


def test_the_build_log_lines_mask_secrets(tmp_path: Path) -> None:
    secret = "gate-secret-8472"
    site = make_site(tmp_path, runbook={"fail_on": []})
    site.page(
        "index.md",
        "# Ops\n\n```check\nname: Token <b>probe</b>\n"
        "http: GET http://127.0.0.1:1/?token={{ secrets.GATE_TOKEN }}\n```\n",
    )
    done = site.build(env={"GATE_TOKEN": secret})
    assert done.returncode == 0, done.stderr
    assert "runbook: 1 check: 1 fail · env local" in done.stderr
    failure = next(line for line in done.stderr.splitlines() if "index.md:3" in line)
    assert secret not in done.stderr
    assert "token=••••" in failure and "Token <b>probe</b>" in failure, "plain text, no markup"
