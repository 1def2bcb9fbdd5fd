"""Highlighted check sources kept between builds (issue 14): reused by the next build
process, never trusted as markup, never holding a secret, tied to the Markdown setup."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml

from mkdocs_runbook.plugin import RunbookPlugin
from mkdocs_runbook.render.highlight_cache import (
    HighlightCache,
    is_highlighted_source,
    setup_fingerprint,
)
from output_search import markup_problems, occurrences, outputs_under
from servers import RouteServer
from sites import Site, make_site

SECRET = "hl-sekrit-5b9e0c4d"
PAGE = """# Deploy

```check
name: API live
http: GET {{ api }}/healthz?who=<b>me</b>
headers: {Authorization: "Bearer {{ secrets.HL_TOKEN }}"}
expect: [status == 200]
```
"""
HIGHLIGHTED = (
    '<div class="highlight"><pre><span></span><code><span class="nt">name</span>'
    '<span class="p">:</span> x &lt;b&gt;\n</code></pre></div>'
)


def highlighted_once(made: list[str]) -> str:
    made.append("highlighted")
    return HIGHLIGHTED


def cache_file(site: Site) -> Path:
    return site.root / ".cache" / "runbook" / HighlightCache.FILE_NAME


def build(site: Site) -> str:
    done = site.build(env={"HL_TOKEN": SECRET})
    assert done.returncode == 0, done.stderr
    return site.html("index.html")


def rewrite_entries(site: Site, change: str, into: str) -> None:
    """Edit the highlighted HTML of every entry in the cache file, as a tamperer would."""
    data = json.loads(cache_file(site).read_text(encoding="utf-8"))
    for entry in data["entries"]:
        assert change in entry[2]
        entry[2] = entry[2].replace(change, into)
    cache_file(site).write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, http_server: RouteServer) -> Site:
    http_server.route("/healthz", body={"status": "ok"})
    options: dict[str, object] = {
        "environments": {"local": {"api": http_server.url}},
        "fail_on": [],
    }
    made = make_site(tmp_path, runbook=options)
    made.page("index.md", PAGE)
    return made


@pytest.mark.slow
def test_the_next_build_process_reuses_highlighted_sources(site: Site) -> None:
    first = build(site)
    data = json.loads(cache_file(site).read_text(encoding="utf-8"))
    assert [entry[0] for entry in data["entries"]] == ["yaml"]
    assert "http: GET" in data["entries"][0][1]
    # A harmless change only the file holds shows on the next page: the file was used.
    rewrite_entries(site, '<span class="nt">', '<span class="nt from-the-cache">')
    second = build(site)
    assert "from-the-cache" not in first and "from-the-cache" in second
    assert second.replace(" from-the-cache", "").count('class="nt"') == first.count('class="nt"')


@pytest.mark.slow
def test_markup_or_other_text_in_the_file_is_highlighted_again(site: Site) -> None:
    first = build(site)
    rewrite_entries(site, '<span class="nt">', '<script>alert(1)</script><span class="nt">')
    assert "<script>alert(1)" not in build(site)
    rewrite_entries(site, "/healthz", "/elsewhere")
    shown = build(site)
    assert "/elsewhere" not in shown and shown.count("/healthz") == first.count("/healthz")
    rewrite_entries(site, '<span class="nt">', '<span class="nt" onclick="alert(2)">')
    assert "onclick" not in build(site)


@pytest.mark.slow
def test_the_file_holds_no_secret_and_no_markup_that_could_open(site: Site) -> None:
    build(site)
    outputs = outputs_under(site.root / ".cache" / "runbook")
    assert any(output.label.endswith(HighlightCache.FILE_NAME) for output in outputs)
    assert occurrences(outputs, [SECRET]) == []
    assert markup_problems([o for o in outputs if o.label.endswith(".json")]) == []


@pytest.mark.slow
def test_another_markdown_setup_does_not_use_the_file(site: Site) -> None:
    build(site)
    rewrite_entries(site, '<span class="nt">', '<span class="nt from-the-cache">')
    config = site.root / "mkdocs.yml"
    options = yaml.safe_load(config.read_text(encoding="utf-8"))
    options["markdown_extensions"].append({"pymdownx.highlight": {"css_class": "hl-other"}})
    config.write_text(yaml.safe_dump(options), encoding="utf-8")
    shown = build(site)
    assert "from-the-cache" not in shown and '<div class="hl-other">' in shown


def test_only_a_highlighters_markup_around_the_very_source_is_accepted() -> None:
    assert is_highlighted_source(HIGHLIGHTED, "name: x <b>")
    assert not is_highlighted_source(HIGHLIGHTED, "name: y <b>")
    assert not is_highlighted_source(HIGHLIGHTED.replace("<pre>", "<pre><b>"), "name: x <b>")
    assert not is_highlighted_source(HIGHLIGHTED.replace("<pre>", '<pre style="x">'), "name: x")
    assert not is_highlighted_source(HIGHLIGHTED.replace("</code>", "<img src=x></code>"), "x")


def test_the_setup_is_the_same_in_every_process() -> None:
    def setup(plugin: RunbookPlugin) -> str:
        fences = [{"name": "check", "format": plugin._format_fence}]
        return setup_fingerprint(["pymdownx.superfences"], {"pymdownx.superfences": fences})

    assert setup(RunbookPlugin()) == setup(RunbookPlugin())
    assert setup_fingerprint(["toc"], {}) != setup_fingerprint(["toc", "admonition"], {})


def test_an_unreadable_or_foreign_file_is_highlighted_again(tmp_path: Path) -> None:
    path = tmp_path / HighlightCache.FILE_NAME
    for content in ("{not json", '{"version": 99}', '{"version": 1, "setup": "other"}'):
        path.write_text(content, encoding="utf-8")
        cache = HighlightCache()
        cache.begin(tmp_path, "setup")
        made: list[str] = []
        highlight = functools.partial(highlighted_once, made)
        assert cache.get("yaml", "name: x <b>", highlight) == HIGHLIGHTED
        assert made == ["highlighted"]
    cache.flush()
    again = HighlightCache()
    again.begin(tmp_path, "setup")
    assert again.get("yaml", "name: x <b>", lambda: "not used") == HIGHLIGHTED
