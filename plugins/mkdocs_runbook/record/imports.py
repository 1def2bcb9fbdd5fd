"""Reading results another run wrote: JSON reports named by globs (the ``import`` option).

A report that cannot be read (missing, truncated, not a report, another version) is a problem
naming the file; the other reports are still read. A report of another environment is left
out with a problem naming it, as its results say nothing about this one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..results import CheckResult, Report

__all__ = ["ImportedResults", "glob_paths", "read_reports"]


@dataclass
class ImportedResults:
    results: list[CheckResult] = field(default_factory=list)
    #: ``file: what is wrong`` for each report left out.
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def read_reports(
    patterns: Sequence[str], *, base_dir: Path | None = None, env: str | None = None
) -> ImportedResults:
    """The results of every report matching ``patterns`` (relative to ``base_dir``)."""
    imported = ImportedResults()
    for pattern in patterns:
        matches = glob_paths(pattern, base_dir)
        if not matches:
            imported.problems.append(f"{pattern}: no report matches")
        for match in matches:
            if match.as_posix() not in imported.files:
                imported.files.append(match.as_posix())
                _read_one(match, env, imported)
    return imported


def glob_paths(pattern: str, base_dir: Path | None = None) -> list[Path]:
    """The paths matching ``pattern`` (``*``, ``?``, ``[…]``, ``**`` across folders), sorted;
    a relative pattern is taken from ``base_dir`` (default: the working directory)."""
    path = Path(pattern)
    if path.is_absolute():
        root, relative = Path(path.anchor), path.relative_to(path.anchor).as_posix()
    else:
        root, relative = base_dir or Path(), pattern
    if relative in ("", "."):
        return [root] if root.exists() else []
    return sorted(root.glob(relative))


def _read_one(path: Path, env: str | None, imported: ImportedResults) -> None:
    name = path.as_posix()
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        report = Report.from_dict(data)
    except OSError as exc:
        imported.problems.append(f"{name}: cannot read the report: {exc.strerror}")
        return
    except UnicodeDecodeError:
        imported.problems.append(f"{name}: not a JSON report (not UTF-8)")
        return
    except json.JSONDecodeError as exc:
        imported.problems.append(f"{name}:{exc.lineno}: not a JSON report: {exc.msg}")
        return
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        imported.problems.append(f"{name}: not a runbook report: {_reason(exc)}")
        return
    if env is not None and report.env and report.env != env:
        imported.problems.append(f"{name}: left out: a report of env '{report.env}', not '{env}'")
        return
    imported.results += report.checks


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"a check without '{exc.args[0]}'"
    return str(exc) or type(exc).__name__
