"""Structural promises of DESIGN.md: the engine never imports mkdocs; the public API is fixed."""

from __future__ import annotations

import subprocess
import sys

import mkdocs_runbook

ENGINE_MODULES = [
    "mkdocs_runbook.engine",
    "mkdocs_runbook.runner",
    "mkdocs_runbook.find",
    "mkdocs_runbook.parse",
    "mkdocs_runbook.resolve",
    "mkdocs_runbook.assertions",
    "mkdocs_runbook.render",
    "mkdocs_runbook.publish",
    "mkdocs_runbook.probes.http",
    "mkdocs_runbook.probes.tcp",
    "mkdocs_runbook.probes.dns",
    "mkdocs_runbook.probes.tls",
    "mkdocs_runbook.probes.metrics",
    "mkdocs_runbook.probes.command",
    "mkdocs_runbook.probes.console",
]


def test_engine_does_not_import_mkdocs() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'mkdocs' or m.startswith('mkdocs.'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"engine imported mkdocs: {done.stdout} {done.stderr}"


def test_public_api() -> None:
    assert sorted(mkdocs_runbook.__all__) == sorted(
        [
            "__version__",
            "CheckResult",
            "Report",
            "RunbookSettings",
            "Status",
            "collect",
            "run_checks",
            "RunbookError",
            "CheckDefinitionError",
            "ResolveError",
            "ProbeFailure",
            "ConfigError",
        ]
    )
    for name in mkdocs_runbook.__all__:
        assert getattr(mkdocs_runbook, name) is not None
