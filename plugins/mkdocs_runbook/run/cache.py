"""Results kept between builds: in memory for ``mkdocs serve`` rebuilds, on disk under
``.cache/runbook/`` for the next process. Keyed by ``ResolvedCheck.run_key``, so editing prose
reuses results and editing a check block runs that check again.

Only redacted outcomes are stored: the files are as safe to read as the published report.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..results import RunOutcome, Status

log = logging.getLogger("mkdocs.plugins.runbook")


class ResultCache:
    """Outcomes by run key, in memory, backed by one JSON file in ``directory``.

    The file is read once, on first use, and written once per run (``flush``), not per
    check: a thousand small writes cost a build more than the checks' own CPU work.
    """

    FILE_NAME = "results.json"

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, RunOutcome] = {}
        self._loaded = directory is None
        self._dirty = False

    def get(self, run_key: str) -> RunOutcome | None:
        self._load()
        return self._memory.get(run_key)

    def put(self, run_key: str, outcome: RunOutcome) -> None:
        # Errors and skips say nothing about the target; caching them would hide a fix.
        if outcome.status in (Status.ERROR, Status.SKIP):
            return
        self._load()
        self._memory[run_key] = outcome
        self._dirty = True

    def flush(self) -> None:
        if self.directory is None or not self._dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / self.FILE_NAME
            temporary = path.with_suffix(".tmp")
            data = {key: outcome.to_dict() for key, outcome in self._memory.items()}
            temporary.write_text(json.dumps(data), encoding="utf-8")
            temporary.replace(path)
            self._dirty = False
        except OSError as exc:
            log.warning("cannot write the result cache in %s: %s", self.directory, exc)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        assert self.directory is not None
        path = self.directory / self.FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            loaded = {key: RunOutcome.from_dict(value) for key, value in data.items()}
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring an unreadable result cache %s: %s", path, exc)
            return
        # What this process ran already wins over what an earlier one left on disk.
        self._memory = {**loaded, **self._memory}
