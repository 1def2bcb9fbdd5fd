"""mkdocs-runbook: runbooks whose verification steps run, with the results published.

The engine is usable on its own::

    from mkdocs_runbook import RunbookSettings, collect, run_checks

    settings = RunbookSettings(environments={"local": {"api": "http://127.0.0.1:8080"}})
    report = run_checks(collect([Path("docs")], settings), settings)

The MkDocs plugin (``runbook``), the ``runbook`` command and ``pytest --runbook`` are thin
front-ends over these same calls.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Loaded on first use: ``pytest`` imports this package for its plugin entry point in every
# run, and MkDocs for its plugin; neither should pay for the whole engine up front.
_EXPORTS: dict[str, str] = {
    "collect": "engine",
    "run_checks": "engine",
    "CheckDefinitionError": "errors",
    "ConfigError": "errors",
    "ProbeFailure": "errors",
    "ResolveError": "errors",
    "RunbookError": "errors",
    "CheckResult": "results",
    "Report": "results",
    "Status": "results",
    "RunbookSettings": "settings",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
