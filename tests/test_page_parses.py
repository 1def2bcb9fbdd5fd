"""Each page's parsed checks, kept across `serve` rebuilds (page_checks.PageParses): reused
while a page's Markdown stays the same, parsed again when it changes, one entry per page."""

from __future__ import annotations

from pathlib import Path

from mkdocs_runbook.model import CheckSpec
from mkdocs_runbook.page_checks import PageParses

BLOCK = "```check\nname: {name}\nhttp: GET http://127.0.0.1:9/healthz\n```\n"


def page(name: str) -> str:
    return f"# Ops\n\nProse.\n\n{BLOCK.format(name=name)}"


def test_an_unchanged_page_is_not_parsed_again() -> None:
    parses = PageParses()
    first = parses.get("a.md", page("live"), ())
    assert parses.get("a.md", page("live"), ()) is first
    assert parses.get("b.md", page("live"), ()) is not first, "each page its own"
    assert parses.get("a.md", page("live"), ()) is first, "another page does not evict it"


def test_an_edited_page_is_parsed_again_and_replaces_its_entry() -> None:
    parses = PageParses()
    first = parses.get("a.md", page("live"), ())
    edited = parses.get("a.md", page("ready"), ())
    assert edited is not first
    spec = edited[0][1]
    assert isinstance(spec, CheckSpec) and spec.name == "ready"
    assert parses.get("a.md", page("ready"), ()) is edited
    assert parses.get("a.md", page("live"), ()) is not first, "only the last version is kept"
    assert len(parses._by_page) == 1


def test_a_page_that_includes_snippets_is_always_read_again(tmp_path: Path) -> None:
    (tmp_path / "part.md").write_text(BLOCK.format(name="included"), encoding="utf-8")
    parses = PageParses()
    text = '# Ops\n\n--8<-- "part.md"\n'
    first = parses.get("a.md", text, (tmp_path,))
    assert [item.name for _, item in first if isinstance(item, CheckSpec)] == ["included"]
    (tmp_path / "part.md").write_text(BLOCK.format(name="changed"), encoding="utf-8")
    again = parses.get("a.md", text, (tmp_path,))
    assert [item.name for _, item in again if isinstance(item, CheckSpec)] == ["changed"]
