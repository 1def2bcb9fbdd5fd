"""mkdocs-runbook: runbooks whose verification steps run, with the results published."""

from __future__ import annotations

__version__ = "0.1.0"
