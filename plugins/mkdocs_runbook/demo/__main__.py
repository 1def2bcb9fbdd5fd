"""``python -m mkdocs_runbook.demo``: the demo service in the foreground."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
