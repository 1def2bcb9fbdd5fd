"""The secret and command fault suite (issue 13, SPEC 8).

- Secrets never escape: real checks against a real server that sends every secret back in
  every form (URL-encoded fully and in part, base64 at any alignment, JSON and Python
  escapes, shell quoting, HTML entities; in bodies, headers, JSON values, error messages and
  across the caps of the page), run by every front-end (``mkdocs build``, ``runbook check`` in
  text, json and junit, ``pytest --runbook``); then every output they leave is searched for
  every secret in every reading (``secret_servers.leaks``).
- Commands start from a minimal environment: a secret one check names is not in another
  command's environment.
- Template values never execute in a command, whatever quoting context they land in.
- A timed-out command is killed with every descendant, ``setsid`` and double forks included.
- Huge or endless templates are an error for their check, within bounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.resolve import MASK
from mkdocs_runbook.results import CheckResult, Status
from mkdocs_runbook.settings import RunbookSettings
from secret_servers import SecretFormsServer, json_strings, leaks, secret_forms
from servers import RouteServer

SCRIPTS = Path(sys.executable).parent

SECRETS = {
    # Characters every encoding treats differently: quotes, space, slash, plus, @, &, <, %.
    "WEB_SECRET": "Hq7'Zr \"Kx/9+w@y&<v>%2F",
    "UNI_SECRET": "Gé-ü€😀-Schlü55el'42",
    "OPS_TOKEN": "ops-token-Zq81Xv",
    # Named only by a check on the last page; the first page's target sends it anyway.
    "LATE_SECRET": "late-only-on-page-b-Tk39",
    "HOST_SECRET": "hostsecret-qq77w",
}
PASSED = {"PASSED_KEY": "passed-key-Mm42Qp"}


def check(name: str, body: str) -> str:
    return f"```check\nname: {name}\n{body}\n```\n\n"


def shell(name: str, lang: str, body: str) -> str:
    return f'```{lang} check name="{name}"\n{body}\n```\n\n'


def first_page(url: str) -> str:
    web, uni = "{{ secrets.WEB_SECRET }}", "{{ secrets.UNI_SECRET }}"
    host = "{{ secrets.HOST_SECRET }}"
    cut_at = [1, 5, len(SECRETS["WEB_SECRET"]) - 2]
    return (
        "# Secrets everywhere\n\n"
        + check(
            "echo",
            f"http: POST {url}/echo/x?token={web}&u={uni}\n"
            f'headers: {{Authorization: "Bearer {web}"}}\n'
            f'json: {{token: "{uni}", web: "{web}"}}\n'
            "expect: [$.body == nothing, $.url == nothing, 'header x-echo-url == nothing']",
        )
        + shell(
            "basic auth",
            "bash",
            f'curl -su "ops:{web}" {url}/echo/basic\n# expect: $.headers.Authorization == nothing',
        )
        + check("forms web", f"http: GET {url}/forms/WEB_SECRET\nexpect: [body == x]")
        + check("forms uni", f"http: GET {url}/forms/UNI_SECRET\nexpect: [body == x]")
        + check(
            "forms in headers",
            f"http: GET {url}/forms/WEB_SECRET\n"
            "expect: [" + ", ".join(f"'header x-form-{n} == x'" for n in range(12)) + "]",
        )
        + "".join(
            check(
                f"near the cut {k}", f"http: GET {url}/near-cut/WEB_SECRET?{k}\nexpect: [body == x]"
            )
            for k in cut_at
        )
        + check("short caps", f"http: GET {url}/values/UNI_SECRET\nexpect: [$.v == x, $.m == x]")
        + check("error answer", f"http: GET {url}/error/WEB_SECRET")
        + check("metrics parse error", f"metrics: {url}/metrics/WEB_SECRET")
        + check("late secret", f"http: GET {url}/plain/LATE_SECRET\nexpect: [body == x]")
        + check("host parse error", f'http: "GET http://[{host}/x"')
        + check("host not allowed", f'http: "GET http://{host}.example.invalid/x"')
        + check("tcp host parse error", f'tcp: "{host}:not-a-port"')
        + check(
            "assertion after templating",
            f"http: GET {url}/plain/WEB_SECRET\nexpect: ['body << {web}']",
        )
        + check(
            "secret through a filter",
            f'http: "GET {url}/plain/x?{{{{ secrets.WEB_SECRET | upper }}}}"',
        )
        + check("secret sliced", f'http: "GET {url}/plain/x?{{{{ secrets.WEB_SECRET[2:] }}}}"')
        + check("printenv of another check's secret", "run: printenv OPS_TOKEN")
        + shell(
            "echo of another check's secret",
            "bash",
            'echo "token=$OPS_TOKEN"\n'
            f'curl -s {url}/echo/x -H "X-Token: $OPS_TOKEN"\n'
            "# expect: stdout == x",
        )
        + check(
            "a command prints secrets in other forms",
            "run: |\n"
            f"  printf '%s' {web} | base64 -w0\n"
            f"  printf '\\n%q\\n' {web}\n"
            f"  python3 -c 'import sys; print(repr(sys.argv[1]), ascii(sys.argv[1]))' {uni}\n"
            "expect: [stdout == x]",
        )
        + shell("console diff", "console", f"$ printf '%q\\n' \"{web}\"\nnot this\n")
        + check("pass_env", 'run: echo "k=$PASSED_KEY"\nexpect: [stdout == x]')
    )


def last_page(url: str) -> str:
    return "# Names the late secret\n\n" + check(
        "names late",
        f"http: GET {url}/plain/x\n"
        'headers: {X-Late: "{{ secrets.LATE_SECRET }}", X-Ops: "{{ secrets.OPS_TOKEN }}"}',
    )


MKDOCS_YML = """\
site_name: secrets
plugins:
  - runbook:
      allow_commands: true
      pass_env: [PASSED_*]
      allowed_hosts: ["127.0.0.1", "localhost"]
      junit: junit.xml
      fail_on: []
      timeout: 20s
"""


def run(args: list[str], root: Path, environ: dict[str, str]) -> str:
    done = subprocess.run(
        args, cwd=root, env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    return done.stdout + "\n" + done.stderr


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Every output of every front-end after running the pages above, by name."""
    root = tmp_path_factory.mktemp("secrets")
    with SecretFormsServer(SECRETS) as server:
        (root / "docs").mkdir()
        (root / "docs" / "a.md").write_text(first_page(server.url), encoding="utf-8")
        (root / "docs" / "b.md").write_text(last_page(server.url), encoding="utf-8")
        (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
        environ = {
            **os.environ,
            **SECRETS,
            **PASSED,
            "CI": "true",
            "PATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PATH", "")]),
        }
        found = {"mkdocs build log": run([str(SCRIPTS / "mkdocs"), "build", "-v"], root, environ)}
        for form in ("text", "json", "junit"):
            found[f"runbook check --format {form}"] = run(
                [str(SCRIPTS / "runbook"), "check", "docs", "--format", form], root, environ
            )
        pytest_junit = root / "pytest-junit.xml"
        found["pytest --runbook"] = run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--runbook",
                "docs",
                "-v",
                "-rA",
                "-p",
                "no:cacheprovider",
                f"--junitxml={pytest_junit}",
            ],
            root,
            environ,
        )
    files = [*(root / "site").rglob("*"), *(root / ".cache").rglob("*"), pytest_junit]
    for path in files:
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".svg", ".txt", ""}:
            found[str(path.relative_to(root))] = path.read_text(encoding="utf-8", errors="replace")
    yield found


def report_checks(outputs: dict[str, str]) -> dict[str, dict[str, object]]:
    report = json.loads(outputs["site/runbook-checks.json"])
    return {c["name"]: c for c in report["checks"]}


def test_every_output_was_written(outputs: dict[str, str]) -> None:
    names = set(outputs)
    assert {"site/a/index.html", "site/status/index.html", "site/runbook-checks.json"} <= names
    assert "site/junit.xml" in names and "pytest-junit.xml" in names
    assert any(n.startswith("site/badges/") and n.endswith(".svg") for n in names)
    assert any(n.startswith("site/badges/") and n.endswith(".json") for n in names)
    assert ".cache/runbook/results.json" in names
    assert "a.md::echo" in outputs["pytest --runbook"]


@pytest.mark.parametrize("name", sorted(SECRETS) + sorted(PASSED))
def test_no_secret_in_any_output_in_any_form(outputs: dict[str, str], name: str) -> None:
    secret = {**SECRETS, **PASSED}[name]
    leaked = {where: found for where, text in outputs.items() if (found := leaks(text, secret))}
    assert not leaked, f"{name} leaked: {leaked}"


def test_reports_hold_no_secret_in_any_string(outputs: dict[str, str]) -> None:
    """The JSON outputs, read as data: JSON's own escapes undone by the parser."""
    for where in ("site/runbook-checks.json", ".cache/runbook/results.json"):
        strings = json_strings(json.loads(outputs[where]))
        for secret in (*SECRETS.values(), *PASSED.values()):
            assert not [s for s in strings if leaks(s, secret)], (where, secret)


def test_the_secrets_did_come_back_and_were_masked(outputs: dict[str, str]) -> None:
    checks = report_checks(outputs)
    for name in ("echo", "basic auth", "forms web", "forms uni", "late secret", "short caps"):
        shown = json.dumps(checks[name], ensure_ascii=False)
        assert MASK in shown, f"{name}: the target's answer was not shown masked: {shown[:300]}"
    assert "k=" + MASK in json.dumps(checks["pass_env"], ensure_ascii=False)


def test_commands_do_not_inherit_the_build_environment(outputs: dict[str, str]) -> None:
    checks = report_checks(outputs)
    printenv = checks["printenv of another check's secret"]
    assert printenv["status"] == "fail"
    assert printenv["assertions"][0]["actual"] == 1, "printenv found no OPS_TOKEN"
    echoed = checks["echo of another check's secret"]
    stdout = next(a["actual"] for a in echoed["assertions"] if a["text"].startswith("stdout"))
    assert stdout.startswith("token=\n"), stdout


def test_error_messages_are_errors_and_masked(outputs: dict[str, str]) -> None:
    checks = report_checks(outputs)
    assert checks["host not allowed"]["status"] == "error"
    assert "not in allowed_hosts" in checks["host not allowed"]["message"]
    assert MASK in checks["host not allowed"]["message"]
    assert checks["assertion after templating"]["status"] == "error"
    assert MASK in checks["assertion after templating"]["message"]
    for name in ("secret through a filter", "secret sliced"):
        assert checks[name]["status"] == "error"
        assert "can only be used as {{ secrets.WEB_SECRET }}" in checks[name]["message"]


def test_the_leak_search_finds_every_form_and_every_cut_form() -> None:
    """The search above must be able to fail: it finds each form, whole or cut short."""
    for secret in (*SECRETS.values(), *PASSED.values()):
        for form in secret_forms(secret):
            assert leaks(f"before {form} after", secret), form
            assert leaks(f"before {form[:-2]}", secret), form


# -- template values never execute -------------------------------------------------------------

PAYLOADS = [
    "$(touch pwned-1)",
    "`touch pwned-2`",
    "; touch pwned-3",
    '"; touch pwned-4; "',
    "x\ntouch pwned-5\n",
    "$'\\x41'; touch pwned-6",
    "'; touch pwned-7; '",
    "EOF\ntouch pwned-8\nEOF",
    '\\"; touch pwned-9 #',
    "${IFS}$(touch${IFS}pwned-10)",
    "*",
]
#: Single-line places a value can land in a command; ``{{ v }}`` marks it.
CONTEXTS = {
    "bare": "printf '<%s>' {{ v }}",
    "double quotes": "printf '<%s>' \"{{ v }}\"",
    "single quotes": "printf '<%s>' '{{ v }}'",
    "ansi quotes": "printf '<%s>' $'{{ v }}'",
    "backticks": "printf '<%s>' \"`printf '%s' {{ v }}`\"",
    "command substitution": "printf '<%s>' \"$(printf '%s' \"{{ v }}\")\"",
    "parameter default": "printf '<%s>' \"${UNSET_VARIABLE:-{{ v }}}\"",
    "assignment": "x={{ v }}; printf '<%s>' \"$x\"",
    "test": "[[ {{ v }} == never ]] || printf '<%s>' {{ v }}",
}
#: Contexts of a whole script (heredocs span lines).
SCRIPTS_ONLY = {
    "heredoc": "cat <<EOF\n<{{ v }}>\nEOF",
    "heredoc in a pipe": "cat <<-END | cat\n\t<{{ v }}>\n\tEND",
}


def _lines(template: str) -> list[str]:
    return [template.replace("{{ v }}", f"{{{{ v{n} }}}}") for n in range(len(PAYLOADS))]


def _injection_page() -> str:
    page = ""
    for name, template in {**CONTEXTS, **SCRIPTS_ONLY}.items():
        script = "\n".join(_lines(template))
        indented = "\n".join("  " + line for line in script.splitlines())
        page += check(f"run {name}", f"run: |\n{indented}")
        page += shell(f"bash {name}", "bash", script)
    for name, template in CONTEXTS.items():
        page += shell(
            f"console {name}", "console", "".join(f"$ {line}\n...\n" for line in _lines(template))
        )
    return page


def test_template_values_never_execute_in_any_quoting_context(tmp_path: Path) -> None:
    (tmp_path / "inject.md").write_text(_injection_page(), encoding="utf-8")
    variables = {f"v{n}": payload for n, payload in enumerate(PAYLOADS)}
    settings = RunbookSettings(
        environments={"local": variables}, allow_commands=True, base_dir=tmp_path, timeout=60
    )
    report = run_checks(collect([tmp_path / "inject.md"], settings), settings)

    assert not list(tmp_path.glob("pwned*")), "a template value ran as a command"
    assert len(report.checks) == 2 * len(CONTEXTS) + 2 * len(SCRIPTS_ONLY) + len(CONTEXTS)
    for result in report.checks:
        assert result.status is Status.PASS, f"{result.name}: {result.message}"
    # The values arrived as they are: every payload, whole, after its bracket (command
    # substitution drops trailing newlines, so the closing bracket may follow them or not).
    for result in report.checks:
        if result.kind != "run":
            continue  # console: the transcript's `...` took the output; passing is the test
        for payload in PAYLOADS:
            assert f"<{payload.rstrip(chr(10))}" in result.detail, (result.name, payload)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("cat <<'EOF'\n{{ v }}\nEOF", "quoted heredoc"),
        ('cat <<"END"\nx {{ v }}\nEND', "quoted heredoc"),
        ("cat <<{{ v }}\nx\n", "delimiter"),
        ("echo \\{{ v }}", "backslash"),
    ],
)
def test_a_value_where_no_variable_can_carry_it_is_an_error_with_its_line(
    tmp_path: Path, template: str, problem: str
) -> None:
    body = "echo first\n" + template
    page = "# t\n\n" + shell("placed", "bash", body)
    (tmp_path / "p.md").write_text(page, encoding="utf-8")
    settings = RunbookSettings(
        environments={"local": {"v": "value"}}, allow_commands=True, base_dir=tmp_path
    )
    [result] = run_checks(collect([tmp_path / "p.md"], settings), settings).checks
    assert result.status is Status.ERROR
    assert problem in result.message
    offending = 3 + 1 + next(n for n, line in enumerate(body.splitlines()) if "{{ v }}" in line)
    assert f"p.md:{offending}: " in result.message, result.message


@pytest.mark.parametrize(
    "context", ["[[ {{ v }} -eq 1 ]]", "echo $(( {{ v }} ))", "test -v {{ v }}"]
)
@pytest.mark.parametrize(
    "payload", ["a[$(touch pwned-a)]", "x[`touch pwned-b`]", "a[${X:-$(touch pwned-c)}]"]
)
def test_a_value_bash_arithmetic_would_run_is_refused(
    tmp_path: Path, context: str, payload: str
) -> None:
    (tmp_path / "p.md").write_text(check("arith", f"run: '{context}'"), encoding="utf-8")
    settings = RunbookSettings(
        environments={"local": {"v": payload}}, allow_commands=True, base_dir=tmp_path
    )
    [result] = run_checks(collect([tmp_path / "p.md"], settings), settings).checks
    assert result.status is Status.ERROR
    assert "arithmetic" in result.message
    assert not list(tmp_path.glob("pwned*"))


# -- commands are killed whole -----------------------------------------------------------------


def _sleeping(marker: str) -> list[int]:
    """Live processes running ``sleep <marker>``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if argv[:2] == [b"sleep", marker.encode()] and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def test_setsid_and_double_forked_descendants_die_with_the_command(tmp_path: Path) -> None:
    # Durations nobody else sleeps for, so the search below finds only ours.
    base = 3000 + os.getpid() % 1000
    marks = [f"{base}.{n}1" for n in range(6)]
    page = (
        check("setsid", f"run: setsid sleep {marks[0]} & sleep 300\ntimeout: 1s")
        + check("double fork", f"run: (sleep {marks[1]} &) ; sleep 300\ntimeout: 1s")
        + check(
            "setsid in a subshell in the background",
            f"run: bash -c 'setsid bash -c \"sleep {marks[2]} & disown\" &'; sleep 300\n"
            "timeout: 1s",
        )
        + check("nohup", f"run: nohup sleep {marks[3]} >/dev/null 2>&1 & sleep 300\ntimeout: 1s")
        + check("setsid then exit", f"run: setsid sleep {marks[4]} &")
        + check("double fork then exit", f"run: ( (sleep {marks[5]} &) & )")
    )
    (tmp_path / "hang.md").write_text(page, encoding="utf-8")
    settings = RunbookSettings(allow_commands=True, base_dir=tmp_path)
    report = run_checks(collect([tmp_path / "hang.md"], settings), settings)

    statuses = {r.name: r.status for r in report.checks}
    assert statuses["setsid then exit"] is Status.PASS
    assert statuses["setsid"] is Status.FAIL and "timed out" in report.checks[0].message
    deadline = time.monotonic() + 5
    while any(_sleeping(m) for m in marks) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = {m: _sleeping(m) for m in marks if _sleeping(m)}
    assert not survivors, f"descendants outlived their check: {survivors}"


# -- templates are bounded --------------------------------------------------------------------

HUGE_TEMPLATES = [
    "{{ 'a' * 1000000000 }}",
    "{{ range(10**9)|join }}",
    "{{ (range(100000)|list) * 100000 }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}"
    "{% endfor %}{{ ns.s }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ 'x'.ljust(999999999) }}",
    "{{ 'ab'.replace('', 'x' * 1000000) }}",
    "{{ range(100000)|map('center', 1000000)|list }}",
    "{{ ','.join(range(100000)|map('center', 100000)) }}",
    "{{ ('x\n' * 500000)|indent(1000) }}",
    "{{ [1]|batch(999999999, 'x')|list }}",
    "{{ 9 ** 999999 }}",
    "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
    "{{ lipsum(100000) }}",
]


def test_huge_and_endless_templates_are_errors_for_their_check(
    tmp_path: Path, http_server: RouteServer
) -> None:
    healthy = http_server.route("/healthz", body={"status": "ok"})
    page = check("healthy", f"http: {healthy}") + "".join(
        check(f"huge {n}", f'http: "{healthy}?q={template}"'.replace("\n", "\\n"))
        for n, template in enumerate(HUGE_TEMPLATES)
    )
    (tmp_path / "huge.md").write_text(page, encoding="utf-8")
    settings = RunbookSettings(base_dir=tmp_path, timeout=5)
    report = run_checks(collect([tmp_path / "huge.md"], settings), settings)

    results: dict[str, CheckResult] = {r.name: r for r in report.checks}
    assert results["healthy"].status is Status.PASS
    for n, template in enumerate(HUGE_TEMPLATES):
        result = results[f"huge {n}"]
        assert result.status is Status.ERROR, (template, result.status, result.message)
    assert http_server.hits["/healthz"] == 1, "no huge template reached the target"
