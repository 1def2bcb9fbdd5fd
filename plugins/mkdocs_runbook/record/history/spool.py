"""Runs kept on disk while the history store cannot be reached (``.cache/runbook/spool/``, one
JSON file per run, named by its id) until a later run writes them to the store first.

A file is removed only after the store has committed its run, and writing a run id that is
already there is a no-op: a run is recorded exactly once, even when two processes flush the
same spool at the same time or a flush is cut short.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .model import RunRecord

SPOOL_DIR = Path(".cache") / "runbook" / "spool"


@dataclass(frozen=True)
class SpooledRun:
    path: Path
    run: RunRecord


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def beside(cls, base_dir: Path) -> Spool:
        return cls(base_dir / SPOOL_DIR)

    def keep(self, run: RunRecord) -> Path:
        """Write ``run`` to its own file (atomically: a reader never sees half a run)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{run.id}.json"
        temporary = path.with_name(f".{run.id}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(run.to_dict()), encoding="utf-8")
        temporary.replace(path)
        return path

    def pending(self) -> tuple[list[SpooledRun], list[str]]:
        """The spooled runs, oldest first, and a message per file that cannot be read (such
        a file is renamed ``*.bad`` so that it stops blocking the others)."""
        runs: list[SpooledRun] = []
        problems: list[str] = []
        for path in self._files():
            try:
                run = RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                continue  # another process flushed it a moment ago
            except (OSError, ValueError, KeyError, TypeError) as exc:
                problems.append(f"{path}: unreadable spooled run, set aside as .bad ({exc})")
                path.replace(path.with_suffix(".bad"))
                continue
            runs.append(SpooledRun(path, run))
        runs.sort(key=lambda spooled: spooled.run.started_at)
        return runs, problems

    def has_pending(self) -> bool:
        """Whether any run waits here (without reading one)."""
        return next(self._files(), None) is not None

    def done(self, spooled: SpooledRun) -> None:
        spooled.path.unlink(missing_ok=True)

    def _files(self) -> Iterator[Path]:
        if not self.directory.is_dir():
            return iter(())
        return iter(sorted(self.directory.glob("*.json")))
