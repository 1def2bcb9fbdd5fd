"""Engine settings: the plugin options of SPEC section 5 as plain data.

The MkDocs plugin's ``Config`` and the command line both produce one ``RunbookSettings``;
the engine reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .results import Status

DEFAULT_FAIL_ON: tuple[Status, ...] = (Status.FAIL, Status.ERROR)


@dataclass
class RunbookSettings:
    env: str = "local"
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog: Path | None = None
    timeout: float = 5.0
    concurrency: int = 32
    per_host: int = 8
    #: Check worker processes (SPEC 14); ``concurrency`` and ``per_host`` hold across them.
    workers: int = 1
    cache_ttl: float = 300.0
    stale_after: float = 86400.0
    fail_on: tuple[Status, ...] = DEFAULT_FAIL_ON
    allow_commands: bool = False
    allowed_hosts: list[str] = field(default_factory=list)
    #: Base directory for relative command working dirs and snippet includes.
    base_dir: Path = field(default_factory=Path.cwd)
    #: Folders ``pymdownx.snippets`` searches (``base_path``), so the CLI finds what the site finds.
    snippet_paths: list[Path] = field(default_factory=list)

    @property
    def variables(self) -> dict[str, Any]:
        """The chosen environment's variables ({} for an environment with none)."""
        return dict(self.environments.get(self.env) or {})


def parse_statuses(text: str | list[str] | tuple[str, ...]) -> tuple[Status, ...]:
    """``"fail,error"`` or ``["fail", "error"]`` → statuses; ``ValueError`` names a bad one."""
    items = text.split(",") if isinstance(text, str) else list(text)
    statuses = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            statuses.append(Status(item))
        except ValueError:
            allowed = ", ".join(s.value for s in Status)
            raise ValueError(f"unknown status {item!r} (expected one of: {allowed})") from None
    return tuple(statuses)
