"""Measured values read as text in every output (SPEC 6): the page, the badges, the report's
``value``, the terminal, JUnit and pytest — never a Python repr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mkdocs_runbook.readable import readable, readable_path
from servers import RouteServer
from sites import make_site

RUNBOOK = str(Path(sys.executable).parent / "runbook")

PAGE = """\
# Ingestion

```check
name: Source states
http: GET {{ api }}/ingestion
warn:
  - $.ingestion.sources[*].state == closed
```

```check
name: Ingestion enabled
http: GET {{ api }}/ingestion
expect:
  - $.enabled == true
```

```check
name: Open issues
http: GET {{ api }}/ingestion
expect:
  - $.ingestion.issues[*].id exists
```

```check
name: Source names
http: GET {{ api }}/ingestion
expect:
  - $.ingestion.sources[*].name == a
```

```console check name="Greeting"
$ echo hello
goodbye
```
"""

#: What Python's repr (or an unreadable path) looks like in these outputs.
REPRS = ("['", "False", "True", "$['", "output_matches == true, got")


@pytest.fixture
def site_root(tmp_path: Path, http_server: RouteServer) -> Path:
    http_server.route(
        "/ingestion",
        body={
            "enabled": False,
            "ingestion": {
                "sources": [
                    {"name": "a", "state": "closed"},
                    {"name": "b", "state": "closed"},
                    {"name": "c", "state": "open"},
                ],
                "issues": [],
            },
        },
    )
    site = make_site(
        tmp_path,
        runbook={
            "environments": {"local": {"api": http_server.url}},
            "fail_on": [],
            "allow_commands": True,
            "junit": "junit.xml",
        },
    )
    site.page("index.md", PAGE)
    return tmp_path


def _no_reprs(text: str, where: str) -> None:
    for repr_text in REPRS:
        assert repr_text not in text, f"{where} shows {repr_text!r}:\n{text}"


def test_readable_text_rules() -> None:
    assert readable(["closed", "closed", "open"]) == "closed, closed, open"
    assert readable(False) == "false" and readable(True) == "true"
    assert readable([]) == "none matched"
    assert readable(3.0) == "3" and readable(0.25) == "0.25" and readable(float("inf")) == "+Inf"
    assert readable(None) == "—"
    assert readable([1, None, [2, 3]]) == "1, null, [2, 3]"
    assert readable({'{queue="mail"}': 3, '{queue="jobs"}': 0}) == (
        '{queue="mail"}: 3, {queue="jobs"}: 0'
    )
    assert readable(["a", "b"], bracketed=True) == "[a, b]"
    assert readable_path(("ingestion", "sources", 2, "state")) == "$.ingestion.sources[2].state"
    assert readable_path(("a b", "x-y", "it's", "ünï")) == "$['a b']['x-y']['it\\'s'].ünï"


def test_every_output_shows_text(site_root: Path) -> None:
    environ = {**os.environ, "CI": "true"}
    build = subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build"],
        cwd=site_root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    report = json.loads((site_root / "site" / "runbook-checks.json").read_text())
    values = {c["name"]: c["value"] for c in report["checks"]}
    messages = {c["name"]: c["message"] for c in report["checks"]}
    assert values["Source states"] == "closed, closed, open"
    assert values["Ingestion enabled"] == "false"
    assert values["Open issues"] == "none matched"
    assert values["Source names"] == "a, b, c"
    assert values["Greeting"] == "output differs"
    assert messages["Greeting"] == "output differs at `$ echo hello`"
    assert "$.ingestion.sources[2].state = 'open'" in messages["Source states"]
    _no_reprs(json.dumps(values) + json.dumps(messages), "the report")

    page = (site_root / "site" / "index.html").read_text(encoding="utf-8")
    results = re.findall(r'<div class="runbook-check .*?</details>', page, flags=re.S)
    assert len(results) == 5
    for block in results:
        _no_reprs(block.split("</pre>")[-1], "the page")  # the Result, not the block itself
    assert "<code>closed, closed, open</code>" in page
    assert "-goodbye" in page and "+hello" in page, "the console diff is on the page"

    badges = site_root / "site" / "badges" / "index"
    for badge in badges.iterdir():
        _no_reprs(badge.read_text(encoding="utf-8"), badge.name)
    shields = json.loads((badges / "source-states.json").read_text())
    assert shields["message"] == "warn · closed, closed, open"
    assert "fail · false" in (badges / "ingestion-enabled.svg").read_text()

    junit = (site_root / "site" / "junit.xml").read_text(encoding="utf-8")
    _no_reprs(junit, "JUnit")
    assert "(actual: a, b, c)" in junit and "-goodbye" in junit

    terminal = subprocess.run(
        [RUNBOOK, "check"], cwd=site_root, env=environ, capture_output=True, text=True, timeout=60
    )
    assert terminal.returncode == 1
    _no_reprs(terminal.stdout, "the terminal")
    assert "none matched" in terminal.stdout and "output differs" in terminal.stdout

    under_pytest = subprocess.run(
        [sys.executable, "-m", "pytest", "--runbook", "docs", "-p", "no:randomly", "-p", "no:cov"],
        cwd=site_root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert under_pytest.returncode == 1, under_pytest.stdout
    _no_reprs(under_pytest.stdout, "pytest")
    assert "fail · a, b, c" in under_pytest.stdout
    assert "(actual: none matched)" in under_pytest.stdout
