"""The command line's side of history (SPEC 10): ``runbook check`` records its run, and
``runbook history`` / ``runbook freshness`` read what the runs recorded."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .engine import CheckItem, collect, record_history, select
from .errors import ConfigError
from .find import front_matter, page_files, page_owner, read_page
from .project import Project, load_project
from .record import html_safe_json
from .render.history_text import CheckRuns, PageFreshness, print_freshness, print_history
from .results import Report, iso_utc, parse_iso_utc, utc_now
from .settings import RunbookSettings
from .units import format_duration, parse_duration

if TYPE_CHECKING:
    from .record.history import HistoryEntry, HistoryStore

EXIT_OK, EXIT_STALE, EXIT_NOTHING_SELECTED = 0, 1, 5
T = TypeVar("T")


def add_parsers(commands: Any) -> None:
    """``runbook history`` and ``runbook freshness`` (``commands``: the subparsers)."""
    history = commands.add_parser("history", help="show the recorded runs of checks or pages")
    _common(history)
    history.add_argument(
        "--id", action="append", default=[], help="only this check (ID or PAGE::ID)"
    )
    history.add_argument("--since", default="7d", help="how far back, e.g. 24h or 30d (7d)")
    freshness = commands.add_parser(
        "freshness", help="list pages not fully verified recently; exit 1 when there is one"
    )
    _common(freshness)
    freshness.add_argument(
        "--max-age", default="7d", help="how recent a full verification must be (7d)"
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("-f", "--config-file", help="mkdocs.yml to read settings from")
    parser.add_argument("--env", help="environment from mkdocs.yml (default: its env option)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def record_check_run(report: Report, items: Sequence[CheckItem], settings: RunbookSettings) -> None:
    """Record ``runbook check``'s run; a store problem is one warning on stderr."""
    expected: dict[str, list[str]] = {}
    for item in items:
        expected.setdefault(item.page, []).append(item.id)
    outcome = record_history(
        settings,
        trigger="check",
        started_at=report.started_at,
        finished_at=report.finished_at,
        results=report.checks,
        expected=expected,
    )
    for problem in outcome.problems:
        print(f"runbook: warning: {problem}", file=sys.stderr)


def run_history(args: argparse.Namespace) -> int:
    since_seconds = _duration(args.since, "--since")
    project, paths = _project(args)
    items = collect(paths, project.settings)
    chosen = select(items, ids=args.id).chosen
    if not chosen:
        what = ", ".join(f"--id {i}" for i in args.id) or "the paths given"
        print(f"runbook: no check matches {what}", file=sys.stderr)
        return EXIT_NOTHING_SELECTED
    now = utc_now()
    since = now - timedelta(seconds=since_seconds)
    store = _store(project.settings)
    with store:
        entries = _read(
            lambda: store.read_entries(
                env=project.settings.env,
                since=since,
                pages={item.page for item in chosen},
                check_ids={item.id for item in chosen},
            )
        )
    by_check: dict[tuple[str, str], list[HistoryEntry]] = {(i.page, i.id): [] for i in chosen}
    for entry in entries:
        runs = by_check.get((entry.row.page, entry.row.check_id))
        if runs is not None:
            runs.append(entry)
    checks = [CheckRuns(i.page, i.id, i.name, by_check[(i.page, i.id)]) for i in chosen]
    if args.format == "json":
        data = {
            "store": store.display,
            "env": project.settings.env,
            "since": iso_utc(since),
            "checks": [_check_json(check) for check in checks],
        }
        sys.stdout.write(html_safe_json(data, indent=2) + "\n")
    else:
        print_history(
            checks, env=project.settings.env, since=iso_utc(since), now=now, stream=sys.stdout
        )
    return EXIT_OK


def run_freshness(args: argparse.Namespace) -> int:
    max_age = _duration(args.max_age, "--max-age")
    project, paths = _project(args)
    items = collect(paths, project.settings)
    checks_per_page: dict[str, int] = {}
    for item in items:
        checks_per_page[item.page] = checks_per_page.get(item.page, 0) + 1
    if not checks_per_page:
        print("runbook: no page with checks under the paths given", file=sys.stderr)
        return EXIT_NOTHING_SELECTED
    roots = [project.settings.docs_dir] if project.settings.docs_dir else []
    files = page_files(paths, roots=roots)
    now = utc_now()
    store = _store(project.settings)
    with store:
        site = _read(
            lambda: store.read_site(env=project.settings.env, zone=project.settings.zone, now=now)
        )
    pages = []
    for page, count in checks_per_page.items():
        history = site.page(page)
        verified = history.last_verified_at
        fresh = verified is not None and _age(verified, now) <= max_age
        owner = page_owner(front_matter(read_page(files[page]))) if page in files else ""
        pages.append(PageFreshness(page, owner, count, verified, history.last_run_at, fresh))
    if args.format == "json":
        data = {
            "store": store.display,
            "env": project.settings.env,
            "checked_at": iso_utc(now),
            "max_age": format_duration(max_age).replace(" ", ""),
            "max_age_seconds": max_age,
            "stale": sum(not page.fresh for page in pages),
            "pages": [vars(page) for page in pages],
        }
        sys.stdout.write(html_safe_json(data, indent=2) + "\n")
    else:
        print_freshness(pages, max_age=max_age, now=now, stream=sys.stdout)
    return EXIT_STALE if any(not page.fresh for page in pages) else EXIT_OK


def _project(args: argparse.Namespace) -> tuple[Project, list[Path]]:
    project = load_project(args.config_file, env=args.env, paths=args.paths)
    for warning in project.warnings:
        print(f"runbook: warning: {warning}", file=sys.stderr)
    paths = args.paths or project.default_paths()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    if project.settings.history is None:
        raise ConfigError("history is off (history: null in mkdocs.yml): nothing was recorded")
    return project, paths


def _store(settings: RunbookSettings) -> HistoryStore:
    from .record.history import HistoryStore, StoreProblem

    assert settings.history is not None
    try:
        return HistoryStore.open(settings.history, settings.base_dir)
    except StoreProblem as exc:
        raise ConfigError(str(exc)) from None


def _read(work: Callable[[], T]) -> T:
    from .record.history import StoreProblem

    try:
        return work()
    except StoreProblem as exc:
        raise ConfigError(str(exc)) from None


def _duration(text: str, option: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise ConfigError(f"{option}: {exc}") from None
    if seconds <= 0:
        raise ConfigError(f"{option}: must be more than 0")
    return seconds


def _age(iso: str, now: datetime) -> float:
    return (now - parse_iso_utc(iso)).total_seconds()


def _check_json(check: CheckRuns) -> dict[str, Any]:
    return {
        "page": check.page,
        "id": check.check_id,
        "name": check.name,
        "runs": [
            {
                "run_id": entry.run_id,
                "started_at": entry.started_at,
                "trigger": entry.trigger,
                "zone": entry.zone,
                "host": entry.host,
                "commit": entry.commit,
                "status": entry.row.status,
                "value": entry.row.value,
                "message": entry.row.message,
                "duration_ms": entry.row.duration_ms,
                "checked_at": entry.row.checked_at,
                "attempts": entry.row.attempts,
            }
            for entry in check.entries
        ],
    }
