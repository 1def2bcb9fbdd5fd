"""Real ``mkdocs build`` runs in tmp_path against servers on 127.0.0.1 (SPEC 1.4, 5, 6)."""

from __future__ import annotations

import gc
import json
import re
import weakref
from pathlib import Path

import pytest

from faults import XSSServer
from servers import RouteServer
from sites import make_site, with_class

pytestmark = pytest.mark.slow


@pytest.fixture
def target(http_server: RouteServer) -> RouteServer:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    return http_server


def runbook_options(server: RouteServer, **extra: object) -> dict[str, object]:
    return {"environments": {"local": {"api": server.url}}, "fail_on": [], **extra}


PAGE = """# Deploy

Intro prose.

```check
name: API live
http: GET {{ api }}/healthz
expect: [$.status == ok]
```

```check
name: API ready
http: GET {{ api }}/readyz
```

```bash
echo "an ordinary block"
```
"""


@pytest.mark.pyversions
def test_badges_times_summary_and_report(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(tmp_path, runbook=runbook_options(target))
    site.page("index.md", PAGE)
    done = site.build()
    assert done.returncode == 0, done.stderr
    html = site.html("index.html")
    assert with_class(html, "runbook-status-pass") and with_class(html, "runbook-status-fail")
    assert "API live" in html and "API ready" in html
    assert "503" in html
    times = re.findall(r'<time[^>]*datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"', html)
    assert len(times) >= 3, "one per check and one in the summary"
    assert with_class(html, "runbook-summary")
    # An unmarked block is highlighted as before, never run.
    assert "an ordinary block" in html
    report = json.loads((site.out / "runbook-checks.json").read_text())
    assert report["summary"]["pass"] == 1 and report["summary"]["fail"] == 1
    assert {c["id"] for c in report["checks"]} == {"api-live", "api-ready"}
    assert (site.out / "badges" / "index" / "api-live.svg").read_text().startswith("<svg")
    shields = json.loads((site.out / "badges" / "index" / "api-ready.json").read_text())
    assert shields["schemaVersion"] == 1 and "fail" in shields["message"]
    status = site.html("status/index.html")
    assert status.index("API ready") < status.index("API live"), "failures first"
    assert "../#runbook-api-ready" in status or "..#runbook-api-ready" in status
    assert target.hits["/healthz"] == 1


def test_fail_on_ends_the_build_with_a_summary(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(tmp_path, runbook=runbook_options(target, fail_on=["fail", "error"]))
    site.page("index.md", PAGE)
    done = site.build()
    assert done.returncode == 1
    assert "index.md:11 API ready" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_check_is_a_warning_under_strict(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(tmp_path, runbook=runbook_options(target))
    site.page("index.md", "# T\n\n```check\nname: bad\nhttp: {{ api }}/healthz\nexepct: []\n```\n")
    assert site.build().returncode == 0
    strict = site.build("--strict")
    assert strict.returncode == 1
    assert "did you mean 'expect'" in strict.stderr


def test_nested_blocks_are_found(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(
        tmp_path,
        theme="material",
        runbook=runbook_options(target),
        extensions=[
            "admonition",
            "pymdownx.details",
            {"pymdownx.tabbed": {"alternate_style": True}},
            {"pymdownx.snippets": {"base_path": [str(tmp_path / "snippets")]}},
        ],
    )
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "shared.md").write_text(
        "```check\nname: from snippet\nhttp: {{ api }}/healthz\n```\n", encoding="utf-8"
    )
    site.page(
        "index.md",
        "# Nested\n\n"
        '!!! danger "Check first"\n\n    ```check\n    name: in admonition\n'
        "    http: {{ api }}/healthz\n    ```\n\n"
        '??? note "Collapsed"\n\n    ```check\n    name: in details\n'
        "    http: {{ api }}/healthz\n    ```\n\n"
        '=== "Tab one"\n\n    ```check\n    name: in tab\n    http: {{ api }}/healthz\n    ```\n\n'
        "- a list item\n\n    ```check\n    name: in list\n    http: {{ api }}/healthz\n    ```\n\n"
        "> ```check\n> name: in quote\n> http: {{ api }}/healthz\n> ```\n\n"
        '--8<-- "shared.md"\n\n'
        "````markdown\n```check\nname: only an example\nhttp: {{ api }}/healthz\n```\n````\n",
    )
    done = site.build()
    assert done.returncode == 0, done.stderr
    report = json.loads((site.out / "runbook-checks.json").read_text())
    names = sorted(c["name"] for c in report["checks"])
    assert names == sorted(
        ["in admonition", "in details", "in tab", "in list", "in quote", "from snippet"]
    )
    html = site.html("index.html")
    assert len(with_class(html, "runbook-status-pass")) >= 6
    assert "only an example" in html, "an example inside another fence is shown, not run"
    assert "warning" not in done.stderr.lower() or "found only by the site build" not in done.stderr


def test_hostile_target_content_is_escaped_everywhere(tmp_path: Path) -> None:
    with XSSServer() as hostile:
        site = make_site(
            tmp_path,
            runbook={
                "environments": {"local": {"api": hostile.url}},
                "fail_on": [],
                "junit": "junit.xml",
            },
        )
        site.page(
            "index.md",
            "# X\n\n```check\nname: hostile\nhttp: {{ api }}/\n"
            "expect: [body contains nothing-like-this]\n```\n",
        )
        done = site.build()
    assert done.returncode == 0, done.stderr
    for path in site.out.rglob("*"):
        if path.suffix in {".html", ".json", ".xml", ".svg"} and "search" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "<script>alert(1)</script>" not in text, path


def test_checks_used_on_several_pages_run_once(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(tmp_path, runbook=runbook_options(target))
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "api.yml").write_text(
        "api-live:\n  name: API live\n  http: GET {{ api }}/healthz\n", encoding="utf-8"
    )
    for name in ("a.md", "b.md", "c.md"):
        site.page(name, f"# {name}\n\n```check\nuse: api-live\n```\n")
    done = site.build()
    assert done.returncode == 0, done.stderr
    assert target.hits["/healthz"] == 1
    report = json.loads((site.out / "runbook-checks.json").read_text())
    assert sorted(c["page"] for c in report["checks"]) == ["a.md", "b.md", "c.md"]
    assert all(c["status"] == "pass" for c in report["checks"])


def test_disabled_plugin_renders_plain_blocks(tmp_path: Path, target: RouteServer) -> None:
    site = make_site(tmp_path, runbook=runbook_options(target, enabled=False))
    site.page("index.md", PAGE)
    assert site.build().returncode == 0
    assert target.hits.total() == 0
    assert not (site.out / "runbook-checks.json").exists()


# At ``on_env`` MkDocs has converted every page and rendered none: it waits (30 s at most) for
# the badge files there are, and lists them.
BADGE_FILES_AT_ENV_HOOK = """
import time
from pathlib import Path

def on_env(env, config, files):
    badges = Path(config.site_dir) / "badges"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(badges.rglob("*.*"))) < 8:
        time.sleep(0.01)
    names = sorted(str(p.relative_to(badges)) for p in badges.rglob("*.*"))
    (Path(config.config_file_path).parent / "at-env.txt").write_text("\\n".join(names))
    return env
"""


def test_cached_results_have_their_badge_files_written_before_pages_render(
    tmp_path: Path, target: RouteServer
) -> None:
    """A page whose results all come from the cache hands its badge files to the writing
    process as soon as its Markdown is converted, not when MkDocs renders it, last: the disk
    works while MkDocs converts the other pages."""
    site = make_site(tmp_path, runbook=runbook_options(target, cache_ttl="1h"))
    for name in ("a.md", "b.md"):
        site.page(name, f"# {name}\n\n{PAGE}")
    assert site.build().returncode == 0
    hits = target.hits.total()
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("cache_ttl: 1h", "cache_ttl: 1h\n    run: cached"))
    site.hook("badges_at_env.py", BADGE_FILES_AT_ENV_HOOK)
    done = site.build()
    assert done.returncode == 0, done.stderr
    assert target.hits.total() == hits  # every result from the cache
    at_env = (tmp_path / "at-env.txt").read_text().split("\n")
    assert at_env == [
        f"{page}/{check}.{kind}"
        for page in ("a", "b")
        for check in ("api-live", "api-ready")
        for kind in ("json", "svg")
    ]
    shields = json.loads((site.out / "badges/b/api-ready.json").read_text())
    assert shields["message"].startswith("fail · 503 · ")  # and its age: from the cache


# Hooks run after the plugins: at ``on_pre_build`` MkDocs has not cleaned the site folder yet.
BADGES_AT_PRE_BUILD_HOOK = """
from pathlib import Path

def on_pre_build(config):
    there = (Path(config.site_dir) / "badges").exists()
    (Path(config.config_file_path).parent / "at-pre-build.txt").write_text(str(there))
"""


@pytest.mark.parametrize("case", ["clean", "cached", "dirty", "trash blocked"])
def test_the_last_builds_badges_leave_before_mkdocs_cleans_the_site(
    tmp_path: Path, target: RouteServer, case: str
) -> None:
    """MkDocs' clean would remove the last build's badge files one by one on its own thread:
    they leave in one rename into the trash, and the badge writer's process removes them. A
    ``--dirty`` build keeps them; where the rename cannot be made, MkDocs' clean does it."""
    site = make_site(tmp_path, runbook=runbook_options(target, cache_ttl="1h"))
    site.page("a.md", f"# a\n\n{PAGE}")
    assert site.build().returncode == 0
    trash = tmp_path / ".cache/runbook/badge-trash"
    if case == "trash blocked":
        trash.rmdir()
        trash.write_text("not a folder")
    if case == "cached":  # the writing process runs from the start: no workers to wait for
        config = tmp_path / "mkdocs.yml"
        config.write_text(
            config.read_text().replace("cache_ttl: 1h", "cache_ttl: 1h\n    run: cached")
        )
    site.page("a.md", "# a\n\n" + PAGE.replace("```check\nname: API ready", "```yaml\nname: x"))
    site.hook("badges_at_pre_build.py", BADGES_AT_PRE_BUILD_HOOK)
    done = site.build(*(["--dirty"] if case == "dirty" else []))
    assert done.returncode == 0, done.stderr
    moved = (tmp_path / "at-pre-build.txt").read_text() == "False"
    assert moved == (case in ("clean", "cached"))
    if case != "dirty":  # the check no longer on the page has no badge left
        badges = sorted(p.name for p in (site.out / "badges/a").iterdir())
        assert badges == ["api-live.json", "api-live.svg"]
    if trash.is_dir():
        assert list(trash.iterdir()) == []


@pytest.mark.parametrize("run", ["cached", "always"])
def test_builds_write_their_badges_over_the_last_builds_files(
    tmp_path: Path, target: RouteServer, run: str
) -> None:
    """A cached build's badges differ from the last build's in their age at most, a live
    build's in their values: each is written over its file of the last build (by the writing
    process, or by MkDocs' thread while it waits for checks), so no badge file is created or
    removed, and none shares its content with another name; a check gone from the page takes
    its badge along. The copies of badges the plugin used to keep go at the first build."""
    site = make_site(tmp_path, runbook=runbook_options(target, cache_ttl="1h", run=run))
    site.page("a.md", f"# a\n\n{PAGE}")
    site.page("b.md", f"# b\n\n{PAGE}")
    old_copies = site.root / ".cache/runbook/badge-files"
    old_copies.mkdir(parents=True)
    for name in (".used", "0a1b2c3d4e5f6a7b-1f4.svg", "0a1b2c3d4e5f6a7b-1f4.json"):
        (old_copies / name).write_text("kept by an earlier version")
    assert site.build().returncode == 0
    assert not old_copies.exists()

    def badges() -> dict[str, int]:
        found = {
            str(path.relative_to(site.out)): path.stat()
            for path in (site.out / "badges").rglob("*")
            if path.is_file()
        }
        assert all(about.st_nlink == 1 for about in found.values())
        return {name: about.st_ino for name, about in found.items()}

    before = badges()
    assert len(before) == 8  # two checks on each page, an SVG and a JSON each
    assert site.build().returncode == 0
    assert badges() == before
    assert site.build().returncode == 0
    assert badges() == before
    site.page("b.md", "# b\n\nNo checks here any more.\n")
    assert site.build().returncode == 0
    assert badges() == {name: ino for name, ino in before.items() if name.startswith("badges/a/")}
    assert not (site.out / "badges/b").exists()
    svg = (site.out / "badges/a/api-live.svg").read_text("utf-8")
    assert "API live | pass" in svg
    assert (" ago" in svg) == (run == "cached")  # reused from the cache


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lines_count_from_the_top_of_the_file_past_front_matter(
    tmp_path: Path, target: RouteServer, newline: str
) -> None:
    """MkDocs hands the plugin the page without its front matter; the report's lines are the
    file's all the same, with Windows line ends too."""
    site = make_site(tmp_path, runbook=runbook_options(target))
    text = "---\nowner: team-a\ntags: [db]\n---\n# Deploy\n\n" + PAGE.split("\n", 2)[2]
    (site.docs / "index.md").write_bytes(text.replace("\n", newline).encode("utf-8"))
    done = site.build()
    assert done.returncode == 0, done.stderr
    report = json.loads((site.out / "runbook-checks.json").read_text())
    lines = text.split("\n")
    assert {c["id"]: c["line"] for c in report["checks"]} == {
        "api-live": lines.index("name: API live"),
        "api-ready": lines.index("name: API ready"),
    }


def test_a_finished_session_lets_go_of_its_pages(tmp_path: Path, target: RouteServer) -> None:
    """``on_shutdown`` drops what the session kept of its pages, and the pages and their checks
    are freed right there, without the collector: left for the interpreter's exit, a thousand
    checks' objects made a build's exit slower than plain MkDocs' by a tenth of a second. The
    results go too, once Jinja's rendering cycles are collected: nothing of ours holds them."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = make_site(tmp_path, runbook=runbook_options(target))
    site.page("index.md", PAGE)
    config = load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    state = config.plugins["runbook"].pages["index.md"]
    pages = [weakref.ref(state), *(weakref.ref(check) for check in state.checks)]
    results = [weakref.ref(check.result) for check in state.checks]
    del state
    gc.disable()
    try:
        config.plugins.on_shutdown()
        assert [ref() for ref in pages] == [None] * len(pages)
    finally:
        gc.enable()
    gc.collect()
    assert [ref() for ref in results] == [None] * len(results)
