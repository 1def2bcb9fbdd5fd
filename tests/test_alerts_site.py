"""Alerts against real ``mkdocs build`` output: page URLs and heading ids as MkDocs publishes
them, and the plugin's "Alerts that link here" and status-page table, escaped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urljoin
from xml.etree import ElementTree

import pytest
import yaml

from mkdocs_runbook.alerts import SiteMap
from mkdocs_runbook.project import load_project
from mkdocs_runbook.settings import SiteSettings
from servers import RouteServer
from sites import MKDOCS, elements, with_class

pytestmark = pytest.mark.slow

RUNBOOK = [str(Path(sys.executable).parent / "runbook")]
SITE_URL = "https://ops.example.org/handbook/"

PAGES = {
    "index.md": "# Home\n",
    "deploy.md": "# Deploy\n",
    "guide/README.md": "# Guide\n",
    "guide/setup.md": "# Setup\n",
    "both/README.md": "# Readme loses\n",
    "both/index.md": "# Index wins\n",
    "ops/index.md": "# Ops\n",
    "ops/deep/README.md": "# Deep\n",
    "ops/notes.markdown": "# Notes\n",
    "Caf\u00e9 menu.md": "# Menu\n",
    "excluded.md": "# Excluded\n",
    "drafts/wip.md": "# WIP\n",
    "templates/t.md": "# Template\n",
    ".hidden/h.md": "# Hidden\n",
}


def build(root: Path, config: str) -> None:
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = subprocess.run([*MKDOCS, "build"], cwd=root, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


def runbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUNBOOK, *args],
        cwd=cwd,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("directory_urls", [True, False])
def test_page_urls_are_the_ones_mkdocs_publishes(tmp_path: Path, directory_urls: bool) -> None:
    for name, text in PAGES.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    build(
        tmp_path,
        f"site_name: t\nsite_url: {SITE_URL}\nuse_directory_urls: {str(directory_urls).lower()}\n"
        "theme: mkdocs\nexclude_docs: |\n  excluded.md\ndraft_docs: |\n  drafts/\n",
    )
    project = load_project(str(tmp_path / "mkdocs.yml"))
    site = SiteMap.scan(project.site, SITE_URL)
    written = {
        path.relative_to(tmp_path / "site").as_posix()
        for path in (tmp_path / "site").rglob("*.html")
        if path.name != "404.html"
    }
    assert {page.dest_uri for page in site.pages.values()} == written
    assert site.pages["both/index.html"].src_uri == "both/index.md"  # README.md gives way
    # MkDocs lists every page's URL in its sitemap: each one leads to that page here.
    sitemap = ElementTree.parse(tmp_path / "site" / "sitemap.xml").getroot()
    locations = [loc.text or "" for loc in sitemap.findall(".//{*}loc")]
    assert len(locations) == len(written)
    for location in locations:
        found = site.locate(location)
        assert found.page is not None, location
        assert urljoin(SITE_URL, found.page.url) == location


ANCHOR_PAGE = """\
# Restart the API

## Step 2: restart the `api` (safely)!

```check
id: restart
http: GET {{ api }}/ok
```

## \u00dcberpr\u00fcfung \u2013 Caf\u00e9 & Cr\u00e8me

```check
id: verify
http: GET {{ api }}/broken
```

## Step 2: restart the `api` (safely)!

## Custom id {#custom-id}

### \u65e5\u672c\u8a9e\u306e\u898b\u51fa\u3057

```check
id: japanese
http: GET {{ api }}/ok
```
"""

CUSTOM_TOC = """\
  - toc:
      permalink: "#"
      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}
"""


@pytest.mark.parametrize("toc", ["  - toc:\n      permalink: true\n", CUSTOM_TOC])
@pytest.mark.parametrize("directory_urls", [True, False])
def test_anchors_are_the_ids_of_the_built_page(
    tmp_path: Path, http_server: RouteServer, toc: str, directory_urls: bool
) -> None:
    http_server.route("/ok", body="ok")
    http_server.route("/broken", status=500)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "restart.md").write_text(ANCHOR_PAGE, encoding="utf-8")
    build(
        tmp_path,
        f"site_name: t\nsite_url: {SITE_URL}\nuse_directory_urls: {str(directory_urls).lower()}\n"
        "theme: mkdocs\nmarkdown_extensions:\n  - attr_list\n" + toc + "plugins:\n  - runbook:\n"
        f"      environments: {{local: {{api: '{http_server.url}'}}}}\n"
        "      status_page: null\n      fail_on: []\n",
    )
    page = "restart/" if directory_urls else "restart.html"
    built = tmp_path / "site" / ("restart/index.html" if directory_urls else "restart.html")
    html = built.read_text(encoding="utf-8")
    headings = re.findall(r'<h([1-6]) id="([^"]+)"', html)
    ids = [anchor for _, anchor in headings]
    assert len(ids) == 6 and len(set(ids)) == 6 and "custom-id" in ids
    if toc == CUSTOM_TOC:
        assert "\u00fcberpr\u00fcfung--caf\u00e9--cr\u00e8me" in ids  # non-ASCII kept
    rules = []
    for number, anchor in enumerate(ids):
        rules.append(
            {"alert": f"Raw{number}", "annotations": {"runbook_url": f"{SITE_URL}{page}#{anchor}"}}
        )
        encoded = f"{SITE_URL}{page}#{quote(anchor)}"
        rules.append({"alert": f"Encoded{number}", "annotations": {"runbook_url": encoded}})
    rules.append({"alert": "Guess", "annotations": {"runbook_url": f"{SITE_URL}{page}#step-2"}})
    (tmp_path / "rules.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}), encoding="utf-8"
    )
    done = runbook("alerts", "rules.yml", "--run", "--format", "json", cwd=tmp_path)
    verdicts = {alert["alert"]: alert for alert in json.loads(done.stdout)["alerts"]}
    assert verdicts.pop("Guess")["problem"] == "missing-anchor"
    assert all(v["problem"] != "missing-anchor" for v in verdicts.values()), done.stdout
    # Sections: h1 holds every check; the non-ASCII h2 holds the failing one; the second
    # "Step 2" (a duplicate, numbered by toc) has no checks of its own, so the page counts.
    level = dict((anchor, int(tag)) for tag, anchor in headings)
    assert level[ids[0]] == 1
    assert verdicts["Raw0"]["problem"] == "failing"
    assert [c["id"] for c in verdicts["Raw0"]["checks"]] == ["restart", "verify", "japanese"]
    assert (verdicts["Raw1"]["problem"], verdicts["Raw1"]["scope"]) == ("ok", "section")
    assert (verdicts["Raw2"]["problem"], verdicts["Raw2"]["scope"]) == ("failing", "section")
    assert verdicts["Raw3"]["scope"] == "page"
    assert [c["id"] for c in verdicts["Raw4"]["checks"]] == ["japanese"]  # its h3 is inside
    assert verdicts["Raw5"]["problem"] == verdicts["Encoded5"]["problem"] == "ok"


def test_the_plugin_lists_alerts_on_their_pages_and_the_status_page(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/ok", body="ok")
    http_server.route("/broken", status=503)
    docs = tmp_path / "docs"
    (docs / "ops").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nNo alerts link here.\n", encoding="utf-8")
    (docs / "ops" / "api.md").write_text(
        "# API\n\n## Restart\n\n```check\nid: up\nhttp: GET {{ api }}/ok\n```\n\n"
        "## Failover\n\n```check\nid: standby\nhttp: GET {{ api }}/broken\n```\n",
        encoding="utf-8",
    )
    (docs / "prose.md").write_text("Prose without a title or checks.\n", encoding="utf-8")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    rules = {
        "groups": [
            {
                "name": "api",
                "rules": [
                    {
                        "alert": "ApiDown",
                        "labels": {"severity": "critical"},
                        "annotations": {"runbook_url": SITE_URL + "ops/api/#restart"},
                    },
                    {
                        "alert": hostile,
                        "labels": {"severity": '"><script>alert(2)</script>'},
                        "annotations": {"runbook_url": SITE_URL + "ops/api/#<script>x</script>"},
                    },
                    {
                        "alert": "StandbyLost",
                        "labels": {"severity": "warning"},
                        "annotations": {"runbook_url": SITE_URL + "ops/api#failover"},
                    },
                    {
                        "alert": "Prose",
                        "annotations": {"runbook_url": SITE_URL + "prose/"},
                    },
                    {
                        "alert": "Elsewhere",
                        "annotations": {"runbook_url": "javascript:alert(3)//" + SITE_URL},
                    },
                ],
            }
        ]
    }
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "api.yml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    build(
        tmp_path,
        f"site_name: t\nsite_url: {SITE_URL}\ntheme: mkdocs\n"
        "markdown_extensions: [toc]\nplugins:\n  - runbook:\n"
        f"      environments: {{local: {{api: '{http_server.url}'}}}}\n"
        "      fail_on: []\n      alert_rules: ['rules/*.yml', rules/]\n",  # one file, twice
    )
    page = (tmp_path / "site" / "ops" / "api" / "index.html").read_text(encoding="utf-8")
    (box,) = re.findall(r'<div class="runbook-alerts">.*?</div>', page, re.S)
    assert re.findall(r'<a class="runbook-alert-name" href="([^"]+)">([^<]+)</a>', box) == [
        ("#restart", "ApiDown"),
        ("#failover", "StandbyLost"),
    ]
    assert "runbook-alert-severity-critical" in box and ">critical<" in box
    # The hostile alert is listed as text, its anchor is not a link (the page has no such id).
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in box
    )
    assert "links to #&lt;script&gt;x&lt;/script&gt;, which this page does not have" in box
    assert "<script" not in box and "<img" not in box and "style=" not in box
    assert box.index("ApiDown") < box.index("&lt;script&gt;alert") < box.index("StandbyLost")
    prose = (tmp_path / "site" / "prose" / "index.html").read_text(encoding="utf-8")
    assert "Alerts that link here" in prose and "links to this page" in prose
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Alerts that link here" not in home

    status = (tmp_path / "site" / "status" / "index.html").read_text(encoding="utf-8")
    (table,) = re.findall(r'<div class="runbook-alerts-status">.*?</table>', status, re.S)
    rows = re.findall(
        r"<tr class=\"runbook-row runbook-alert-row-([a-z-]+)\">(.*?)</tr>", table, re.S
    )
    states = [(state, re.sub(r"<[^>]+>", " ", cells).split()[1]) for state, cells in rows]
    assert states == [
        ("outside-site", "Elsewhere"),
        ("missing-anchor", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img"),
        ("no-checks", "Prose"),
        ("failing", "StandbyLost"),
        ("ok", "ApiDown"),
    ]
    links = [attrs.get("href") for tag, attrs in elements(table) if tag == "a"]
    assert links == ["../prose/", "../ops/api/#failover", "../ops/api/#restart"]
    assert "<script" not in table and "<img" not in table and "style=" not in table
    assert "javascript:alert(3)" in table  # shown as text, never as a link
    assert not [a for a in with_class(status, "runbook-problem") if "style" in a]


def test_alert_rules_problems_are_build_warnings(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yml").write_text("groups: [\n", encoding="utf-8")
    config = (
        "site_name: t\ntheme: mkdocs\nplugins:\n  - runbook:\n"
        "      alert_rules: [rules/, nope/*.yml]\n"
    )
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = subprocess.run(
        [*MKDOCS, "build"], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "alert_rules: set site_url" in done.stderr
    (tmp_path / "mkdocs.yml").write_text(f"site_url: {SITE_URL}\n" + config, encoding="utf-8")
    done = subprocess.run(
        [*MKDOCS, "build", "--strict"], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 1
    assert "alert_rules: no rule files at 'nope/*.yml'" in done.stderr
    assert "alert_rules: rules/bad.yml:2: invalid YAML" in done.stderr


@pytest.mark.parametrize(
    "url, page, anchor",
    [
        ("HTTPS://OPS.Example.org:443/handbook/deploy/#step-1", "deploy.md", "step-1"),
        ("https://ops.example.org/handbook/deploy?utm=x#a%20b", "deploy.md", "a b"),
        ("https://ops.example.org/handbook/ops/../deploy/", "deploy.md", ""),
        ("https://ops.example.org/handbook", "index.md", ""),
        ("https://ops.example.org/handbook/index.html", "index.md", ""),
        ("https://ops.example.org/handbook/Caf%C3%A9%20menu/", "Caf\u00e9 menu.md", ""),
        ("https://ops.example.org/handbook/deploy.html", None, ""),
        ("http://ops.example.org/handbook/deploy/", "outside", ""),
        ("https://ops.example.org:8443/handbook/deploy/", "outside", ""),
        ("https://ops.example.org/handbookx/deploy/", "outside", ""),
        ("https://ops.example.org:port/handbook/", "outside", ""),
        ("/handbook/deploy/", "outside", ""),
    ],
)
def test_locate(tmp_path: Path, url: str, page: str | None, anchor: str) -> None:
    for name in ("index.md", "deploy.md", "Caf\u00e9 menu.md"):
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / name).write_text("# x\n", encoding="utf-8")
    site = SiteMap.scan(SiteSettings(docs_dir=tmp_path / "docs"), SITE_URL)
    found = site.locate(url)
    if page == "outside":
        assert found.outside
        return
    assert not found.outside
    assert (found.page.src_uri if found.page else None, found.anchor) == (page, anchor)
