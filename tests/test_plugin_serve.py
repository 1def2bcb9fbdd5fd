"""The ``mkdocs serve`` path: rebuilds reuse results; editing a check re-runs only that check."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
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


def test_serve_rebuilds_reuse_check_markup_until_what_it_shows_changes(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild after a prose edit renders no check again, yet every check shows what a fresh
    rendering would: its age now, an edited snippet's check, a changed ``display``."""
    http_server.route("/healthz", body={"status": "ok"})
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    included = snippets / "check.md"
    included.write_text("```check\nname: included\nhttp: {{ api }}/healthz\n```\n", "utf-8")
    runbook = {"environments": {"local": {"api": http_server.url}}}
    extensions: list[object] = [{"pymdownx.snippets": {"base_path": [str(snippets)]}}]
    make_site(tmp_path, runbook=runbook, extensions=extensions)
    page = tmp_path / "docs" / "index.md"
    page.write_text(
        "# Ops\n\nProse.\n\n```check\nname: own\nhttp: {{ api }}/healthz?own\n```\n\n"
        '--8<-- "check.md"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    config_file = tmp_path / "mkdocs.yml"

    def rebuild() -> str:
        build(load_config(str(config_file), site_dir=str(tmp_path / "served")), serve_url="/")
        return (tmp_path / "served" / "index.html").read_text("utf-8")

    first_config = load_config(str(config_file), site_dir=str(tmp_path / "served"))
    first_config.plugins.on_startup(command="serve", dirty=False)
    plugin = first_config.plugins["runbook"]
    try:
        rebuild()  # live
        rebuild()  # the results reused from the cache: "cached", with their age
        renders = plugin.rendered.renders  # type: ignore[attr-defined]
        page.write_text(page.read_text("utf-8").replace("Prose.", "Edited prose."), "utf-8")
        edited = rebuild()
        assert plugin.rendered.renders == renders, "a prose edit renders no check again"  # type: ignore[attr-defined]
        assert "Edited prose." in edited and edited.count("runbook-flag-cached") == 2

        later = datetime.now(timezone.utc) + timedelta(minutes=2, seconds=30)
        monkeypatch.setattr("mkdocs_runbook.record.badges.utc_now", lambda: later)
        aged = rebuild()
        assert plugin.rendered.renders == renders, "only the age changed"  # type: ignore[attr-defined]
        assert len(re.findall(r">pass · (?:\d+|&lt;1) ms · 2 min ago<", aged)) == 2, aged

        included.write_text(included.read_text("utf-8").replace("included", "shared"), "utf-8")
        snippet_edited = rebuild()
        assert ">shared<" in snippet_edited and ">included<" not in snippet_edited
        # The edited check, and the page summary (it is rendered from the page's results).
        assert plugin.rendered.renders == renders + 2  # type: ignore[attr-defined]

        config = yaml.safe_load(config_file.read_text("utf-8"))
        config["plugins"][0]["runbook"]["display"] = "compact"
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        compact = rebuild()
        assert "runbook-source" not in snippet_edited and compact.count('runbook-source"') == 2
    finally:
        first_config.plugins.on_shutdown()
