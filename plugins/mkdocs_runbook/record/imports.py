"""Results a site shows without running them: report files written by ``runbook check`` runs
elsewhere (CI jobs, other networks), read back and merged (SPEC 11, 12).

Per check and zone the newest result wins; a report of another environment is left out with a
warning naming the file; a report that cannot be read is an error naming the file, and the
other reports still count.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..results import CheckResult, Report, Status
from .report import read_report


@dataclass
class ImportedResults:
    """The merged results, and what went wrong reading the files (one line each)."""

    results: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: The env the results are for (the one asked for, else the first report's).
    env: str = ""
    #: The earliest start and latest end of the reports merged.
    started_at: str = ""
    finished_at: str = ""

    def report(self) -> Report:
        """The merged results as one report; its ``zone`` is the zone they share, if any."""
        zones = {result.zone for result in self.results}
        return Report(
            env=self.env,
            started_at=self.started_at,
            finished_at=self.finished_at,
            checks=sorted(self.results, key=lambda r: (r.page, r.line, r.id, r.zone)),
            zone=zones.pop() if len(zones) == 1 else "",
        )


def report_files(patterns: Iterable[str], base: Path) -> list[Path]:
    """The files ``patterns`` (globs, relative to ``base``) name, sorted, each once."""
    found: set[Path] = set()
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        found.update(Path(match) for match in glob.glob(full, recursive=True))  # noqa: PTH207 (absolute and relative globs alike)
    return sorted(path for path in found if path.is_file())


def report_directories(patterns: Iterable[str], base: Path) -> list[Path]:
    """The existing folders ``patterns`` look in: each glob's leading part without wildcards.
    ``mkdocs serve`` watches them, so a zone's new report rebuilds the site."""
    found: set[Path] = set()
    for pattern in patterns:
        path = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        fixed: list[str] = []
        for part in path.parts[:-1]:
            if any(wildcard in part for wildcard in "*?["):
                break
            fixed.append(part)
        folder = Path(*fixed) if fixed else base
        if folder.is_dir():
            found.add(folder)
    return sorted(found)


def result_key(result: CheckResult) -> tuple[str, str, str]:
    """What one result stands for: a check (page and id) in a zone."""
    return (result.page, result.id, result.zone)


def import_results(
    files: Iterable[Path], *, env: str | None, first_env: bool = False
) -> ImportedResults:
    """Read every report of ``files``; keep the newest result per check and zone. Reports of
    another env than ``env`` are left out (``env=None``: any env, unless ``first_env``: the
    first readable report's env)."""
    merged = ImportedResults(env=env or "")
    newest: dict[tuple[str, str, str], CheckResult] = {}
    for path in files:
        report = _read(path, merged.errors)
        if report is None:
            continue
        if env is None and first_env and report.env:
            env = merged.env = report.env
        if env is not None and report.env and report.env != env:
            merged.warnings.append(
                f"{path}: left out: its results are for env '{report.env}', not '{env}'"
            )
            continue
        merged.env = merged.env or report.env
        merged.started_at = min(filter(None, (merged.started_at, report.started_at)), default="")
        merged.finished_at = max(merged.finished_at, report.finished_at)
        for result in report.checks:
            # A report written before zones were recorded per check: its run's zone.
            result.zone = result.zone or report.zone
            _keep_newest(newest, result)
    merged.results = list(newest.values())
    return merged


def newest_per_zone(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The newest of ``results`` per check and zone, ordered by zone."""
    newest: dict[tuple[str, str, str], CheckResult] = {}
    for result in results:
        _keep_newest(newest, result)
    return sorted(newest.values(), key=lambda result: result_key(result))


def _keep_newest(newest: dict[tuple[str, str, str], CheckResult], result: CheckResult) -> None:
    kept = newest.get(result_key(result))
    if kept is None or result.checked_at > kept.checked_at:
        newest[result_key(result)] = result


@dataclass
class ResultsElsewhere:
    """What a site build shows besides what it ran (SPEC 11): the results of other runs
    (imported reports, the history's latest under ``run: never``), by check."""

    by_check: dict[tuple[str, str], list[CheckResult]] = field(default_factory=dict)

    @classmethod
    def of(cls, results: Iterable[CheckResult]) -> ResultsElsewhere:
        elsewhere = cls()
        for result in newest_per_zone(results):
            elsewhere.by_check.setdefault((result.page, result.id), []).append(result)
        return elsewhere

    def shown(self, own: CheckResult) -> list[CheckResult]:
        """The results to show for the check ``own`` is this build's result of: the newest per
        zone, ordered by zone. Only zones that ran it count: a ``skip`` (another zone's check,
        checks off) shows only when no zone has more to say."""
        others = self.by_check.get((own.page, own.id))
        if not others:  # the common case, once per check and output: nothing to merge
            return [own]
        candidates = newest_per_zone([*others, own])
        return [result for result in candidates if result.status is not Status.SKIP] or [own]


def _read(path: Path, errors: list[str]) -> Report | None:
    try:
        return read_report(path)
    except OSError as exc:
        errors.append(f"{path}: cannot read the report: {exc.strerror}")
    except ValueError as exc:  # UnicodeDecodeError included
        reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
        errors.append(f"{path}: not a runbook report: {reason}")
    return None
