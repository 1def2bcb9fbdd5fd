"""A runner's install (issue 20): this package alone, without a theme, other plugins or test tools.

``runbook`` from that virtualenv (``.venv-lean``: `make test` makes it; the fixture makes it
when it is missing or older than pyproject.toml) reads and checks the project's own site,
whose theme is Material, and a site naming a theme and plugins that are not installed.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mkdocs_runbook.demo import DemoService
from servers import RouteServer

ROOT = Path(__file__).resolve().parent.parent
LEAN = ROOT / ".venv-lean"


@pytest.fixture(scope="session")
def lean() -> Iterator[Path]:
    """The lean virtualenv's ``bin`` folder, made once (a lock keeps xdist workers in line)."""
    LEAN.mkdir(exist_ok=True)
    stamp = LEAN / ".installed"
    with (LEAN / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.is_file() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
            subprocess.run([sys.executable, "-m", "venv", str(LEAN)], check=True, timeout=300)
            subprocess.run(
                [str(LEAN / "bin" / "pip"), "install", "--quiet", "-e", str(ROOT)],
                check=True,
                timeout=900,
            )
            stamp.touch()
    yield LEAN / "bin"


def run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CI": "true", **(env or {})}
    environ.pop("RUNBOOK_ENV", None)
    return subprocess.run(
        command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def test_the_lean_install_has_no_theme_and_no_test_tools(lean: Path) -> None:
    for module in ("material", "pytest", "trustme", "mkdocs_runbook.plugin"):
        done = run([str(lean / "python"), "-c", f"import {module}"], cwd=ROOT)
        expected_to_import = module == "mkdocs_runbook.plugin"
        assert (done.returncode == 0) is expected_to_import, (module, done.stderr)


def test_list_of_the_project_site_matches_a_full_install(lean: Path) -> None:
    lean_list = run([str(lean / "runbook"), "list", "--format", "json"], cwd=ROOT)
    assert lean_list.returncode == 0, lean_list.stderr
    assert lean_list.stderr == "", "every extension of the project's site is installed"
    full_list = run(
        [str(Path(sys.executable).parent / "runbook"), "list", "--format", "json"], cwd=ROOT
    )
    assert json.loads(lean_list.stdout) == json.loads(full_list.stdout)
    assert len(json.loads(lean_list.stdout)) > 50


def test_check_of_a_project_site_page_against_the_demo(lean: Path, tmp_path: Path) -> None:
    page = "docs/runbooks/deploy-and-verify.md"
    with DemoService(token="lean-token-not-the-default") as demo:
        done = run(
            [
                str(lean / "runbook"),
                "check",
                page,
                "--format",
                "json",
                "-o",
                str(tmp_path / "r.json"),
            ],
            cwd=ROOT,
            env=demo.environment(),
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {check["page"] for check in report["checks"]} == {"runbooks/deploy-and-verify.md"}
    assert report["summary"]["pass"] >= 5 and report["summary"]["error"] == 0
    for output in (done.stdout, done.stderr, (tmp_path / "r.json").read_text(encoding="utf-8")):
        assert "lean-token-not-the-default" not in output


MATERIAL_SITE = """\
site_name: Ops
site_url: https://runbooks.example.com/
theme:
  name: material
  palette: {scheme: slate}
plugins:
  - search
  - git-revision-date-localized:
      enable_creation_date: true
  - minify:
      minify_html: true
  - runbook:
      environments:
        local: {api: "URL"}
markdown_extensions:
  - admonition
  - pymdownx.details
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
  - pymdownx.tabbed: {alternate_style: true}
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - mdx_truly_sane_lists
"""

PAGE = """\
# API :material-check:

```check
name: API live
http: GET {{ api }}/healthz
expect: [$.status == ok]
```

!!! note "During a deploy"

    ```check
    name: API ready
    http: GET {{ api }}/readyz
    ```
"""


def test_a_material_site_with_plugins_that_are_not_installed(
    lean: Path, tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", body={"status": "ready"})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text(PAGE, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        MATERIAL_SITE.replace("URL", http_server.url), encoding="utf-8"
    )
    build = run([str(lean / "mkdocs"), "build"], cwd=tmp_path)
    # MkDocs itself stops at Material's emoji index, before it gets to the theme and plugins.
    assert build.returncode != 0 and "No module named 'material'" in build.stderr

    listed = run([str(lean / "runbook"), "list"], cwd=tmp_path / "docs")
    assert listed.returncode == 0, listed.stderr
    assert "2 checks" in listed.stdout

    done = run([str(lean / "runbook"), "check", "-o", "report.json"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 checks in env 'local': 2 pass" in done.stdout
    assert done.stderr.splitlines() == [
        "runbook: warning: mkdocs.yml: Markdown extension 'mdx_truly_sane_lists' is not "
        "installed: blocks are found as if it were off, so checks inside the Markdown it "
        "handles may differ from the site build's"
    ]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [(c["id"], c["status"]) for c in report["checks"]] == [
        ("api-live", "pass"),
        ("api-ready", "pass"),
    ]
    assert http_server.hits["/healthz"] == 1 and http_server.hits["/readyz"] == 1
