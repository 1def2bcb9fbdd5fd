"""Results kept between builds: in memory for ``mkdocs serve`` rebuilds, on disk under
``.cache/runbook/`` for the next process. Keyed by ``ResolvedCheck.run_key``, so editing prose
reuses results and editing a check block runs that check again.

Only redacted outcomes are stored: the files are as safe to read as the published report.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .results import AssertionResult, Status, parse_iso_utc, utc_now

log = logging.getLogger("mkdocs.plugins.runbook")


@dataclass
class RunOutcome:
    """What running one resolved check produced, before it is attached to a page."""

    status: Status
    message: str = ""
    value: str = ""
    assertions: list[AssertionResult] = field(default_factory=list)
    attempts: int = 0
    duration_ms: float = 0.0
    checked_at: str = ""
    detail: str = ""
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data.pop("cached")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunOutcome:
        return cls(
            status=Status(data["status"]),
            message=data.get("message", ""),
            value=data.get("value", ""),
            assertions=[AssertionResult.from_dict(a) for a in data.get("assertions", [])],
            attempts=int(data.get("attempts", 0)),
            duration_ms=float(data.get("duration_ms", 0.0)),
            checked_at=data.get("checked_at", ""),
            detail=data.get("detail", ""),
        )

    def age_seconds(self, now: datetime | None = None) -> float:
        if not self.checked_at:
            return float("inf")
        return ((now or utc_now()) - parse_iso_utc(self.checked_at)).total_seconds()


class ResultCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, RunOutcome] = {}

    def get(self, run_key: str) -> RunOutcome | None:
        outcome = self._memory.get(run_key)
        if outcome is None and self.directory is not None:
            outcome = self._read(self.directory / f"{run_key}.json")
            if outcome is not None:
                self._memory[run_key] = outcome
        return outcome

    def put(self, run_key: str, outcome: RunOutcome) -> None:
        # Errors and skips say nothing about the target; caching them would hide a fix.
        if outcome.status in (Status.ERROR, Status.SKIP):
            return
        self._memory[run_key] = outcome
        if self.directory is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{run_key}.json"
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(outcome.to_dict()), encoding="utf-8")
            temporary.replace(path)
        except OSError as exc:
            log.warning("cannot write the result cache in %s: %s", self.directory, exc)

    @staticmethod
    def _read(path: Path) -> RunOutcome | None:
        try:
            return RunOutcome.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring an unreadable cached result %s: %s", path, exc)
            return None
