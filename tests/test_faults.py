"""The fault suite (issue 6): every hostile or broken target at once, in one run.

For each fault: the status and message the SPEC promises, time bounded by the timeout,
nothing secret leaked into any output, and every other check in the same run still reported.
Run it alone with ``pytest tests/test_faults.py``.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults import (
    BigBodyServer,
    EchoServer,
    RedirectLoopServer,
    RefusedPort,
    SilentServer,
    TrickleServer,
    XSSServer,
)
from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.record import junit_xml
from mkdocs_runbook.render import print_table, render_check
from mkdocs_runbook.resolve import MASK
from mkdocs_runbook.results import CheckResult, Report, Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer
from tls_servers import TLSServer

# The run happens in the module fixture, set up within the bound of whichever test comes
# first. The hung targets hold far longer than this (the silent server until the fixture
# ends, the trickle server for an hour, the hanging command for 300 s): every test reaching
# its assertions proves each hang was cut at its check's timeout, with no clock read.
pytestmark = pytest.mark.timeout(90)

SECRET = "hunter2-Very-Secret-9f3a"
XSS = "<script>alert(1)</script>"


def check(name: str, body: str) -> str:
    return f"```check\nname: {name}\n{body}\n```\n\n"


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Report, Path]]:
    root = tmp_path_factory.mktemp("faults")
    with (
        RouteServer().start() as healthy_server,
        SilentServer() as silent,
        TrickleServer(interval=1.0) as trickle,
        BigBodyServer() as big,
        RedirectLoopServer() as loop,
        TLSServer("expired") as expired,
        TLSServer("self_signed") as self_signed,
        RefusedPort() as refused,
        EchoServer() as echo,
        XSSServer() as hostile,
    ):
        healthy = healthy_server.route("/healthz", body={"status": "ok"})
        to_metadata = healthy_server.route(
            "/to-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/"}
        )
        (root / "checks").mkdir()
        (root / "checks" / "cycle.yml").write_text(
            f"loop-a:\n  use: loop-b\nloop-b:\n  use: loop-a\napi-ready:\n  http: {healthy}\n",
            encoding="utf-8",
        )
        pid_file = root / "child.pid"
        page = (
            check("control", f"http: {healthy}")
            + check("silent", f"http: {silent.url}/\ntimeout: 1s")
            + check("trickle", f"http: {trickle.url}/\ntimeout: 1s")
            + check("big body", f"http: {big.url}/\nexpect: [body contains zzz]")
            + check("redirect loop", f"http: {loop.url}/a\nfollow_redirects: true")
            + check("expired", f"http: {expired.url}/healthz")
            + check("self signed", f"http: {self_signed.url}/healthz")
            + check("refused", f"http: {refused.url}/")
            + check(
                "hanging command",
                f"run: 'sleep 300 & echo $! > {pid_file}; sleep 300'\ntimeout: 1s",
            )
            + check("loud command", "run: head -c 100000000 /dev/zero | tr '\\\\0' x\ntimeout: 20s")
            + "```check\nname: malformed\nhttp: [unclosed\n```\n\n"
            + check("cycle", "use: loop-a")
            + check("typo", "use: api-redy")
            + check(
                "secret in url",
                f"http: {echo.url}/q?token={{{{ secrets.FAULT_SECRET }}}}\n"
                "expect: [$.url == nothing]",
            )
            + check(
                "secret in header",
                f"http: {echo.url}/h\n"
                'headers: {Authorization: "Bearer {{ secrets.FAULT_SECRET }}"}\n'
                "expect: [$.headers.Authorization == nothing]",
            )
            + check(
                "secret in body",
                f"http: POST {echo.url}/b\nbody: 'password={{{{ secrets.FAULT_SECRET }}}}'\n"
                "expect: [$.body == nothing]",
            )
            + '```bash check name="secret in basic auth"\n'
            + f'curl -su "ops:{{{{ secrets.FAULT_SECRET }}}}" {echo.url}/basic\n'
            "# expect: $.headers.Authorization == nothing\n```\n\n"
            + check(
                "secret in command", "run: echo {{ secrets.FAULT_SECRET }}\nexpect: [stdout == x]"
            )
            + check(
                "hostile",
                f"http: {hostile.url}/\nexpect: ['header x-injected == safe', body == safe]",
            )
            + check("metadata", "http: http://169.254.169.254/latest/meta-data/")
            + check("redirect to metadata", f"http: {to_metadata}\nfollow_redirects: true")
        )
        (root / "faults.md").write_text(page, encoding="utf-8")
        settings = RunbookSettings(
            catalog=root / "checks", allow_commands=True, base_dir=root, timeout=5.0
        )
        saved = dict(os.environ)
        os.environ["FAULT_SECRET"] = SECRET
        os.environ["SSL_CERT_FILE"] = str(expired.ca_file)
        try:
            report = run_checks(collect([root / "faults.md"], settings), settings)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        yield report, pid_file


def by_name(report: Report) -> dict[str, CheckResult]:
    return {result.name: result for result in report.checks}


EXPECTED: dict[str, tuple[Status, str]] = {
    "control": (Status.PASS, ""),
    "silent": (Status.FAIL, "timed out after 1s"),
    "trickle": (Status.FAIL, "timed out after 1s"),
    "big body": (Status.FAIL, "zzz"),
    "redirect loop": (Status.FAIL, "redirect"),
    "expired": (Status.FAIL, "expired"),
    "self signed": (Status.FAIL, "self-signed"),
    "refused": (Status.FAIL, "refused"),
    "hanging command": (Status.FAIL, "timed out after 1s"),
    "loud command": (Status.PASS, ""),
    "cycle": (Status.ERROR, "loop-a -> loop-b -> loop-a"),
    "typo": (Status.ERROR, "did you mean 'api-ready'"),
    "secret in url": (Status.FAIL, ""),
    "secret in header": (Status.FAIL, ""),
    "secret in body": (Status.FAIL, ""),
    "secret in basic auth": (Status.FAIL, ""),
    "secret in command": (Status.FAIL, ""),
    "hostile": (Status.FAIL, ""),
    "metadata": (Status.ERROR, "metadata"),
    "redirect to metadata": (Status.ERROR, "link-local"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fault_has_the_promised_status_and_message(
    fault_run: tuple[Report, Path], name: str
) -> None:
    results = by_name(fault_run[0])
    status, fragment = EXPECTED[name]
    result = results[name]
    assert result.status is status, f"{name}: {result.status} {result.message}"
    assert fragment.lower() in (result.message + " " + result.value).lower(), result.message


def test_malformed_yaml_is_an_error_with_file_and_line(
    fault_run: tuple[Report, Path],
) -> None:
    broken = [r for r in fault_run[0].checks if r.status is Status.ERROR and "YAML" in r.message]
    assert len(broken) == 1
    assert "faults.md:" in broken[0].message


def test_every_check_is_reported_and_time_is_bounded(fault_run: tuple[Report, Path]) -> None:
    report, _ = fault_run
    # The time bound is this module's ``pytestmark``: the run ended before it, so no hang
    # cost more than its own timeout.
    assert len(report.checks) == len(EXPECTED) + 1  # + the malformed block


def test_a_hung_command_is_killed_with_its_children(fault_run: tuple[Report, Path]) -> None:
    pid = int(fault_run[1].read_text())
    assert process_is_gone(pid), f"the command's child {pid} survived its timeout"


def process_is_gone(pid: int) -> bool:
    """Gone, or a zombie: killed, waiting only for whichever init adopted it to reap it."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "State:\tZ" in status:
            return True
        time.sleep(0.05)
    return False


def test_huge_outputs_are_capped(fault_run: tuple[Report, Path]) -> None:
    results = by_name(fault_run[0])
    for name in ("big body", "loud command"):
        for assertion in results[name].assertions:
            assert len(json.dumps(assertion.actual)) < 10_000
        assert len(results[name].detail) <= 2048


def test_no_secret_in_any_output(fault_run: tuple[Report, Path]) -> None:
    report = fault_run[0]
    terminal = io.StringIO()
    print_table(report, rich_output=False, stream=terminal)
    rendered = "".join(
        render_check(r, source_html="", stale=False, detail=r.detail) for r in report.checks
    )
    outputs = {
        "report": json.dumps(report.to_dict()),
        "junit": junit_xml(report),
        "terminal": terminal.getvalue(),
        "html": rendered,
    }
    for where, text in outputs.items():
        assert SECRET not in text, f"secret leaked into the {where}"
    echoed = [r for r in report.checks if r.name.startswith("secret in")]
    assert all(MASK in json.dumps(r.to_dict(), ensure_ascii=False) for r in echoed)


def test_target_content_is_never_markup(fault_run: tuple[Report, Path]) -> None:
    hostile = by_name(fault_run[0])["hostile"]
    assert any(XSS in json.dumps(a.actual) for a in hostile.assertions), "the value is recorded"
    html = render_check(hostile, source_html="", stale=False, detail=hostile.detail)
    assert XSS not in html
    assert "&lt;script&gt;" in html
