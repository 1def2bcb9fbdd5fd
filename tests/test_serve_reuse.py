"""What a ``mkdocs serve`` rebuild reuses from the last one (issue 14): an unchanged page's
prepared checks (run/kept_preparations.py) and the status page's markup
(render/kept_status_page.py). Proved by counting preparations and renderings through real
serve-style rebuilds, and by searching every output for the secret a reused check taught."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from secret_servers import SecretFormsServer, leaks
from sites import make_site

pytestmark = pytest.mark.slow

SECRET = "kept-s3cret-Value-41"
NEW_SECRET = "fresh-s3cret-Value-97"

#: Names the secret (in a header) without ever showing it: its page stays unchanged.
NAMING_PAGE = """# Authorised

```check
name: authorised
http: GET {{ api }}/plain/nothing
headers: {Authorization: "Bearer {{ secrets.RB_TOKEN }}"}
```
"""

#: Names no secret, but the target answers with it: only the run's redactor, which learned it
#: from the other page, keeps it out of the outputs.
ECHO_PAGE = """# Echo

Prose N.

```check
name: echoed
http: GET {{ api }}/plain/RB_TOKEN?v=V
expect:
  - body == nothing
```
"""


def echo_page(prose: int, version: int) -> str:
    return ECHO_PAGE.replace("Prose N.", f"Prose {prose}.").replace("?v=V", f"?v={version}")


@pytest.fixture
def server() -> Iterator[SecretFormsServer]:
    with SecretFormsServer({"RB_TOKEN": SECRET}) as running:
        yield running


def start_site(tmp_path: Path, server: SecretFormsServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site of three pages (one naming the secret, one whose target echoes it) in
    ``tmp_path``, made the working folder, the secret in the environment: the echo page's path."""
    monkeypatch.setenv("RB_TOKEN", SECRET)
    site = make_site(tmp_path, runbook={"environments": {"local": {"api": server.url}}})
    site.page("index.md", "# Home\n\nProse.\n")
    site.page("authorised.md", NAMING_PAGE)
    echo = site.page("echo.md", echo_page(0, 0))
    monkeypatch.chdir(tmp_path)
    return echo


def serve_session(root: Path) -> tuple[object, Callable[[], None], Callable[[], None]]:
    """(the plugin, a rebuild, the end of the session), as ``mkdocs serve`` runs them."""
    config_file = str(root / "mkdocs.yml")
    first = load_config(config_file, site_dir=str(root / "served"))
    first.plugins.on_startup(command="serve", dirty=False)

    def rebuild() -> None:
        build(load_config(config_file, site_dir=str(root / "served")), serve_url="/")

    return first.plugins["runbook"], rebuild, first.plugins.on_shutdown


def outputs(root: Path) -> dict[str, str]:
    """Every file the session wrote: the served site and the cache."""
    files = [*(root / "served").rglob("*"), *(root / ".cache").rglob("*")]
    return {
        str(path.relative_to(root)): path.read_text("utf-8", errors="replace")
        for path in files
        if path.is_file() and path.suffix in {".html", ".json", ".svg", ".txt"}
    }


def assert_masked(root: Path, *secrets: str) -> None:
    found = outputs(root)
    assert "served/echo/index.html" in found and "served/runbook-checks.json" in found
    for name, text in found.items():
        for secret in secrets:
            assert not leaks(text, secret), f"{name} shows the secret"
    report = json.loads(found["served/runbook-checks.json"])
    [echoed] = [check for check in report["checks"] if check["page"] == "echo.md"]
    assert echoed["status"] == "fail" and echoed["detail"] == "••••"
    assert "••••" in found["served/echo/index.html"]
    assert "••••" in found["served/status/index.html"]


def test_a_rebuild_prepares_only_changed_pages_and_keeps_reused_secrets_masked(
    tmp_path: Path, server: SecretFormsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = start_site(tmp_path, server, monkeypatch)
    plugin, rebuild, shutdown = serve_session(tmp_path)
    kept = plugin.preparations  # type: ignore[attr-defined]
    before = kept.prepared  # MkDocs keeps one plugin object a process (on_startup): counted on
    try:
        rebuild()
        assert kept.prepared == before + 2
        assert_masked(tmp_path, SECRET)

        rebuild()  # nothing changed: nothing prepared
        assert kept.prepared == before + 2

        # The echoing check changes and runs again; the page naming the secret is reused, so
        # only what its preparation taught the redactor keeps the secret out of the answer.
        for version in (1, 2):
            echo.write_text(echo_page(version, version), encoding="utf-8")
            rebuild()
            assert kept.prepared == before + 2 + version, "only the edited page's check"
            assert_masked(tmp_path, SECRET)

        # Another value of the secret: every check is prepared again, and the new one masked.
        monkeypatch.setenv("RB_TOKEN", NEW_SECRET)
        server.secrets["RB_TOKEN"] = NEW_SECRET
        echo.write_text(echo_page(3, 3), encoding="utf-8")
        rebuild()
        assert kept.prepared == before + 6
        assert_masked(tmp_path, SECRET, NEW_SECRET)

        # Another setting (a new config object each rebuild: compared by value): all again.
        config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text("utf-8"))
        config["plugins"][0]["runbook"]["timeout"] = "7s"
        (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        rebuild()
        assert kept.prepared == before + 8
        rebuild()
        assert kept.prepared == before + 8
        assert_masked(tmp_path, SECRET, NEW_SECRET)
    finally:
        shutdown()


def test_a_rebuild_reuses_the_status_page_until_what_it_shows_changes(
    tmp_path: Path, server: SecretFormsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = start_site(tmp_path, server, monkeypatch)
    plugin, rebuild, shutdown = serve_session(tmp_path)
    status = plugin.status_markup  # type: ignore[attr-defined]
    status_page = tmp_path / "served" / "status" / "index.html"
    try:
        rebuild()  # live
        rebuild()  # from the cache: "cached" now
        renders = status.renders
        echo.write_text(echo_page(1, 0), encoding="utf-8")  # prose only
        rebuild()
        assert status.renders == renders, "a prose edit shows the same checks"
        assert ">echoed<" in status_page.read_text("utf-8")

        echo.write_text(echo_page(1, 1).replace("echoed", "answered"), "utf-8")
        rebuild()
        assert status.renders == renders + 1
        shown = status_page.read_text("utf-8")
        assert ">answered<" in shown and ">echoed<" not in shown
        assert_masked(tmp_path, SECRET)
    finally:
        shutdown()
