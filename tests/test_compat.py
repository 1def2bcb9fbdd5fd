"""Where users' docs live besides plain MkDocs (SPEC 12): Backstage TechDocs' core plugin, with
its pinned pymdown-extensions; Zensical, which runs Markdown extensions but no MkDocs plugins;
ProperDocs, the MkDocs 1.x fork. Each runs in its own virtualenv, made by ``make test``
(``make compat-venvs``), building a real site in ``tmp_path``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from servers import RouteServer
from sites import with_class

pytestmark = [pytest.mark.slow, pytest.mark.compat]

ROOT = Path(__file__).resolve().parents[1]
RUNBOOK = str(Path(sys.executable).parent / "runbook")

PAGE = """# Service

!!! note "Before you start"

    ```check
    name: API live
    http: GET {{ api }}/healthz
    expect: [$.status == ok]
    ```

```bash check name="API ready"
curl -sf {{ api }}/readyz
```
"""


def guide_config(page: str, marker: str) -> dict[str, object]:
    """The YAML block a guide page marks ``<!-- tested: MARKER -->``: the tests build what the
    docs tell users to write."""
    text = (ROOT / "docs" / "guide" / page).read_text(encoding="utf-8")
    after = text.split(f"<!-- tested: {marker} -->", 1)[1]
    block = after.split("```yaml\n", 1)[1].split("\n```", 1)[0]
    loaded: dict[str, object] = yaml.safe_load(block)
    return loaded


def venv_tool(venv: str, tool: str) -> str:
    path = ROOT / venv / "bin" / tool
    if not path.exists():
        message = f"{venv} is missing: `make compat-venvs` creates it"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run these: a skip there would hide a broken install
        pytest.skip(message)
    return str(path)


def write_site(root: Path, config: dict[str, object], page: str = PAGE) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, env=environment
    )


@pytest.fixture
def target(http_server: RouteServer) -> RouteServer:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    return http_server


def assert_two_checks(html: str) -> None:
    checks = with_class(html, "runbook-check")
    assert [c["id"] for c in checks] == ["runbook-api-live", "runbook-api-ready"]
    assert "runbook-check-pass" in (checks[0]["class"] or "")
    assert "runbook-check-fail" in (checks[1]["class"] or "")


def test_techdocs_core_and_the_plugin_build_a_site_with_checks(
    tmp_path: Path, target: RouteServer
) -> None:
    mkdocs = venv_tool(".venv-techdocs", "mkdocs")
    config = guide_config("techdocs.md", "techdocs-config")
    runbook = config["plugins"][1]["runbook"]  # type: ignore[index]
    runbook["environments"]["local"]["api"] = target.url
    runbook["fail_on"] = []
    site = write_site(tmp_path, config)
    done = run([mkdocs, "build"], site)
    assert done.returncode == 0, done.stderr
    html = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert_two_checks(html)
    assert target.hits["/healthz"] == 1


def test_zensical_renders_checks_from_a_report(tmp_path: Path, target: RouteServer) -> None:
    zensical = venv_tool(".venv-zensical", "zensical")
    # The runner's side: the checks run where the targets are, into a report.
    checks = write_site(
        tmp_path / "runner",
        {
            "site_name": "S",
            # The runner finds the blocks the site shows: the same block-level extensions.
            "markdown_extensions": ["admonition", "pymdownx.superfences"],
            "plugins": [
                {"runbook": {"environments": {"local": {"api": target.url}}, "fail_on": []}}
            ],
        },
    )
    report = checks / "runbook-checks.json"
    done = run([RUNBOOK, "check", "-o", str(report), "--format", "json"], checks)
    assert report.is_file(), done.stderr
    # The site's side: Zensical renders them (the config the Zensical guide page shows).
    hits = dict(target.hits)
    config = guide_config("zensical.md", "zensical-config")
    site = write_site(tmp_path / "zensical", config)
    report.replace(site / "runbook-checks.json")  # where the guide's config looks for it
    done = run([zensical, "build", "--clean"], site)
    assert done.returncode == 0, done.stderr + done.stdout
    html = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert_two_checks(html)
    assert len(with_class(html, "runbook-summary")) == 1
    assert dict(target.hits) == hits  # rendering ran nothing


def test_properdocs_loads_and_runs_the_plugin(tmp_path: Path, target: RouteServer) -> None:
    properdocs = venv_tool(".venv-properdocs", "properdocs")
    config = {
        "site_name": "Service",
        "markdown_extensions": ["admonition"],
        "plugins": [{"runbook": {"environments": {"local": {"api": target.url}}, "fail_on": []}}],
    }
    site = write_site(tmp_path, config)
    done = run([properdocs, "build"], site)
    assert done.returncode == 0, done.stderr
    html = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert_two_checks(html)
    report = json.loads((site / "site" / "runbook-checks.json").read_text())
    assert [c["status"] for c in report["checks"]] == ["pass", "fail"]
