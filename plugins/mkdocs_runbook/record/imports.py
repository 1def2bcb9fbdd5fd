"""Results a site shows without running them: report files written by ``runbook check`` runs
elsewhere (CI jobs, other networks), read back and merged (SPEC 11, 12).

Per check the newest result wins; a report of another environment is left out with a warning
naming the file; a report that cannot be read is an error naming the file, and the other
reports still count.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..results import CheckResult
from .report import read_report


@dataclass
class ImportedResults:
    """The merged results, and what went wrong reading the files (one line each)."""

    results: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def report_files(patterns: Iterable[str], base: Path) -> list[Path]:
    """The files ``patterns`` (globs, relative to ``base``) name, sorted, each once."""
    found: set[Path] = set()
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        found.update(Path(match) for match in glob.glob(full, recursive=True))  # noqa: PTH207 (absolute and relative globs alike)
    return sorted(path for path in found if path.is_file())


def import_results(files: Iterable[Path], *, env: str | None) -> ImportedResults:
    """Read every report of ``files``; keep the newest result per check (``page::id``)."""
    merged = ImportedResults()
    newest: dict[str, CheckResult] = {}
    for path in files:
        try:
            report = read_report(path)
        except OSError as exc:
            merged.errors.append(f"{path}: cannot read the report: {exc.strerror}")
            continue
        except ValueError as exc:  # UnicodeDecodeError included
            reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
            merged.errors.append(f"{path}: not a runbook report: {reason}")
            continue
        if env is not None and report.env and report.env != env:
            merged.warnings.append(
                f"{path}: left out: its results are for env '{report.env}', not '{env}'"
            )
            continue
        for result in report.checks:
            kept = newest.get(result.key)
            if kept is None or result.checked_at > kept.checked_at:
                newest[result.key] = result
    merged.results = list(newest.values())
    return merged
