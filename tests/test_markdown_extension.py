"""``mkdocs_runbook.markdown``: check blocks rendered from results in any Python-Markdown site
(SPEC 12). Results come from a real ``runbook check`` run against a server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
import yaml

from faults import XSS
from servers import RouteServer
from sites import MKDOCS, with_class

RUNBOOK = str(Path(sys.executable).parent / "runbook")

PAGE = """# Deploy

```check
name: API live
http: GET {{ api }}/healthz
```

```bash check name="API ready"
curl -sf {{ api }}/readyz
```

```bash
echo an ordinary block
```
"""


def check_report(root: Path, server: RouteServer, page: str = PAGE) -> Path:
    """Write a one-page site and run ``runbook check`` on it; return its report."""
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "deploy.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "Runbooks",
        "plugins": [{"runbook": {"environments": {"local": {"api": server.url}}}}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    report = root / "runbook-checks.json"
    subprocess.run(
        [RUNBOOK, "check", "docs", "--format", "json", "-o", str(report)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.is_file()
    return report


def convert(text: str, **config: object) -> str:
    return markdown.markdown(
        text,
        extensions=["mkdocs_runbook.markdown"],
        extension_configs={"mkdocs_runbook.markdown": config},
    )


@pytest.fixture
def target(http_server: RouteServer) -> RouteServer:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body=XSS)
    return http_server


def test_plain_python_markdown_shows_each_check_with_its_result(
    tmp_path: Path, target: RouteServer
) -> None:
    report = check_report(tmp_path, target)
    html = convert(PAGE, results=[str(report)])
    live, ready = with_class(html, "runbook-check")
    assert live["id"] == "runbook-api-live"
    assert "runbook-check-pass" in (live["class"] or "")
    assert ready["id"] == "runbook-api-ready"
    assert "runbook-check-fail" in (ready["class"] or "")
    assert "fail · 503" in html
    assert "<time" in html  # when it ran
    assert len(with_class(html, "runbook-summary")) == 1  # the page summary
    assert ">ordinary<" in html  # unmarked blocks are highlighted as before
    assert len(with_class(html, "runbook-check")) == 2
    assert XSS not in html


def test_a_check_measured_in_two_zones_shows_a_badge_per_zone(
    tmp_path: Path, target: RouteServer
) -> None:
    """SPEC 11: the same check from two zones' reports, one badge each, the block once."""
    eu = json.loads(check_report(tmp_path, target).read_text(encoding="utf-8"))
    us = {**eu, "zone": "us-private"}
    us["checks"] = [
        {**check, "zone": "us-private", "status": "fail", "value": "503", "message": "down"}
        for check in eu["checks"]
    ]
    eu = {**eu, "zone": "eu-private", "checks": [{**c, "zone": "eu-private"} for c in eu["checks"]]}
    (tmp_path / "zones").mkdir()
    for name, report in (("eu", eu), ("us", us)):
        (tmp_path / "zones" / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")
    html = convert(PAGE, results=[str(tmp_path / "zones" / "*.json")])
    checks = with_class(html, "runbook-check")
    assert [c["id"] for c in checks] == [
        "runbook-api-live",
        "runbook-api-live-us-private",
        "runbook-api-ready",
        "runbook-api-ready-us-private",
    ]
    assert [c["class"] for c in checks][:2] == [
        "runbook-check runbook-check-pass",
        "runbook-check runbook-check-fail",
    ]
    # Two badges each, and the page summary's count per zone.
    assert html.count("zone: eu-private") == 3 and html.count("zone: us-private") == 3
    assert len(with_class(html, "runbook-summary-zones")) == 1
    assert html.count("{{ api }}/healthz") == 1  # the block once, under the first badge
    assert XSS not in html


def test_it_never_runs_a_check(tmp_path: Path, target: RouteServer) -> None:
    report = check_report(tmp_path, target)
    hits = dict(target.hits)
    convert(PAGE, results=[str(report)])
    assert dict(target.hits) == hits


def test_a_check_without_a_result_is_skip_no_result(tmp_path: Path) -> None:
    html = convert(PAGE, results=[str(tmp_path / "nothing-*.json")])
    statuses = [c["class"] for c in with_class(html, "runbook-check")]
    assert statuses == ["runbook-check runbook-check-skip"] * 2
    assert "skip · no result" in html


def test_an_old_result_is_marked_stale(tmp_path: Path, target: RouteServer) -> None:
    report = check_report(tmp_path, target)
    data = json.loads(report.read_text())
    for check in data["checks"]:
        check["checked_at"] = "2020-01-01T00:00:00Z"
    report.write_text(json.dumps(data))
    html = convert(PAGE, results=[str(report)], stale_after="1d")
    assert len(with_class(html, "runbook-flag-stale")) == 2
    assert not with_class(
        convert(PAGE, results=[str(report)], stale_after="3650d"), "runbook-flag-stale"
    )


def test_reports_of_another_env_are_left_out(tmp_path: Path, target: RouteServer) -> None:
    report = check_report(tmp_path, target)
    html = convert(PAGE, results=[str(report)], env="staging")
    assert "skip · no result" in html
    assert "runbook-check-pass" not in html


def test_a_corrupt_report_costs_only_itself(tmp_path: Path, target: RouteServer) -> None:
    check_report(tmp_path, target)
    for name, content in [
        ("broken.json", b"{not json"),
        ("list.json", b"[1, 2]"),
        ("latin1.json", "caf\xe9".encode("latin-1")),
        ("deep.json", b"[" * 100_000),
        ("wrongtypes.json", b'{"version": 1, "checks": [{"id": 1}]}'),
    ]:
        (tmp_path / name).write_bytes(content)
    html = convert(PAGE, results=[str(tmp_path / "*.json")])
    assert "runbook-check-pass" in html
    assert "runbook-check-fail" in html


def test_same_id_on_two_pages_is_matched_by_page_when_known(tmp_path: Path) -> None:
    def result(page: str, status: str) -> dict[str, object]:
        return {
            "id": "api", "name": "API", "page": page, "line": 1, "kind": "http",
            "target": f"GET http://127.0.0.1/{page}", "status": status,
            "checked_at": "2026-11-28T10:00:00Z",
        }  # fmt: skip

    report = tmp_path / "r.json"
    report.write_text(
        json.dumps(
            {
                "version": 1,
                "env": "local",
                "checks": [result("a.md", "pass"), result("b.md", "fail")],
            }
        )
    )
    page = "```check\nname: API\nhttp: GET http://127.0.0.1/x\n```\n"
    # Without a page to go by, two different checks share the id: no guess.
    assert "skip · no result" in convert(page, results=[str(report)])


def test_a_site_without_the_plugin_renders_checks_from_results(
    tmp_path: Path, target: RouteServer
) -> None:
    report = check_report(tmp_path / "checks", target)
    site = tmp_path / "site-src"
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "deploy.md").write_text(PAGE, encoding="utf-8")
    config = {
        "site_name": "Runbooks",
        "theme": {"name": "mkdocs"},
        "markdown_extensions": [
            "pymdownx.superfences",
            {"mkdocs_runbook.markdown": {"results": [str(report)]}},
        ],
    }
    (site / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    hits = dict(target.hits)
    done = subprocess.run(
        [*MKDOCS, "build", "--strict"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    html = (site / "site" / "deploy" / "index.html").read_text(encoding="utf-8")
    assert "runbook-check-pass" in html and "runbook-check-fail" in html
    assert dict(target.hits) == hits  # nothing ran during the build


def test_status_page_command_writes_a_markdown_page_that_links_every_check(
    tmp_path: Path, target: RouteServer
) -> None:
    report = check_report(tmp_path, target)
    data = json.loads(report.read_text())
    for check in data["checks"]:
        check["page"] = "deploy.md"  # relative to docs_dir, as every front-end names pages
    data["checks"][0]["name"] = "[evil](javascript:alert(1)) | <img src=x onerror=alert(1)>"
    report.write_text(json.dumps(data))
    output = tmp_path / "docs" / "ops" / "status.md"
    done = subprocess.run(
        [RUNBOOK, "status-page", "--results", str(report), "-o", str(output)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = output.read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=["tables"])
    links = [a["href"] for a in with_class(html.replace("<a ", '<a class="l" '), "l")]
    assert links == ["../deploy.md#runbook-api-ready", "../deploy.md#runbook-api-live"]
    assert "<img" not in html and "javascript:" not in html  # a name is text, never markup
    assert "✗ fail" in html and "✓ pass" in html


def test_results_can_come_from_the_history_store(tmp_path: Path, target: RouteServer) -> None:
    """``history:``: the newest recorded result per check, as a ``run: never`` build shows."""
    check_report(tmp_path, target)  # `runbook check` records its run in the default store
    store = tmp_path / ".cache" / "runbook" / "history.sqlite"
    assert store.is_file()
    hits = dict(target.hits)
    html = convert(PAGE, history=str(store), env="local")
    assert "runbook-check-pass" in html and "runbook-check-fail" in html
    assert dict(target.hits) == hits
