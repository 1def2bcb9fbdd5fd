"""The ``mkdocs serve`` path: rebuilds reuse results; editing a check re-runs only that check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from servers import RouteServer
from sites import make_site

pytestmark = pytest.mark.slow


def test_serve_rebuilds_hit_live_targets_once(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", body={"status": "ready"})
    site = make_site(tmp_path, runbook={"environments": {"local": {"api": http_server.url}}})
    page = site.page(
        "index.md",
        "# Ops\n\nFirst version of the prose.\n\n"
        "```check\nname: live\nhttp: {{ api }}/healthz\n```\n\n"
        "```check\nname: ready\nhttp: {{ api }}/readyz\n```\n",
    )
    monkeypatch.chdir(tmp_path)
    config_file = str(tmp_path / "mkdocs.yml")

    def rebuild() -> dict[str, dict[str, object]]:
        config = load_config(config_file, site_dir=str(tmp_path / "served"))
        build(config, serve_url="http://127.0.0.1:8000/")
        report = json.loads((tmp_path / "served" / "runbook-checks.json").read_text())
        return {c["id"]: c for c in report["checks"]}

    first_config = load_config(config_file, site_dir=str(tmp_path / "served"))
    first_config.plugins.on_startup(command="serve", dirty=False)
    try:
        first = rebuild()
        assert http_server.hits["/healthz"] == 1 and http_server.hits["/readyz"] == 1

        page.write_text(page.read_text().replace("First version", "Edited"), encoding="utf-8")
        second = rebuild()
        assert http_server.hits["/healthz"] == 1, "editing prose must not re-hit targets"
        assert http_server.hits["/readyz"] == 1
        assert second["live"]["checked_at"] == first["live"]["checked_at"]
        assert second["live"]["cached"] is True

        page.write_text(
            page.read_text().replace("{{ api }}/readyz", "{{ api }}/readyz?v=2"), encoding="utf-8"
        )
        rebuild()
        assert http_server.hits["/healthz"] == 1
        assert http_server.hits["/readyz"] == 2, "a changed check runs again"
    finally:
        first_config.plugins.on_shutdown()
    # Three distinct checks ran (live, ready, ready?v=2): each left a result on disk.
    on_disk = json.loads((tmp_path / ".cache" / "runbook" / "results.json").read_text())
    assert len(on_disk["results"]) == 3


def test_serve_rebuild_reads_an_edited_snippet_again(
    tmp_path: Path,
    http_server: RouteServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A page's parsed checks are kept across rebuilds while its Markdown stays the same, but
    a page that includes snippets also depends on those files: an edited one counts."""
    http_server.route("/v1", body={"status": "ok"})
    http_server.route("/v2", body={"status": "ok"})
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    included = snippets / "check.md"
    included.write_text("```check\nname: included\nhttp: {{ api }}/v1\n```\n", encoding="utf-8")
    site = make_site(
        tmp_path,
        runbook={"environments": {"local": {"api": http_server.url}}},
        extensions=[{"pymdownx.snippets": {"base_path": [str(snippets)]}}],
    )
    site.page("index.md", '# Ops\n\n--8<-- "check.md"\n')
    monkeypatch.chdir(tmp_path)
    config_file = str(tmp_path / "mkdocs.yml")

    def rebuild() -> str:
        """The target of the page's one check."""
        config = load_config(config_file, site_dir=str(tmp_path / "served"))
        build(config, serve_url="http://127.0.0.1:8000/")
        report = json.loads((tmp_path / "served" / "runbook-checks.json").read_text())
        [check] = report["checks"]
        return str(check["target"])

    first_config = load_config(config_file, site_dir=str(tmp_path / "served"))
    first_config.plugins.on_startup(command="serve", dirty=False)
    try:
        assert rebuild().endswith("/v1")
        included.write_text(included.read_text().replace("/v1", "/v2"), encoding="utf-8")
        caplog.clear()
        assert rebuild().endswith("/v2")
        assert http_server.hits["/v2"] == 1
        assert "found only by the site build" not in caplog.text
    finally:
        first_config.plugins.on_shutdown()
