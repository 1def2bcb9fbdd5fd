"""What exists when a build starts is out of its garbage collections, and only for the build
(issue 14): real ``mkdocs build`` runs, the collector's own counts read from inside them."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from servers import RouteServer
from sites import Site, make_site

pytestmark = pytest.mark.slow

PAGE = """# Deploy

```check
name: API live
http: GET {{ api }}/healthz
```
"""

# Hooks run after the plugins: each event sees what the plugin's own handler left.
FREEZE_COUNTS_HOOK = """
import gc, json
from pathlib import Path

seen = {}

def on_config(config):
    seen["config"] = gc.get_freeze_count()

def on_page_markdown(markdown, page, config, files):
    seen["page"] = gc.get_freeze_count()
    # The plugin, there before, is frozen; an object the build makes is the collector's.
    plugin, made = config.plugins["runbook"], [page]
    tracked = gc.get_objects()  # every generation but the permanent one
    seen["plugin_collected"] = any(o is plugin for o in tracked)
    seen["made_collected"] = any(o is made for o in tracked)

def on_post_build(config):
    seen["post_build"] = gc.get_freeze_count()
    (Path(config.config_file_path).parent / "freeze.json").write_text(json.dumps(seen))
"""


@pytest.fixture
def target(http_server: RouteServer) -> RouteServer:
    http_server.route("/healthz", body={"status": "ok"})
    return http_server


@pytest.fixture
def collector_as_found() -> Iterator[None]:
    """Whatever a test does to the collector is undone for the tests after it."""
    yield
    gc.unfreeze()
    gc.enable()


def counted_site(root: Path, target: RouteServer) -> Site:
    """A one-check site whose hook records the freeze counts (read with ``counts``)."""
    site = make_site(root, runbook={"environments": {"local": {"api": target.url}}})
    site.page("index.md", PAGE)
    site.hook("freeze_counts.py", FREEZE_COUNTS_HOOK)
    return site


def counts(root: Path) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads((root / "freeze.json").read_text())
    return seen


def test_a_build_freezes_what_exists_at_its_start_and_thaws_it_at_its_end(
    tmp_path: Path, target: RouteServer
) -> None:
    done = counted_site(tmp_path, target).build()
    assert done.returncode == 0, done.stderr
    seen = counts(tmp_path)
    # MkDocs, Markdown, Jinja2 and the plugin are imported by then: thousands of objects.
    assert seen["config"] > 10_000
    assert seen["page"] > 10_000  # fewer: frozen objects are still freed when unreferenced
    assert seen["plugin_collected"] is False
    assert seen["made_collected"] is True
    assert seen["post_build"] == 0


def in_process_build(root: Path, *, shutdown: bool = True) -> None:
    """``mkdocs build`` as its command runs it, or (``shutdown=False``) as a program calling
    MkDocs' ``build`` alone would: then no ``on_shutdown`` follows."""
    config = load_config(str(root / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        if shutdown:
            config.plugins.on_shutdown()


FAILING_PAGE_HOOK = """
def on_page_markdown(markdown, page, config, files):
    raise RuntimeError("a hook that fails")
"""


@pytest.mark.parametrize("failure", ["fail_on", "a page's error"])
def test_a_failed_build_thaws_too(
    tmp_path: Path, target: RouteServer, collector_as_found: None, failure: str
) -> None:
    """Failing checks end the build in ``on_post_build``; an error in a page ends it before,
    and then ``on_build_error`` thaws, even with no ``on_shutdown`` after it."""
    target.route("/healthz", status=503)
    site = make_site(
        tmp_path,
        runbook={"environments": {"local": {"api": target.url}}, "fail_on": ["fail"]},
    )
    site.page("index.md", PAGE)
    if failure == "a page's error":
        site.hook("failing_page.py", FAILING_PAGE_HOOK)
    with pytest.raises(Abort if failure == "fail_on" else RuntimeError):
        in_process_build(tmp_path, shutdown=failure == "fail_on")
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_keeps_them_frozen(
    tmp_path: Path, target: RouteServer, collector_as_found: None
) -> None:
    counted_site(tmp_path, target)
    gc.freeze()
    mine = gc.get_freeze_count()
    in_process_build(tmp_path)
    seen = counts(tmp_path)
    # Not one more frozen in the build (some of the process's own freed meanwhile) ...
    assert mine >= seen["config"] >= seen["page"] > mine // 2
    # ... and not thawed at its end: still the process's own.
    assert mine >= gc.get_freeze_count() > mine // 2


def test_a_process_with_the_collector_off_is_left_so(
    tmp_path: Path, target: RouteServer, collector_as_found: None
) -> None:
    counted_site(tmp_path, target)
    gc.disable()
    in_process_build(tmp_path)
    assert not gc.isenabled()
    seen = counts(tmp_path)
    assert seen["config"] == seen["page"] == seen["post_build"] == 0
