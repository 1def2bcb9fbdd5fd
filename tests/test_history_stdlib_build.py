"""A site build and `runbook check` on a SQLite history store use the stdlib driver and never
import SQLAlchemy (issue 14: it cost a fifth of a small build), not even the first build, which
creates the store, while showing and recording the same history; what they write, `runbook
history` (SQLAlchemy) reads. Real processes, each run under ``python -X importtime``, whose
report names every module the process imported."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from servers import RouteServer
from sites import Site, make_site, with_class

pytestmark = pytest.mark.slow

PAGE = """# Ops

```check
name: API live
http: GET {{ api }}/healthz
```
"""


def run_reporting_imports(
    *args: str, cwd: Path
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime ARGS``; the process and the top-level packages it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=cwd,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    packages = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return done, packages


def build(site: Site) -> set[str]:
    done, packages = run_reporting_imports("-m", "mkdocs", "build", "--strict", cwd=site.root)
    assert done.returncode == 0, done.stderr[-3000:]
    return packages


@pytest.fixture
def site(tmp_path: Path, http_server: RouteServer) -> Site:
    http_server.route("/healthz", body={"status": "ok"})
    built = make_site(
        tmp_path / "site-root", runbook={"environments": {"local": {"api": http_server.url}}}
    )
    built.page("ops.md", PAGE)
    return built


def test_builds_and_checks_on_a_sqlite_store_never_import_sqlalchemy(site: Site) -> None:
    # No store yet (a first build, as in CI on a fresh clone): created without SQLAlchemy too.
    # That the import would be seen, `runbook history` below proves.
    assert "sqlalchemy" not in build(site)
    assert (site.root / ".cache/runbook/history.sqlite").is_file()
    assert "sqlalchemy" not in build(site)
    page = site.html("ops/index.html")
    assert len(with_class(page, "runbook-mark")) == 2
    assert "passed 2 of 2 runs in 30 days" in page

    cli = "import sys; from mkdocs_runbook.cli import main; sys.exit(main())"
    done, packages = run_reporting_imports("-c", cli, "check", cwd=site.root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "mkdocs_runbook" in packages and "sqlalchemy" not in packages

    with sqlite3.connect(site.root / ".cache/runbook/history.sqlite") as connection:
        triggers = connection.execute("SELECT trigger FROM runbook_runs")
        # Sorted: times are kept to the second (SPEC 10), and these runs can share one.
        assert sorted(trigger for (trigger,) in triggers) == ["build", "build", "check"]
    # What the stdlib driver wrote, SQLAlchemy reads back: `runbook history`.
    done, packages = run_reporting_imports("-c", cli, "history", "--format", "json", cwd=site.root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sqlalchemy" in packages
    [check] = json.loads(done.stdout)["checks"]
    assert sorted(run["trigger"] for run in check["runs"]) == ["build", "build", "check"]
    assert {run["status"] for run in check["runs"]} == {"pass"}
