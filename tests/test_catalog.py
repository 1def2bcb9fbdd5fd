"""The catalog of shared checks: loading, broken entries, merging into the pages that use them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.errors import CheckDefinitionError, ResolveError
from mkdocs_runbook.find import find_blocks
from mkdocs_runbook.model import AssertionSource, CheckSpec
from mkdocs_runbook.parse import Catalog, load_catalog, parse_blocks
from mkdocs_runbook.results import Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def checks(tmp_path: Path) -> Path:
    folder = tmp_path / "checks"
    write(
        folder,
        "api.yml",
        """
        # Shared API checks
        api-ready:
          name: API is ready
          http: GET {{ api }}/readyz
          headers: {Accept: application/json}
          expect: [status == 200, $.status == ok]
          timeout: 3s
          tags: [api]

        api-ready-strict:
          use: api-ready
          name: API is ready (strict)
          warn: [latency < 100ms]
        """,
    )
    write(
        folder,
        "data/db.yaml",
        """
        db-up:
          tcp: "{{ db_host }}:5432"
        """,
    )
    return folder


def page_spec(text: str) -> CheckSpec:
    [item] = parse_blocks(find_blocks(textwrap.dedent(text).lstrip("\n"), "docs/ops.md"))
    assert isinstance(item, CheckSpec), item
    return item


def test_loads_every_yaml_file_with_locations(checks: Path) -> None:
    catalog = load_catalog(checks)
    assert catalog.ids == ["api-ready", "api-ready-strict", "db-up"]
    assert catalog.problems == []
    entry = catalog.entries["api-ready"]
    assert (entry.file, entry.line) == ("checks/api.yml", 2)
    assert entry.spec is not None
    assert (entry.spec.id, entry.spec.kind, entry.spec.page, entry.spec.line) == (
        "api-ready",
        "http",
        "checks/api.yml",
        2,
    )
    assert entry.spec.expect == [
        AssertionSource("status == 200", 6),
        AssertionSource("$.status == ok", 6),
    ]
    assert entry.spec.source.startswith("api-ready:\n  name: API is ready")
    assert catalog.entries["db-up"].location == "checks/data/db.yaml:1"


def test_no_folder_or_a_missing_folder_is_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(None).ids == []
    assert load_catalog(tmp_path / "nope").ids == []


def test_broken_files_and_entries_never_stop_the_others(checks: Path) -> None:
    write(checks, "list.yml", "- api-ready\n- db-up\n")
    write(checks, "syntax.yml", "x: [\n")
    (checks / "binary.yml").write_bytes(b"\xff\xfe\x00x")
    write(
        checks,
        "more.yml",
        """
        typo:
          http: GET x
          exepct: [status == 200]
        Bad_Id:
          tcp: a:1
        not-a-mapping: http GET x
        fine:
          dns: example.com
        """,
    )
    catalog = load_catalog(checks)
    assert "fine" in catalog.entries and catalog.entries["fine"].spec is not None
    assert catalog.entries["api-ready"].spec is not None
    assert [str(p) for p in catalog.problems] == [
        "checks/binary.yml:1: not valid UTF-8",
        "checks/list.yml:1: a catalog file maps check ids to checks, like "
        "'api-ready: {http: GET …}'",
        "checks/syntax.yml:2: invalid YAML: while parsing a flow node; expected the node "
        "content, but found '<stream end>'",
        "checks/more.yml:3: unknown key 'exepct' — did you mean 'expect'?",
        "checks/more.yml:4: catalog id 'Bad_Id' may only use a-z, 0-9 and '-'",
        "checks/more.yml:6: catalog check 'not-a-mapping' must be a mapping of check keys "
        "(http:, expect: …)",
    ]


def test_a_page_using_a_broken_entry_gets_its_file_and_line(checks: Path) -> None:
    write(checks, "more.yml", "typo:\n  http: GET x\n  exepct: [status == 200]\n")
    catalog = load_catalog(checks)
    with pytest.raises(ResolveError) as caught:
        catalog.merge(page_spec("```check\nuse: typo\n```\n"))
    assert str(caught.value) == (
        "catalog check 'typo' is invalid: checks/more.yml:3: unknown key 'exepct' — "
        "did you mean 'expect'?"
    )


def test_a_duplicate_id_across_files_is_broken_and_names_both(checks: Path) -> None:
    write(checks, "zz.yml", "# the same id again\napi-ready:\n  http: GET other\n")
    catalog = load_catalog(checks)
    assert catalog.entries["api-ready"].spec is None
    message = (
        "checks/zz.yml:2: catalog id 'api-ready' is defined twice: checks/api.yml:2 and "
        "checks/zz.yml:2; rename one"
    )
    assert [str(p) for p in catalog.problems] == [message]
    with pytest.raises(ResolveError, match="is defined twice"):
        catalog.merge(page_spec("```check\nuse: api-ready\n```\n"))


def test_merge_takes_the_entry_and_the_keys_the_page_wrote(checks: Path) -> None:
    spec = page_spec(
        """
        Intro

        ```check
        use: api-ready
        expect: [status == 204]
        retries: 2
        ```
        """
    )
    merged = load_catalog(checks).merge(spec)
    assert (merged.id, merged.page, merged.line, merged.source) == (
        "api-ready",
        "docs/ops.md",
        3,
        spec.source,
    )
    assert (merged.name, merged.kind, merged.target) == (
        "API is ready",
        "http",
        "GET {{ api }}/readyz",
    )
    assert merged.expect == [AssertionSource("status == 204", 5)]
    assert (merged.timeout, merged.retries, merged.tags) == (3.0, 2, ["api"])
    assert merged.params == {"headers": {"Accept": "application/json"}}


def test_merge_keeps_an_explicit_page_id_and_name(checks: Path) -> None:
    spec = page_spec("```check\nuse: api-ready\nid: ready-eu\nname: EU API\n```\n")
    merged = load_catalog(checks).merge(spec)
    assert (merged.id, merged.name) == ("ready-eu", "EU API")


def test_params_add_up_for_the_same_kind_and_reset_for_another(checks: Path) -> None:
    catalog = load_catalog(checks)
    same = catalog.merge(page_spec("```check\nuse: api-ready\nheaders: {X-Env: eu}\n```\n"))
    assert same.params == {"headers": {"X-Env": "eu"}}
    other = catalog.merge(
        page_spec("```check\nuse: api-ready\nmetrics: http://m/metrics\nexpect: [series > 0]\n```")
    )
    assert (other.kind, other.target, other.params) == ("metrics", "http://m/metrics", {})


def test_entries_can_use_entries(checks: Path) -> None:
    merged = load_catalog(checks).merge(page_spec("```check\nuse: api-ready-strict\n```\n"))
    assert (merged.name, merged.target, merged.warn) == (
        "API is ready (strict)",
        "GET {{ api }}/readyz",
        [AssertionSource("latency < 100ms", 13)],
    )
    assert merged.expect[0].text == "status == 200"


def test_unknown_ids_suggest_the_closest(checks: Path) -> None:
    catalog = load_catalog(checks)
    with pytest.raises(ResolveError) as caught:
        catalog.merge(page_spec("```check\nuse: api-redy\n```\n"))
    assert str(caught.value) == "unknown catalog check 'api-redy' — did you mean 'api-ready'?"
    write(checks, "chain.yml", "via:\n  use: nowhere\n")
    with pytest.raises(ResolveError, match=r"unknown catalog check 'nowhere' \(used by catalog"):
        load_catalog(checks).merge(page_spec("```check\nuse: via\n```\n"))


def test_a_cycle_is_named(checks: Path) -> None:
    write(checks, "cycle.yml", "a:\n  use: b\nb:\n  use: c\nc:\n  use: a\n")
    with pytest.raises(ResolveError) as caught:
        load_catalog(checks).merge(page_spec("```check\nuse: a\n```\n"))
    assert str(caught.value) == "catalog checks use each other in a cycle: a -> b -> c -> a"


def test_page_keys_that_do_not_fit_the_entry_kind(checks: Path) -> None:
    catalog = load_catalog(checks)
    with pytest.raises(CheckDefinitionError) as caught:
        catalog.merge(page_spec("Intro\n\n```check\nuse: db-up\nheaders: {A: b}\n```\n"))
    assert str(caught.value) == (
        "docs/ops.md:3: with catalog check 'db-up': 'headers' does not apply to tcp checks"
    )
    with pytest.raises(CheckDefinitionError) as caught:
        catalog.merge(page_spec("```check\nuse: db-up\nexpect: [status == 200]\n```\n"))
    assert str(caught.value).startswith(
        "docs/ops.md:3: with catalog check 'db-up': 'status == 200': unknown subject 'status'"
    )


def test_a_spec_without_use_is_unchanged() -> None:
    spec = page_spec("```check\ntcp: a:1\n```\n")
    assert Catalog().merge(spec) is spec


def test_pages_run_catalog_checks_against_a_live_target(
    tmp_path: Path, checks: Path, http_server: RouteServer
) -> None:
    http_server.route("/readyz", status=200, body={"status": "ok"})
    write(checks, "broken.yml", "half:\n  http: GET x\n  retries: many\n")
    page = write(
        tmp_path / "docs",
        "ops.md",
        """
        ```check
        use: api-ready
        ```

        ```check
        use: api-ready
        expect: [status == 503]
        ```

        ```check
        use: half
        ```
        """,
    )
    settings = RunbookSettings(
        environments={"local": {"api": http_server.url}}, catalog=checks, base_dir=tmp_path
    )
    report = run_checks(collect([page], settings), settings)
    assert [(c.id, c.status, c.name) for c in report.checks] == [
        ("api-ready", Status.PASS, "API is ready"),
        ("api-ready-2", Status.FAIL, "API is ready"),
        ("half", Status.ERROR, "half"),
    ]
    assert "checks/broken.yml:3: 'retries' must be a whole number" in report.checks[2].message
    assert http_server.hits["/readyz"] >= 1


def test_a_catalog_value_a_comment_cut_short_warns_on_the_page_that_uses_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "checks"
    write(
        folder,
        "jobs.yml",
        """
        quiet:
          run: echo ok  # fine
        ticket:
          run: echo "ticket #42" > /dev/null
        """,
    )
    catalog = load_catalog(folder)
    assert catalog.entries["quiet"].spec is not None
    assert catalog.entries["quiet"].spec.notes == ()
    ticket = catalog.entries["ticket"].spec
    assert ticket is not None
    assert ticket.notes == (
        "checks/jobs.yml:4: 'run' ends before ' #42\" > /dev/null': YAML reads ' #' as the "
        "start of a comment — quote the whole value, or use 'run: |'",
    )
    page = write(tmp_path, "ops.md", "```check\nuse: ticket\n```\n\n```check\nuse: quiet\n```\n")
    settings = RunbookSettings(base_dir=tmp_path, catalog=folder, allow_commands=True)
    results = {r.id: r for r in run_checks(collect([page], settings), settings).checks}
    # `echo "ticket` is an unterminated quote to bash: the cut value fails, and says why.
    assert results["ticket"].status is Status.FAIL
    assert results["ticket"].message.endswith(ticket.notes[0])
    assert (results["quiet"].status, results["quiet"].message) == (Status.PASS, "")


def test_an_entrys_source_is_that_entry_alone(tmp_path: Path) -> None:
    """What a page shows under a ``use:`` block: the entry's own lines, not the next key."""
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "api.yml").write_text(
        "first:\n  tcp: a:1\n  tags: [x]\nsecond:\n  tcp: b:2\n\n# a comment\nthird: {tcp: c:3}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(folder)
    sources = {key: entry.spec.source for key, entry in catalog.entries.items() if entry.spec}
    assert sources["first"] == "first:\n  tcp: a:1\n  tags: [x]"
    assert sources["second"].startswith("second:\n  tcp: b:2")
    assert "third" not in sources["second"]
    assert sources["third"] == "third: {tcp: c:3}"
