"""``pytest --runbook``: runbooks run under pytest against real servers on 127.0.0.1 (SPEC 7)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from servers import RouteServer

pytest_plugins = ["pytester"]

STATUS_PAGE = """\
# Operations

```check
name: API live
http: GET {{ api }}/healthz
expect: [status == 200]
```

```check
name: API ready
http: GET {{ api }}/readyz
expect: [status == 200]
```

```check
name: API health
http: GET {{ api }}/health
warn: [$.status == ok]
```

```check
name: Broken block
http: GET {{ api }}/healthz
exepct: [status == 200]
```

```check
name: Maintenance
http: GET {{ api }}/healthz
skip: maintenance window
```

```bash check name="Queue depth"
curl -sf {{ api }}/queues
# expect: status == 200
```

```bash check name="Disk space"
df -h /
```
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # In a subprocess, as users run it: an in-process run would share mkdocs' and YAML's
    # module state with this test session and with the other runs.
    return pytester.runpytest_subprocess(*args, timeout=120)


def fence_line(text: str, marker: str) -> int:
    """The 1-based line of the opening fence of the block that contains ``marker``."""
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if marker in line)
    return next(n for n in range(at, -1, -1) if lines[n].startswith("```")) + 1


def write_mkdocs_yml(where: Path, environments: str, extra: str = "") -> None:
    (where / "mkdocs.yml").write_text(
        f"site_name: t\nplugins:\n  - runbook:\n      environments: {environments}\n{extra}",
        encoding="utf-8",
    )


@pytest.fixture
def status_project(pytester: pytest.Pytester, http_server: RouteServer) -> pytest.Pytester:
    """docs/ops.md with one check per status: pass, fail, warn, error, skip, plus marked blocks."""
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "starting"})
    http_server.route("/health", body={"status": "degraded"})
    http_server.route("/queues", body={"depth": 3})
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "ops.md").write_text(STATUS_PAGE, encoding="utf-8")
    write_mkdocs_yml(pytester.path, f"{{local: {{api: '{http_server.url}'}}}}")
    return pytester


def test_each_status_becomes_its_pytest_outcome(status_project: pytest.Pytester) -> None:
    result = run(status_project, "--runbook", "docs", "-rs")
    # pass, warn and the curl block pass; the shell command is skipped (commands are off).
    result.assert_outcomes(passed=3, failed=1, errors=1, skipped=2)
    output = result.stdout.str()

    ready = fence_line(STATUS_PAGE, "API ready")
    assert f"docs/ops.md:{ready}: API ready: fail · 503" in output
    assert "MISS status == 200  (actual: 503) — expected status == 200, got 503" in output
    assert '{"status": "starting"}' in output, "the response excerpt"
    assert "target: GET http://127.0.0.1:" in output

    broken = fence_line(STATUS_PAGE, "Broken block")
    result.stdout.fnmatch_lines(["*ERROR at setup of Broken block*"])
    assert f"docs/ops.md:{broken}:" in output
    assert "did you mean 'expect'?" in output

    maintenance = fence_line(STATUS_PAGE, "Maintenance")
    result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] docs/ops.md:{maintenance}: maintenance window",
            "SKIPPED [[]1[]] docs/ops.md:*: commands are disabled*",
        ]
    )
    result.stdout.fnmatch_lines(["*runbook warnings*", "docs/ops.md::api-health: *$.status == ok*"])


def test_node_ids_are_path_and_check_id(status_project: pytest.Pytester) -> None:
    result = run(status_project, "--runbook", "docs", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids == [
        "docs/ops.md::api-live",
        "docs/ops.md::api-ready",
        "docs/ops.md::api-health",
        "docs/ops.md::broken-block",
        "docs/ops.md::maintenance",
        "docs/ops.md::queue-depth",
        "docs/ops.md::disk-space",
    ]


def test_collect_only_runs_nothing(
    status_project: pytest.Pytester, http_server: RouteServer
) -> None:
    run(status_project, "--runbook", "docs", "--collect-only")
    assert sum(http_server.hits.values()) == 0


def test_k_selects_by_name_and_deselected_checks_do_not_run(
    status_project: pytest.Pytester, http_server: RouteServer
) -> None:
    result = run(status_project, "--runbook", "docs", "-k", "ready or Queue", "-v")
    result.assert_outcomes(passed=1, failed=1, deselected=5)
    result.stdout.fnmatch_lines(["docs/ops.md::api-ready FAILED*"])
    assert http_server.hits == {"/readyz": 1, "/queues": 1}


def test_junitxml_has_a_testcase_per_check(status_project: pytest.Pytester) -> None:
    run(status_project, "--runbook", "docs", "--junitxml=report.xml")
    suite = ElementTree.parse(status_project.path / "report.xml").getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert len(cases) == 7, list(cases)

    ready = cases["api-ready"]
    assert ready.get("classname") == "docs.ops.md"
    failure = ready.find("failure")
    assert failure is not None
    assert "API ready: fail · 503" in (failure.get("message") or "")
    properties = {p.get("name"): p.get("value") for p in ready.iter("property")}
    assert properties["status"] == "fail"
    assert properties["value"] == "503"
    assert (properties["target"] or "").endswith("/readyz")

    assert cases["broken-block"].find("error") is not None
    assert cases["maintenance"].find("skipped") is not None
    health = {p.get("name"): p.get("value") for p in cases["api-health"].iter("property")}
    assert health["status"] == "warn"
    assert cases["api-health"].find("failure") is None


def test_runbook_env_picks_the_environment(
    pytester: pytest.Pytester, http_server: RouteServer
) -> None:
    http_server.route("/healthz")
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "ops.md").write_text(
        "```check\nname: API live\nhttp: GET {{ api }}/healthz\n```\n", encoding="utf-8"
    )
    # The default env points at a port nobody listens on; staging at the live server.
    write_mkdocs_yml(
        pytester.path,
        f"{{local: {{api: 'http://127.0.0.1:1'}}, staging: {{api: '{http_server.url}'}}}}",
        "      timeout: 2s\n",
    )
    run(pytester, "--runbook", "docs").assert_outcomes(failed=1)
    run(pytester, "--runbook", "docs", "--runbook-env", "staging").assert_outcomes(passed=1)
    assert http_server.hits["/healthz"] == 1

    unknown = run(pytester, "--runbook", "docs", "--runbook-env", "prod")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    unknown.stderr.fnmatch_lines(["*unknown environment 'prod' (defined: local, staging)*"])


def test_runbook_config_names_the_settings_file(
    pytester: pytest.Pytester, http_server: RouteServer
) -> None:
    http_server.route("/healthz")
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "ops.md").write_text(
        "```check\nhttp: GET {{ api }}/healthz\n```\n", encoding="utf-8"
    )
    write_mkdocs_yml(pytester.path, f"{{local: {{api: '{http_server.url}'}}}}")
    (pytester.path / "mkdocs.yml").rename(pytester.path / "runbooks.yml")
    result = run(pytester, "--runbook", "docs", "--runbook-config", "runbooks.yml")
    result.assert_outcomes(passed=1)

    missing = run(pytester, "--runbook", "docs", "--runbook-config", "nope.yml")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*config file not found: nope.yml*"])


def test_invalid_mkdocs_yml_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "docs").mkdir()
    (pytester.path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: nowhere\nplugins: [runbook]\n", encoding="utf-8"
    )
    result = run(pytester, "--runbook", "docs")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--runbook: *mkdocs.yml*"])


def test_missing_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--runbook", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--runbook: no such file or folder: nowhere*"])


def test_runbook_paths_add_to_testpaths(
    status_project: pytest.Pytester, http_server: RouteServer
) -> None:
    status_project.makeini("[pytest]\ntestpaths = tests\n")
    (status_project.path / "tests").mkdir()
    (status_project.path / "tests" / "test_unit.py").write_text("def test_unit(): pass\n")
    # docs/ is not in testpaths: the checks come on top of the tests.
    run(status_project, "--runbook", "docs").assert_outcomes(
        passed=4, failed=1, errors=1, skipped=2
    )
    # The marker on every check splits them from the tests.
    run(status_project, "--runbook", "docs", "-m", "not runbook").assert_outcomes(
        passed=1, deselected=7
    )
    # Named on the command line as well, docs/ is collected once and the tests are not.
    run(status_project, "--runbook", "docs", "--", "docs").assert_outcomes(
        passed=3, failed=1, errors=1, skipped=2
    )


def test_without_the_option_markdown_is_not_collected(
    status_project: pytest.Pytester, http_server: RouteServer
) -> None:
    status_project.makepyfile(test_unit="def test_unit(): pass\n")
    run(
        status_project,
    ).assert_outcomes(passed=1)
    assert sum(http_server.hits.values()) == 0


def test_the_plugin_module_does_not_load_the_engine() -> None:
    code = (
        "import sys, mkdocs_runbook.pytest_plugin\n"
        "heavy = ('mkdocs_runbook.engine', 'httpx', 'mkdocs', 'yaml')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


class BarrierServer:
    """Answers 200 only once ``parties`` requests are waiting at the same time, else 503.

    So the checks pass only if all of them are in flight together: proof of concurrency
    without measuring time.
    """

    def __init__(self, parties: int) -> None:
        barrier = threading.Barrier(parties, timeout=10)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                try:
                    barrier.wait()
                    status = 200
                except threading.BrokenBarrierError:
                    status = 503
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def barrier_server() -> Iterator[BarrierServer]:
    server = BarrierServer(parties=20)
    try:
        yield server
    finally:
        server.stop()


def many_checks(count: int, route: str = "/r{n}") -> str:
    return "\n".join(
        f"```check\nname: Check {n}\nhttp: GET {{{{ api }}}}{route.format(n=n)}\n```\n"
        for n in range(count)
    )


def test_all_checks_are_in_flight_together(
    pytester: pytest.Pytester, barrier_server: BarrierServer
) -> None:
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "many.md").write_text(many_checks(20), encoding="utf-8")
    write_mkdocs_yml(
        pytester.path,
        f"{{local: {{api: '{barrier_server.url}'}}}}",
        "      timeout: 20s\n      per_host: 20\n",
    )
    run(pytester, "--runbook", "docs").assert_outcomes(passed=20)


def test_xdist_workers_run_each_check_once(
    status_project: pytest.Pytester, http_server: RouteServer
) -> None:
    for n in range(20):
        http_server.route(f"/r{n}", delay=0.1)
    (status_project.path / "docs" / "many.md").write_text(many_checks(20), encoding="utf-8")
    result = run(status_project, "-p", "xdist", "-n", "2", "--runbook", "docs")
    result.assert_outcomes(passed=23, failed=1, errors=1, skipped=2)
    result.stdout.fnmatch_lines(["*runbook warnings*", "docs/ops.md::api-health: *"])
    # Every check ran on exactly one worker.
    assert all(http_server.hits[f"/r{n}"] == 1 for n in range(20)), http_server.hits
    assert http_server.hits["/readyz"] == 1


@pytest.mark.timeout(90)  # waiting for the hung check would take until the gate's 120 s
def test_exitfirst_cancels_the_checks_still_running(
    pytester: pytest.Pytester, http_server: RouteServer
) -> None:
    http_server.route("/down", status=503)
    answer_slow = threading.Event()
    http_server.route("/slow", gate=answer_slow)
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "ops.md").write_text(
        many_checks(1, "/down") + many_checks(1, "/slow").replace("Check 0", "Slow"),
        encoding="utf-8",
    )
    write_mkdocs_yml(
        pytester.path, f"{{local: {{api: '{http_server.url}'}}}}", "      timeout: 600s\n"
    )
    try:
        result = run(pytester, "--runbook", "docs", "-x")
        result.assert_outcomes(failed=1)
        # Reaching this line at all is the proof: the slow check's request is answered only
        # when the gate opens (below), so a session that waited for it would have hit the
        # test's timeout. It was cut off at session end.
    finally:
        answer_slow.set()
