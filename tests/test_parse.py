"""Parsing found blocks into checks: the schema, shell blocks, errors with file:line, ids."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mkdocs_runbook.errors import CheckDefinitionError
from mkdocs_runbook.find import find_blocks, find_in_paths
from mkdocs_runbook.model import AssertionSource, BrokenCheck, CheckBlock, CheckSpec
from mkdocs_runbook.parse import build_spec, parse_blocks
from mkdocs_runbook.parse.yaml_lines import load_yaml


def parse_page(text: str, page: str = "docs/ops.md") -> list[CheckSpec | BrokenCheck]:
    return parse_blocks(find_blocks(textwrap.dedent(text).lstrip("\n"), page))


def only_spec(text: str) -> CheckSpec:
    [item] = parse_page(text)
    assert isinstance(item, CheckSpec), getattr(item, "error", None)
    return item


def error_of(text: str) -> str:
    [item] = parse_page(text)
    assert isinstance(item, BrokenCheck), item
    return str(item.error)


# -- check blocks ---------------------------------------------------------------------------


def test_a_full_check_block() -> None:
    spec = only_spec(
        """
        # Ops

        ```check
        name: API is ready
        http: GET {{ api }}/readyz
        headers: {Authorization: "Bearer {{ secrets.API_TOKEN }}"}
        expect:
          - status == 200
          - $.status in [ok, degraded]
          - latency < 500ms
        warn: $.status == ok
        timeout: 5s
        retries: 1
        retry_delay: 250ms
        tags: [api, deploy]
        ```
        """
    )
    assert spec == CheckSpec(
        id="api-is-ready",
        name="API is ready",
        page="docs/ops.md",
        line=3,
        kind="http",
        target="GET {{ api }}/readyz",
        params={"headers": {"Authorization": "Bearer {{ secrets.API_TOKEN }}"}},
        expect=[
            AssertionSource("status == 200", 8),
            AssertionSource("$.status in [ok, degraded]", 9),
            AssertionSource("latency < 500ms", 10),
        ],
        warn=[AssertionSource("$.status == ok", 11)],
        timeout=5.0,
        retries=1,
        retry_delay=0.25,
        tags=["api", "deploy"],
        explicit=frozenset(
            {
                "name",
                "http",
                "headers",
                "expect",
                "warn",
                "timeout",
                "retries",
                "retry_delay",
                "tags",
            }
        ),
        source=spec.source,
        lang="check",
    )
    assert spec.source.startswith("name: API is ready\nhttp: GET")


def test_defaults_name_from_target_and_skip_forms() -> None:
    items = parse_page(
        """
        ```check
        tcp: db.internal:5432
        ```

        ```check
        dns: example.com
        type: aaaa
        skip: true
        ```

        ```check
        tls: example.com:443
        skip: "until the new certificate is out"
        ```

        ```check
        metrics: http://localhost:9100/metrics
        skip: false
        ```
        """
    )
    assert [(i.id, i.name, getattr(i, "skip", "?")) for i in items] == [
        ("db-internal-5432", "db.internal:5432", None),
        ("example-com", "example.com", "skipped"),
        ("example-com-443", "example.com:443", "until the new certificate is out"),
        ("http-localhost-9100-metrics", "http://localhost:9100/metrics", None),
    ]
    assert isinstance(items[1], CheckSpec) and items[1].params == {"type": "AAAA"}


def test_use_only_block_keeps_kind_open() -> None:
    spec = only_spec("```check\nuse: api-ready\ntimeout: 2s\nexpect: [status == 200]\n```\n")
    assert (spec.id, spec.name, spec.use, spec.kind, spec.target) == (
        "api-ready",
        "api-ready",
        "api-ready",
        None,
        None,
    )
    assert spec.explicit == frozenset({"use", "timeout", "expect"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "http: GET x\nexepct: [status == 200]",
            "docs/ops.md:3: unknown key 'exepct' — did you mean 'expect'?",
        ),
        ("http: GET x\ncolour: red", "docs/ops.md:3: unknown key 'colour' (known keys: name, id"),
        (
            "tcp: db:5432\nheaders: {A: b}",
            "docs/ops.md:3: 'headers' applies to http and metrics checks only, not tcp",
        ),
        ("tcp: db:5432\ntype: MX", "docs/ops.md:3: 'type' applies to dns checks only, not tcp"),
        (
            "http: GET x\ntcp: db:1",
            "docs/ops.md:3: two targets, 'http' and 'tcp': a check has exactly one",
        ),
        ("name: lonely\nexpect: [status == 200]", "docs/ops.md:1: no target: add one of http:"),
        (
            "http: GET x\nexpect:\n  - status == 200\n  - $.checks.db: up",
            'docs/ops.md:5: expect item 2 is a mapping, not text — quote it: "$.checks.db: up"',
        ),
        (
            "http: GET x\nwarn:\n  - 200",
            'docs/ops.md:4: warn item 1 is a number, not text — quote it: "200"',
        ),
        ("http: GET x\nexpect:\n  -\n", "docs/ops.md:4: expect item 1 is empty"),
        (
            "http: GET x\nexpect:\n  - status == 200\n  - latency << 5s",
            "docs/ops.md:5: expect item 2 'latency << 5s': unexpected '<' at column 10",
        ),
        (
            "tcp: db:1\nexpect: status == 200",
            "docs/ops.md:3: expect item 1 'status == 200': unknown subject 'status' at column 1"
            " for tcp checks",
        ),
        ("http: GET x\ntimeout: fast", "docs/ops.md:3: 'timeout': expected a duration like 5s"),
        ("http: GET x\ntimeout: 0s", "docs/ops.md:3: 'timeout' must be more than 0"),
        ("http: GET x\nretries: two", "docs/ops.md:3: 'retries' must be a whole number like 2"),
        ("http: GET x\nretries: -1", "docs/ops.md:3: 'retries' must be a whole number"),
        ("http: GET x\nretries: true", "docs/ops.md:3: 'retries' must be a whole number"),
        ("http: GET x\ntags: {a: b}", "docs/ops.md:3: 'tags' must be a list of words"),
        ("http: GET x\nskip: [x]", "docs/ops.md:3: 'skip' must be true or a reason"),
        ("http: GET x\nverify_tls: maybe", "docs/ops.md:3: 'verify_tls' must be true or false"),
        ("http: GET x\nbody: {a: 1}", "docs/ops.md:3: 'body' must be text; use json:"),
        ("http: GET x\nbody: a\njson: {a: 1}", "docs/ops.md:4: 'body' and 'json' cannot both"),
        ("http: GET x\nheaders: [a]", "docs/ops.md:3: 'headers' must map names to text"),
        ("dns: example.com\ntype: AAA", "docs/ops.md:3: unknown DNS record type 'AAA' — did you"),
        ("http: [GET, x]", "docs/ops.md:2: 'http' must be text, like http: GET https://"),
        ("http: ''", "docs/ops.md:2: 'http' is empty"),
        ("id: API_Ready\nhttp: GET x", "docs/ops.md:2: 'id' 'API_Ready' may only use a-z, 0-9"),
        ("http: GET x\nhttp: GET y", "docs/ops.md:3: key 'http' appears twice (first at line 2)"),
        (
            "http: GET x\nexpect: [status == 200",
            "docs/ops.md:3: invalid YAML: while parsing a flow",
        ),
        ("http: GET x\n  bad: indent", "docs/ops.md:3: invalid YAML: mapping values are not"),
        (
            'run: echo "a: b"',
            "docs/ops.md:2: invalid YAML: mapping values are not allowed here — a value holding "
            '": " must be quoted as a whole (run: \'echo "a: b"\') or written as a block '
            "(run: |, then the command indented on the next line)",
        ),
        ("http: !!python/object:os.system x", "docs/ops.md:2: invalid YAML: could not determine"),
        ("- http: GET x", "docs/ops.md:2: a check block holds YAML keys"),
        ("just text", "docs/ops.md:2: a check block holds YAML keys"),
        ("", "docs/ops.md:1: the check block is empty"),
    ],
)
def test_check_block_errors_name_file_line_and_fix(body: str, message: str) -> None:
    text = f"```check\n{body}\n```\n"
    [item] = parse_blocks(find_blocks(text, "docs/ops.md"))
    assert isinstance(item, BrokenCheck)
    assert str(item.error).startswith(message), str(item.error)
    assert (item.page, item.line, item.lang, item.source) == ("docs/ops.md", 1, "check", body)


@pytest.mark.parametrize(
    ("body", "note"),
    [
        (
            'run: echo "ticket #42"',
            "docs/ops.md:2: 'run' ends before ' #42\"': YAML reads ' #' as the start of a "
            "comment — quote the whole value, or use 'run: |'",
        ),
        (
            "name: x\nrun: grep -c error /var/log/app.log #today",
            "docs/ops.md:3: 'run' ends before ' #today': YAML reads ' #' as the start of a "
            "comment — quote the whole value, or use 'run: |'",
        ),
        (
            "run: ls\nexpect:\n  - stdout contains a #b",
            "docs/ops.md:4: 'expect' item 1 ends before ' #b': YAML reads ' #' as the start "
            "of a comment — quote the whole item",
        ),
    ],
)
def test_a_value_a_comment_cut_short_is_a_warning_with_file_and_line(body: str, note: str) -> None:
    spec = only_spec(f"```check\n{body}\n```\n")
    assert spec.notes == (note,)


def test_a_value_cut_short_into_an_error_says_so_with_the_error() -> None:
    message = error_of('```check\nrun: ls\nexpect:\n  - stdout contains "a #b"\n```\n')
    assert message == (
        "docs/ops.md:4: expect item 1 'stdout contains \"a': unterminated string at column 17 "
        "(no closing \") — docs/ops.md:4: 'expect' item 1 ends before ' #b\"': YAML reads ' #' "
        "as the start of a comment — quote the whole item"
    )


@pytest.mark.parametrize(
    "body",
    [
        "run: ls  # a comment, written as one",
        "run: 'echo \"ticket #42\"'",
        'run: |\n  echo "ticket #42"',
        "http: GET http://h/#anchor",
        "run: echo a#b",
    ],
)
def test_a_comment_written_as_a_comment_is_no_warning(body: str) -> None:
    assert only_spec(f"```check\n{body}\n```\n").notes == ()


def test_templates_need_no_quotes_in_yaml() -> None:
    spec = only_spec(
        """
        ```check
        http: {{ api }}/healthz
        headers: {Authorization: Bearer {{ secrets.TOKEN }}, X-Env: "{{ env }}"}
        expect: [$.version == {{ version }}]
        ```
        """
    )
    assert spec.target == "{{ api }}/healthz"
    assert spec.params["headers"] == {
        "Authorization": "Bearer {{ secrets.TOKEN }}",
        "X-Env": "{{ env }}",
    }
    assert spec.expect == [AssertionSource("$.version == {{ version }}", 4)]


def test_assertions_with_templates_wait_for_rendering() -> None:
    spec = only_spec("```check\nhttp: GET x\nexpect: ['$.items[{{ n }}] == 1']\n```\n")
    assert spec.expect == [AssertionSource("$.items[{{ n }}] == 1", 3)]


def test_fence_options_on_a_check_block() -> None:
    spec = only_spec('```check id="smoke" tags="a,b"\nhttp: GET x\n```\n')
    assert (spec.id, spec.tags) == ("smoke", ["a", "b"])
    message = error_of('```check id="smoke"\nid: other\nhttp: GET x\n```\n')
    assert message == (
        "docs/ops.md:2: 'id' is set both on the fence line and in the block: keep one"
    )


# -- marked shell blocks --------------------------------------------------------------------


def test_a_curl_block_becomes_a_native_http_check() -> None:
    spec = only_spec(
        """
        Liveness:

        ```bash check name="API liveness" tags="api, smoke" retries="2"
        curl -sf -H "Authorization: Bearer {{ secrets.TOKEN }}" \\
             -u "ops:{{ secrets.PW }}" -m 3 {{ api }}/healthz
        # expect: status == 200
        # expect: $.status == ok
        # warn: latency < 200ms
        ```
        """
    )
    assert (spec.kind, spec.target, spec.name, spec.id) == (
        "http",
        "GET {{ api }}/healthz",
        "API liveness",
        "api-liveness",
    )
    assert spec.params == {
        "headers": {"Authorization": "Bearer {{ secrets.TOKEN }}"},
        "basic_auth": "ops:{{ secrets.PW }}",
    }
    assert spec.expect == [
        AssertionSource("status == 200", 6),
        AssertionSource("$.status == ok", 7),
    ]
    assert spec.warn == [AssertionSource("latency < 200ms", 8)]
    assert (spec.timeout, spec.retries, spec.tags, spec.lang) == (3.0, 2, ["api", "smoke"], "bash")
    assert spec.source.startswith("curl -sf")


def test_curl_options_on_the_fence_win_and_post_bodies_are_kept() -> None:
    spec = only_spec(
        """
        ```sh check timeout="10s"
        curl -sS -X POST --json '{"dry_run": true}' -k -L -m 3 https://h/deploy
        ```
        """
    )
    assert spec.timeout == 10.0
    assert spec.target == "POST https://h/deploy"
    assert spec.params == {
        "headers": {"Content-Type": "application/json", "Accept": "application/json"},
        "body": '{"dry_run": true}',
        "verify_tls": False,
        "follow_redirects": True,
    }


def test_anything_else_is_a_command_check() -> None:
    spec = only_spec(
        """
        ```bash check skip
        # Check that nginx runs
        systemctl is-active nginx | grep -q active
        # expect: stdout == ""
        ```
        """
    )
    assert (spec.kind, spec.target, spec.name, spec.skip) == (
        "run",
        "# Check that nginx runs\nsystemctl is-active nginx | grep -q active",
        "systemctl is-active nginx | grep -q active",
        "skipped",
    )
    assert spec.expect == [AssertionSource('stdout == ""', 4)]


def test_a_curl_with_new_flags_sets_the_check_keys_the_fence_wins() -> None:
    spec = only_spec(
        """
        ```bash check retries="1"
        curl -sSI --retry 4 --retry-delay 0.5 --cacert ca.pem --connect-timeout 2 -m 9 \\
          -A probe/1 -w '%{http_code}' https://h/healthz
        ```
        """
    )
    assert (spec.kind, spec.target, spec.name) == (
        "http",
        "HEAD https://h/healthz",
        "HEAD https://h/healthz",
    )
    assert spec.params == {
        "ca_file": "ca.pem",
        "connect_timeout": 2.0,
        "headers": {"User-Agent": "probe/1"},
    }
    assert (spec.retries, spec.retry_delay, spec.timeout) == (1, 0.5, 9.0)


def test_a_curl_a_native_check_cannot_honour_runs_as_the_command_it_is() -> None:
    spec = only_spec(
        """
        ```bash check
        curl -sf --proxy http://proxy:3128 http://h/healthz
        # expect: stdout contains ok
        ```
        """
    )
    assert (spec.kind, spec.target) == (
        "run",
        "curl -sf --proxy http://proxy:3128 http://h/healthz",
    )
    assert spec.command_reason == (
        "docs/ops.md:2: curl flag '--proxy' cannot be honoured by a native HTTP check: remove "
        "it, or set allow_commands: true to run the block as the command it is"
    )
    assert only_spec("```bash check\ncurl -sf http://h/\n```\n").command_reason == ""
    assert only_spec("```bash check\nls -l\n```\n").command_reason == ""


@pytest.mark.parametrize("lang", ["bash", "sh", "shell"])
def test_prompts_are_stripped_before_running_and_shown_as_written(lang: str) -> None:
    body = "$ curl -sf \\\n  http://h/healthz\n# expect: status == 200"
    spec = only_spec(f"```{lang} check\n{body}\n```\n")
    assert (spec.kind, spec.target, spec.source) == ("http", "GET http://h/healthz", body)
    commands = "$ cd /tmp\n  $ ls -l | grep x\n$echo kept\necho \\\n$ not-a-prompt"
    script = only_spec(f"```{lang} check\n{commands}\n```\n")
    assert (script.kind, script.name, script.source) == ("run", "cd /tmp", commands)
    assert script.target == "cd /tmp\n  ls -l | grep x\n$echo kept\necho \\\n$ not-a-prompt"


@pytest.mark.parametrize(
    ("option", "skip"),
    [("skip", "skipped"), ('skip="true"', "skipped"), ('skip="false"', None),
     ('skip="waiting for VPN"', "waiting for VPN")],
)  # fmt: skip
def test_skip_on_the_fence_line(option: str, skip: str | None) -> None:
    assert only_spec(f"```bash check {option}\nls\n```\n").skip == skip


def test_console_blocks_keep_the_transcript() -> None:
    spec = only_spec(
        """
        ```console check name="greeting"
        $ echo hello
        hello
        # expect: exit == 0
        $ uname
        ...
        ```
        """
    )
    assert (spec.kind, spec.target, spec.name) == (
        "console",
        "$ echo hello\nhello\n$ uname\n...",
        "greeting",
    )
    assert spec.expect == [AssertionSource("exit == 0", 4)]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            '```bash check nmae="x"\nls\n```',
            "docs/ops.md:1: unknown option 'nmae' — did you mean 'name'?",
        ),
        (
            '```bash check name="API" id=x tags="a"\nls\n```',
            "docs/ops.md:1: option 'id' needs a quoted value, like id=\"…\"",
        ),
        (
            '```bash check retries="many"\nls\n```',
            "docs/ops.md:1: option 'retries' must be a whole",
        ),
        (
            '```bash check retries="¹"\nls\n```',  # a digit to isdigit(), not to int()
            "docs/ops.md:1: option 'retries' must be a whole number, got \"¹\"",
        ),
        (
            "```bash check\ncurl --retry ² http://h\n```",
            "docs/ops.md:2: curl flag '--retry' needs a whole number, got '²'",
        ),
        ('```bash check timeout="soon"\nls\n```', "docs/ops.md:1: 'timeout': expected a duration"),
        (
            "```bash check\n# expect: status == 200\n```",
            "docs/ops.md:1: the bash block has no command",
        ),
        (
            "```bash check\ncurl --proxy p:3128 http://h\n# expect: $.status == ok\n```",
            "docs/ops.md:2: curl flag '--proxy' cannot be honoured by a native HTTP check, and "
            "the block's assertions need one (expect item 1 '$.status == ok': '$.status' at "
            "column 1 only works in http checks, not run (run checks offer: exit, latency, "
            "stderr, stdout)): remove curl flag '--proxy'",
        ),
        (
            "```bash check\ncurl --max-time=5 http://h\n```",
            "docs/ops.md:2: curl does not accept '--max-time=5'",
        ),
        (
            "```bash check\nls\n# expect: status == 200\n```",
            "docs/ops.md:3: expect item 1 'status == 200': unknown subject 'status' at column 1 "
            "for run checks",
        ),
        ("```bash check\ncurl http://h\n# expect: status ==\n```", "docs/ops.md:3: expect item 1"),
    ],
)
def test_shell_block_errors(block: str, message: str) -> None:
    [item] = parse_blocks(find_blocks(block + "\n", "docs/ops.md"))
    assert isinstance(item, BrokenCheck)
    assert str(item.error).startswith(message), str(item.error)


# -- ids ------------------------------------------------------------------------------------


def test_ids_are_slugs_unique_per_page_and_explicit_ids_are_reserved() -> None:
    page = """
        ```check
        name: API ready
        http: GET a
        ```

        ```check
        name: API ready
        http: GET b
        ```

        ```check
        name: API ready
        id: api-ready-2
        http: GET c
        ```

        ```check
        name: Ünïcode & symbols!
        tcp: d:1
        ```

        ```check
        use: db-up
        ```

        ```check
        use: db-up
        ```
        """
    items = parse_page(page)
    assert [i.id for i in items] == [
        "api-ready",
        "api-ready-3",
        "api-ready-2",
        "unicode-symbols",
        "db-up",
        "db-up-2",
    ]
    assert [i.id for i in parse_page(page, "docs/other.md")][:1] == ["api-ready"]


def test_a_duplicate_explicit_id_is_an_error_for_the_second() -> None:
    items = parse_page(
        """
        ```check
        id: smoke
        http: GET a
        ```

        ```bash check id="smoke"
        ls
        ```

        ```check
        name: Third
        id: smoke
        http: GET c
        ```
        """
    )
    assert isinstance(items[0], CheckSpec) and items[0].id == "smoke"
    assert [type(i).__name__ for i in items] == ["CheckSpec", "BrokenCheck", "BrokenCheck"]
    second, third = items[1], items[2]
    assert isinstance(second, BrokenCheck) and isinstance(third, BrokenCheck)
    assert str(second.error) == (
        "docs/ops.md:6: id 'smoke' is already used on this page (line 1); ids must be unique "
        "per page"
    )
    assert str(third.error).startswith("docs/ops.md:12: id 'smoke' is already used")
    assert [i.id for i in items] == ["smoke", "ls", "third"]


def test_broken_blocks_keep_an_id_and_their_place() -> None:
    items = parse_page(
        """
        ```check
        name: Broken but named
        http: [
        ```

        ```check
        id: kept-id
        exepct: x
        ```

        ```bash check
        # expect: status == 200
        ```
        """
    )
    assert [(type(i).__name__, i.id, i.name, i.line) for i in items] == [
        ("BrokenCheck", "broken-but-named", "Broken but named", 1),
        ("BrokenCheck", "kept-id", "check block at line 6", 6),
        ("BrokenCheck", "line-11", "bash block at line 11", 11),
    ]


# -- snippets and the mapping API -----------------------------------------------------------


def test_errors_in_included_text_point_at_the_snippet_file(tmp_path: Path) -> None:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "db.md").write_text(
        "Shared:\n\n```check\ntcp: db:5432\nexpetc: [connected == true]\n```\n", "utf-8"
    )
    page = tmp_path / "ops.md"
    page.write_text('# Ops\n\n--8<-- "db.md"\n', "utf-8")
    [item] = parse_blocks(find_in_paths([page], snippet_dirs=[tmp_path / "snippets"]))
    assert isinstance(item, BrokenCheck)
    assert (item.page, item.line) == ("ops.md", 3)
    assert str(item.error) == "db.md:5: unknown key 'expetc' — did you mean 'expect'?"


def test_build_spec_directly() -> None:
    spec = build_spec(
        {"http": "GET x", "expect": ["status == 200"]},
        page="checks/api.yml",
        line=4,
        key_lines={"http": 5, "expect": 6, "expect[0]": 7},
        source="src",
    )
    assert (spec.page, spec.line, spec.expect, spec.source) == (
        "checks/api.yml",
        4,
        [AssertionSource("status == 200", 7)],
        "src",
    )


def test_blocks_from_several_pages_keep_their_order() -> None:
    blocks = [
        CheckBlock("a.md", 1, "check", "tcp: a:1"),
        CheckBlock("b.md", 1, "check", "tcp: a:1"),
        CheckBlock("a.md", 5, "check", "tcp: a:1"),
    ]
    assert [(i.page, i.id) for i in parse_blocks(blocks)] == [
        ("a.md", "a-1"),
        ("b.md", "a-1"),
        ("a.md", "a-1-2"),
    ]


# -- env: for command checks ------------------------------------------------------------------


def test_env_maps_names_to_text_for_commands() -> None:
    spec = only_spec(
        """
        ```check
        run: psql -c 'select 1'
        env: {PGPASSWORD: "{{ secrets.PGPASSWORD }}", PGPORT: 5432}
        ```
        """
    )
    assert spec.params["env"] == {"PGPASSWORD": "{{ secrets.PGPASSWORD }}", "PGPORT": "5432"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ("[A, B]", "'env' must map variable names to text"),
        ("{1X: a}", "'1X' is not a variable name"),
        ("{A-B: a}", "'A-B' is not a variable name"),
        ("{RUNBOOK_V1: a}", "RUNBOOK_V1 is reserved"),
        ("{A: true}", "the value of A must be text"),
        ("{A: {b: c}}", "the value of A must be text"),
        ("{A: }", "the value of A must be text"),
    ],
)
def test_env_errors_name_the_line(env: str, message: str) -> None:
    error = error_of(
        f"""
        ```check
        name: db
        run: psql -c 'select 1'
        env: {env}
        ```
        """
    )
    assert error.startswith("docs/ops.md:4: "), error
    assert message in error


def test_env_is_for_command_checks_only() -> None:
    error = error_of(
        """
        ```check
        http: https://example.com
        env: {A: b}
        ```
        """
    )
    assert "'env' applies to console and run checks only, not http" in error


def test_env_in_a_catalog_entry_is_checked_with_its_file_and_line(tmp_path: Path) -> None:
    from mkdocs_runbook.parse import load_catalog

    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "db.yml").write_text(
        "db-ok:\n  run: psql -c 'select 1'\n  env: {PGPASSWORD: \"{{ secrets.PG }}\"}\n"
        "db-bad:\n  run: psql\n  env: {RUNBOOK_V2: x}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path / "checks")
    good = catalog.entries["db-ok"].spec
    assert good is not None and good.params["env"] == {"PGPASSWORD": "{{ secrets.PG }}"}
    [problem] = catalog.problems
    assert str(problem).startswith("checks/db.yml:6: ")
    assert "RUNBOOK_V2 is reserved" in str(problem)


# -- bounded YAML aliases and numbers -----------------------------------------------------


def broken(body: str) -> CheckDefinitionError:
    [item] = parse_page(f"```check\n{body}\n```\n")
    assert isinstance(item, BrokenCheck), item
    return item.error


def parse(body: str) -> CheckSpec:
    return only_spec(f"```check\n{body}\n```\n")


def _fan_out(width: int, levels: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_aliases_that_expand_a_little_are_fine() -> None:
    loaded = load_yaml(_fan_out(10, 4), file="p.md")  # about 11,000 nodes once expanded
    assert len(loaded.data["a3"]) == 10


def test_aliases_past_the_limit_are_an_error_at_the_anchor() -> None:
    with pytest.raises(CheckDefinitionError) as caught:
        load_yaml(_fan_out(10, 6), file="p.md", first_line=10)
    assert "aliases expand the document by more than 100000 nodes" in str(caught.value)
    assert caught.value.file == "p.md"
    assert 10 <= caught.value.line <= 15


@pytest.mark.parametrize(
    "text", ["a: &a [*a]", "a: &a {k: *a}", "a: &a\n  - [1, [2, *a]]\n", "&r {x: [*r]}"]
)
def test_recursive_anchors_are_an_error(text: str) -> None:
    with pytest.raises(CheckDefinitionError, match="refers to its own anchor"):
        load_yaml(text, file="p.md")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "finite duration"),
        ("-.inf", "finite duration"),
        (".nan", "finite duration"),
        ("1.0e+400", "finite duration"),
        ("-2s", "must be more than 0"),
        ("0", "must be more than 0"),
        ("3601s", "at most 1h"),
        ("61m", "at most 1h"),
        ("2d", "at most 1h"),
        ("true", "expected a duration"),
        ("[1]", "expected a duration"),
    ],
)
def test_timeouts_must_be_finite_and_bounded(value: str, message: str) -> None:
    error = broken(f"http: http://x/\ntimeout: {value}")
    assert message in str(error)
    assert error.line == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [("101", "at most 100"), ("10000000000", "at most 100"), ("1.5", "whole number")],
)
def test_retries_are_bounded(value: str, message: str) -> None:
    assert message in str(broken(f"http: http://x/\nretries: {value}"))


def test_the_largest_bounds_are_accepted() -> None:
    spec = parse("http: http://x/\ntimeout: 1h\nretries: 100\nretry_delay: 60m")
    assert (spec.timeout, spec.retries, spec.retry_delay) == (3600.0, 100, 3600.0)
