"""MkDocs' process loads only what a site build uses (issue 14): every module the plugin imports
is build time. The checks run in the worker processes, so httpx and the probes load there;
rich is for terminals, the JSONPath library for JSONPath assertions. A check worker in turn
loads only what its checks use: every module is memory of every build (SPEC 14, peak RSS).

Proved by what ``sys.modules`` holds, never by a clock: after importing the plugin, and in a
real ``mkdocs build`` (a hook writes the list at the end of the build) whose http checks pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mkdocs_runbook
from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.results import Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer
from sites import make_site

#: What a site build's process must not load: the worker's side (httpx and its transport,
#: asyncio, the probes, the check loop), the terminal's (rich), and libraries that only some
#: checks need (the JSONPath library, dnspython's record types).
WORKER_AND_TERMINAL = (
    "httpx",
    "httpcore",
    "asyncio",
    "rich",
    "jsonpath",
    "dns",
    "mkdocs_runbook.run.attempts",
    "mkdocs_runbook.run.worker",
    "mkdocs_runbook.run.probes.http",
    "mkdocs_runbook.render.terminal",
)

#: Writes the names of the loaded modules next to mkdocs.yml when the build ends.
MODULES_HOOK = """\
import json, sys
from pathlib import Path

def on_post_build(config, **kwargs):
    out = Path(config["config_file_path"]).with_name("modules.json")
    out.write_text(json.dumps(sorted(sys.modules)), encoding="utf-8")
"""

PAGE = """# Deploy

```check
name: API live
http: GET {{ api }}/healthz
expect: [status == 200, latency < 30s]
```

```bash check name="API ready"
curl -sf {{ api }}/readyz
```
"""

JSONPATH_CHECK = """
```check
name: API status
http: GET {{ api }}/healthz
expect: [$.status == ok]
```
"""


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (packages included with their submodules) are in ``modules``."""
    return sorted(
        name for name in names if any(m == name or m.startswith(f"{name}.") for m in modules)
    )


def test_importing_the_plugin_loads_neither_the_worker_nor_the_terminal() -> None:
    code = "import json, sys, mkdocs_runbook.plugin; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert loaded(json.loads(done.stdout), WORKER_AND_TERMINAL) == []


def test_the_badge_writing_process_loads_the_badge_code_alone() -> None:
    """The writing process imports ``record.badges`` to make badge files (``python -I -S``,
    the package found by path): not the site's writers, the report, nor what they load."""
    package_parent = Path(mkdocs_runbook.__file__).resolve().parents[1]
    code = (
        f"import json, sys; sys.path.append({str(package_parent)!r}); "
        "from mkdocs_runbook.record.badges import badge_texts; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    ours = [name for name in json.loads(done.stdout) if name.startswith("mkdocs_runbook")]
    assert sorted(ours) == [
        "mkdocs_runbook",
        "mkdocs_runbook.lazy",
        "mkdocs_runbook.record",
        "mkdocs_runbook.record.badges",
        "mkdocs_runbook.results",
        "mkdocs_runbook.text",
    ]


def build_modules(root: Path, server: RouteServer, page: str) -> list[str]:
    """Build a site of ``page`` and return the modules MkDocs' process held at the end."""
    site = make_site(
        root,
        runbook={"environments": {"local": {"api": server.url}}, "history": None},
        extensions=["pymdownx.superfences"],
    )
    site.hook("modules_hook.py", MODULES_HOOK)
    site.page("index.md", page)
    done = site.build()
    assert done.returncode == 0, done.stderr
    report = json.loads((site.out / "runbook-checks.json").read_text(encoding="utf-8"))
    assert {check["name"]: check["status"] for check in report["checks"]} == {
        name: "pass" for name in ("API live", "API ready", "API status") if name in page
    }
    modules: list[str] = json.loads((site.root / "modules.json").read_text(encoding="utf-8"))
    return modules


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_site_build_runs_its_http_checks_without_httpx_in_mkdocs_process(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", body={"status": "ok"})
    modules = build_modules(tmp_path / "plain", http_server, PAGE)
    assert "mkdocs_runbook.plugin" in modules
    assert loaded(modules, WORKER_AND_TERMINAL) == []
    # The hook sees what a check loads: a JSONPath assertion is read (and judged) with the
    # library when the page is read, so that a bad path is an error with its column.
    with_jsonpath = build_modules(tmp_path / "jsonpath", http_server, PAGE + JSONPATH_CHECK)
    assert loaded(with_jsonpath, WORKER_AND_TERMINAL) == ["jsonpath"]


@pytest.mark.parametrize(
    ("argv", "absent", "shows"),
    [
        (["check", "--help"], ["mkdocs_runbook.demo", "mkdocs_runbook.alerts"], "--concurrency"),
        (["--help"], ["mkdocs_runbook.demo", "mkdocs_runbook.alerts"], "demo-target"),
        (["alerts", "--help"], ["mkdocs_runbook.demo"], "--site-url"),
        (["demo-target", "--help"], ["mkdocs_runbook.alerts"], "--dns-port"),
    ],
)
def test_a_command_loads_no_other_commands_module(
    argv: list[str], absent: list[str], shows: str
) -> None:
    """The demo service and the alerts code load only for their own commands."""
    script = (
        "import json, sys\n"
        "from mkdocs_runbook.cli import main\n"
        "try:\n"
        "    main(json.loads(sys.argv[1]))\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert shows in done.stdout
    assert [name for name in absent if name in loaded] == []


#: What a check worker that ran plain http checks must not load: the front-end's side (the
#: parser and finder with Markdown, pymdownx, Jinja2 and YAML; the pool and the cache), the
#: other kinds' probes and their libraries, and what only some assertions need.
NOT_FOR_HTTP_CHECKS = (
    "mkdocs_runbook.find",
    "mkdocs_runbook.parse",
    "mkdocs_runbook.resolve.checks",
    "mkdocs_runbook.run.pool",
    "mkdocs_runbook.run.cache",
    "mkdocs_runbook.run.probes.dns",
    "mkdocs_runbook.run.probes.tls",
    "mkdocs_runbook.run.probes.command",
    "mkdocs_runbook.run.probes.metrics",
    "markdown",
    "pymdownx",
    "jinja2",
    "yaml",
    "dns",
    "prometheus_client",
    "jsonpath",
    "re2",
)

HTTP_CHECKS = """
```check
name: API live
http: GET {url}/healthz
expect: [status == 200, latency < 30s]
```
"""

PATTERN_CHECKS = """
```check
name: API says ok
http: GET {url}/healthz
expect: [body matches /ok/, $.status == ok]
```
"""


#: Put on a worker's path as ``sitecustomize``: at exit, it writes the modules it loaded.
MODULES_AT_EXIT = """\
import atexit, json, os, sys

def _write() -> None:
    with open(os.path.join(os.environ["MODULES_DIR"], str(os.getpid())), "w") as out:
        json.dump(sorted(sys.modules), out)

atexit.register(_write)
"""


def worker_modules(tmp_path: Path, page: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the checks of ``page`` in a fresh worker and return the modules it held at its end.
    A ``sitecustomize`` on ``PYTHONPATH`` tells: this process has started already, so only
    the worker (a new interpreter) runs it."""
    hook, out = tmp_path / "hook", tmp_path / "modules"
    hook.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(MODULES_AT_EXIT, encoding="utf-8")
    (tmp_path / "ops.md").write_text(page, encoding="utf-8")
    settings = RunbookSettings(base_dir=tmp_path, history=None)
    with monkeypatch.context() as patch:
        patch.setenv("PYTHONPATH", str(hook))
        patch.setenv("MODULES_DIR", str(out))
        report = run_checks(collect([tmp_path / "ops.md"], settings), settings)
    assert {check.status for check in report.checks} == {Status.PASS}
    (written,) = list(out.iterdir())  # run_checks waits for its worker to end
    modules: list[str] = json.loads(written.read_text(encoding="utf-8"))
    written.unlink()
    assert "mkdocs_runbook.run.worker" in modules
    return modules


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_check_worker_loads_what_its_checks_use(
    tmp_path: Path,
    http_server: RouteServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_only = worker_modules(tmp_path, HTTP_CHECKS.format(url=http_server.url), monkeypatch)
    assert "mkdocs_runbook.run.probes.http" in http_only
    assert loaded(http_only, NOT_FOR_HTTP_CHECKS) == []
    # A pattern and a JSONPath load their libraries, in the worker that judges them.
    page = (HTTP_CHECKS + PATTERN_CHECKS).format(url=http_server.url)
    with_patterns = worker_modules(tmp_path, page, monkeypatch)
    assert loaded(with_patterns, NOT_FOR_HTTP_CHECKS) == ["jsonpath", "re2"]
