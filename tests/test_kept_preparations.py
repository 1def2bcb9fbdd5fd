"""Prepared checks kept across ``serve`` rebuilds (run/kept_preparations.py), with a new runner
each build as the plugin makes them: an unchanged page's checks are reused and teach the new
run's redactor what preparing them taught the last one; anything preparing reads besides the
page prepares them again."""

from __future__ import annotations

from pathlib import Path

from mkdocs_runbook.page_checks import PageParses
from mkdocs_runbook.parse import Catalog
from mkdocs_runbook.resolve import Redactor
from mkdocs_runbook.run import CheckRunner
from mkdocs_runbook.run.kept_preparations import KeptPreparations
from mkdocs_runbook.settings import RunbookSettings

SECRET = "kept-token-Value-5150"
PAGE = """# Ops

```check
name: authorised
http: GET {{ api }}/healthz
headers: {Authorization: "Bearer {{ secrets.TOKEN }}"}
```

```check
name: broken
http: GET {{ api }}/healthz
exepct: [status == 200]
```
"""


def settings(tmp_path: Path, **overrides: object) -> RunbookSettings:
    values: dict[str, object] = {
        "environments": {"local": {"api": "http://127.0.0.1:9"}},
        "base_dir": tmp_path,
        **overrides,
    }
    return RunbookSettings(**values)  # type: ignore[arg-type]


def test_recording_sees_every_value_taught_known_or_not() -> None:
    redactor = Redactor(["known-value"])
    with redactor.recording() as outer:
        redactor.add("known-value")
        with redactor.recording() as inner:
            redactor.add("new-value-1")
        redactor.add("ab")  # too short to mask: recorded all the same, as it was taught
    assert inner == ["new-value-1"]
    assert outer == ["known-value", "new-value-1", "ab"]
    assert redactor.secrets == ("known-value", "new-value-1")


def test_an_unchanged_page_is_reused_and_teaches_the_new_redactor(tmp_path: Path) -> None:
    kept, parses = KeptPreparations(), PageParses()
    environ = {"TOKEN": SECRET}
    parsed = parses.get("ops.md", PAGE, ())

    def build(runner: CheckRunner, offset: int = 0) -> list[object]:
        kept.next_build(runner)
        return list(kept.page(runner, "ops.md", parsed, offset))

    first = build(CheckRunner(settings(tmp_path), environ=environ))
    assert kept.prepared == 2
    runner = CheckRunner(settings(tmp_path), environ=environ)
    assert SECRET not in runner.redactor.secrets
    again = build(runner)
    assert again[0] is first[0], "the ready check is reused"
    assert again[1] is not first[1], "a decided check (an error here) is prepared anew"
    assert kept.prepared == 3
    assert SECRET in runner.redactor.secrets, "taught again"
    assert runner.redactor.text(f"token={SECRET}") == "token=••••"

    moved = build(CheckRunner(settings(tmp_path), environ=environ), offset=3)
    assert kept.prepared == 5 and moved[0] is not first[0], "front matter moved its lines"
    assert moved[0].item.line == first[0].item.line + 3  # type: ignore[attr-defined]


def test_anything_preparing_reads_besides_the_page_prepares_it_again(tmp_path: Path) -> None:
    kept, parses = KeptPreparations(), PageParses()
    parsed = parses.get("ops.md", PAGE, ())
    environ = {"TOKEN": SECRET}

    def prepared(runner: CheckRunner) -> int:
        before = kept.prepared
        kept.next_build(runner)
        kept.page(runner, "ops.md", parsed, 0)
        return kept.prepared - before

    assert prepared(CheckRunner(settings(tmp_path), environ=environ)) == 2
    assert prepared(CheckRunner(settings(tmp_path), environ=dict(environ))) == 1, "equal values"
    changes = [
        CheckRunner(settings(tmp_path), environ={"TOKEN": "another-Value-0042"}),
        CheckRunner(settings(tmp_path), environ={**environ, "UNRELATED": "x"}),
        CheckRunner(settings(tmp_path, timeout=9.0), environ=environ),
        CheckRunner(settings(tmp_path, env="other"), environ=environ),
        CheckRunner(settings(tmp_path), environ=environ, catalog=Catalog()),
    ]
    for runner in changes:
        assert prepared(runner) == 2
    assert prepared(CheckRunner(settings(tmp_path), environ=environ, catalog=Catalog())) == 1
    edited = parses.get("ops.md", PAGE.replace("authorised", "allowed"), ())
    runner = CheckRunner(settings(tmp_path), environ=environ, catalog=Catalog())
    kept.next_build(runner)
    before = kept.prepared
    [allowed, _] = kept.page(runner, "ops.md", edited, 0)
    assert kept.prepared == before + 2 and allowed.item.name == "allowed"
