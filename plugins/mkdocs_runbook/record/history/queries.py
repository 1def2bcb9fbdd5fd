"""What a site build reads and what a run writes, written once against named statements, so
that both drivers share it: SQLAlchemy runs the statements as reader.py, writer.py and schema.py
define them (any store), the stdlib ``sqlite3`` driver runs the same statements compiled to
text in sqlite_sql.py (a SQLite store at the current schema version). No database library here.

Rows come back with attribute access by column name and unpack as tuples, from either driver,
and are turned into ``SiteHistory`` and friends by the functions below only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from ...results import Status, iso_utc
from .layout import day_number, decode_marks, encode_mark
from .model import (
    UPTIME_WINDOWS,
    CheckHistory,
    PageHistory,
    ResultRow,
    RunRecord,
    Share,
    SiteHistory,
)

# The statements, by name. Each one's parameters are named in the comment beside it; the
# SQLAlchemy definitions use ``bindparam`` with these names (``expanding`` for lists).
SCHEMA_VERSION = "schema_version"  # -
SCHEMA_STAMP = "schema_stamp"  # version (a new store's, once its tables are made)
SITE_CHECKS = "site_checks"  # env
SITE_PAGES = "site_pages"  # env
SITE_DAYS = "site_days"  # env, week_start, month_start
SITE_LAST_RUNS = "site_last_runs"  # env, day_ago
SITE_LAST_DAY = "site_last_day"  # run_ids (list), day_ago
RUN_EXISTS = "run_exists"  # run_id
INSERT_RUN = "insert_run"  # the run's columns
INSERT_RESULTS = "insert_results"  # per result: its columns
ADD_DAILY = "add_daily"  # per check and day: its columns
UPDATE_CHECKS = "update_checks"  # per check: its columns
KNOWN_PAGES = "known_pages"  # env, zone, pages (list)
UPDATE_PAGES = "update_pages"  # per page: its columns
PRUNE_RESULTS = "prune_results"  # before
PRUNE_RUNS = "prune_runs"  # before
PRUNE_DAILY = "prune_daily"  # before_day
PRUNE_CHECKS = "prune_checks"  # before
PRUNE_PAGES = "prune_pages"  # before

#: What a site build runs to read the store, and what recording a run runs.
SITE_READ = (SITE_CHECKS, SITE_PAGES, SITE_DAYS, SITE_LAST_RUNS, SITE_LAST_DAY)
RUN_WRITE = (
    RUN_EXISTS,
    INSERT_RUN,
    INSERT_RESULTS,
    ADD_DAILY,
    UPDATE_CHECKS,
    KNOWN_PAGES,
    UPDATE_PAGES,
    PRUNE_RESULTS,
    PRUNE_RUNS,
    PRUNE_DAILY,
    PRUNE_CHECKS,
    PRUNE_PAGES,
)


class Database(Protocol):
    """One open transaction of a store, running statements by name."""

    def rows(self, name: str, params: Mapping[str, Any]) -> Sequence[Any]:
        """Every row of a query (fetched at once: iterating would cost a call per row)."""
        ...

    def execute(self, name: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        """Run a statement once, or once per parameter set of a list."""
        ...


# -- reading ---------------------------------------------------------------------------------


def read_site(database: Database, *, env: str, zone: str, now: datetime) -> SiteHistory:
    """Every check's marks, last pass and uptimes for ``env`` in every zone (``zone`` is the
    run's own, the one a check without a zone is looked up in), and every page's last run and
    last full verification for ``env`` (in any zone)."""
    history = SiteHistory(env=env, zone=zone)
    uptime = _uptimes(database, env=env, now=now)
    for page, check_id, check_zone, recent, last_passed_at in database.rows(
        SITE_CHECKS, {"env": env}
    ):
        key = (page, check_id, check_zone)
        history.checks[key] = CheckHistory(
            recent=tuple(decode_marks(recent)),
            last_passed_at=last_passed_at,
            uptime=uptime.get(key, {}),
        )
    for row in database.rows(SITE_PAGES, {"env": env}):
        history.pages[row.page] = PageHistory(
            last_run_at=row.last_run_at, last_verified_at=row.last_verified_at
        )
    return history


def _uptimes(
    database: Database, *, env: str, now: datetime
) -> dict[tuple[str, str, str], dict[str, Share]]:
    """Passing share per check and zone over 24 h (from the runs of the last day) and 7 and
    30 days (from the daily counts: today and the days before it)."""
    shares: dict[tuple[str, str, str], dict[str, Share]] = {}
    today = day_number(iso_utc(now))
    days = {"env": env, "week_start": today - 6, "month_start": today - 29}
    for row in database.rows(SITE_DAYS, days):
        shares[(row.page, row.check_id, row.zone)] = {
            "7d": Share(int(row.passing_7d), int(row.runs_7d)),
            "30d": Share(int(row.passing_30d), int(row.runs_30d)),
        }
    day_ago = iso_utc(now - timedelta(seconds=UPTIME_WINDOWS["24h"]))
    # The last day's runs first (a range of their index), then their results by primary key,
    # a zone at a time: plainly indexed reads, whatever the planner knows of the tables' sizes.
    run_ids_by_zone: dict[str, list[str]] = {}
    for run_id, run_zone in database.rows(SITE_LAST_RUNS, {"env": env, "day_ago": day_ago}):
        run_ids_by_zone.setdefault(run_zone, []).append(run_id)
    for run_zone, run_ids in run_ids_by_zone.items():
        last_day = {"run_ids": run_ids, "day_ago": day_ago}
        for row in database.rows(SITE_LAST_DAY, last_day):
            shares.setdefault((row.page, row.check_id, run_zone), {})["24h"] = Share(
                int(row.passing), int(row.runs)
            )
    return shares


# -- writing ---------------------------------------------------------------------------------


def write_run(database: Database, run: RunRecord) -> bool:
    """Record ``run`` and update the summaries; ``False`` when it was recorded before.

    Call inside a write-locked transaction of a store at the current schema version."""
    [(exists,)] = database.rows(RUN_EXISTS, {"run_id": run.id})
    if exists:
        return False
    database.execute(
        INSERT_RUN,
        {
            "id": run.id,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "env": run.env,
            "zone": run.zone,
            "trigger": run.trigger,
            "host": run.host,
            "git_commit": run.commit,
            "checks": len(run.results),
        },
    )
    if run.results:
        database.execute(INSERT_RESULTS, [_result_values(run.id, row) for row in run.results])
        _add_to_daily(database, run)
        _update_checks(database, run)
    _update_pages(database, run)
    return True


def prune(database: Database, *, before: str) -> None:
    """Forget runs that started before ``before``, with their results and daily counts, and
    the summaries of checks and pages not seen since."""
    database.execute(PRUNE_RESULTS, {"before": before})
    database.execute(PRUNE_RUNS, {"before": before})
    database.execute(PRUNE_DAILY, {"before_day": day_number(before)})
    database.execute(PRUNE_CHECKS, {"before": before})
    database.execute(PRUNE_PAGES, {"before": before})


def _result_values(run_id: str, row: ResultRow) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "page": row.page,
        "check_id": row.check_id,
        "name": row.name,
        "kind": row.kind,
        "status": row.status,
        "value": row.value,
        "message": row.message,
        "duration_ms": row.duration_ms,
        "checked_at": row.checked_at,
        "attempts": row.attempts,
    }


def _add_to_daily(database: Database, run: RunRecord) -> None:
    counts: dict[tuple[str, str, int], list[int]] = {}
    for row in run.results:
        if row.status == Status.SKIP.value:
            continue
        key = (row.page, row.check_id, day_number(row.checked_at))
        tally = counts.setdefault(key, [0, 0])
        tally[0] += 1
        tally[1] += row.passing
    if not counts:
        return
    database.execute(
        ADD_DAILY,
        [
            {"env": run.env, "zone": run.zone, "page": page, "check_id": check_id, "day": day}
            | {"runs": n, "passing": passing}
            for (page, check_id, day), (n, passing) in counts.items()
        ],
    )


def _update_checks(database: Database, run: RunRecord) -> None:
    """One upsert for all the run's checks; the database appends each mark to the row's last
    ones, so nothing is read back (see ``writer``)."""
    database.execute(
        UPDATE_CHECKS,
        [
            {
                "env": run.env,
                "zone": run.zone,
                "page": row.page,
                "check_id": row.check_id,
                "last_status": row.status,
                "last_checked_at": row.checked_at,
                "last_passed_at": row.checked_at if row.passing else None,
                "recent": encode_mark(row.status, row.checked_at),
            }
            for row in run.results
        ],
    )


def _update_pages(database: Database, run: RunRecord) -> None:
    touched = run.pages
    if not touched:
        return
    known = {
        row.page: row
        for row in database.rows(KNOWN_PAGES, {"env": run.env, "zone": run.zone, "pages": touched})
    }
    at = run.started_at
    verified = set(run.verified_pages)
    values = []
    for page in touched:
        before = known.get(page)
        runs_at = [at, *([before.last_run_at] if before is not None else [])]
        verified_at = [at] if page in verified else []
        if before is not None and before.last_verified_at is not None:
            verified_at.append(before.last_verified_at)
        values.append(
            {
                "env": run.env,
                "zone": run.zone,
                "page": page,
                "last_run_at": max(runs_at),
                "last_verified_at": max(verified_at, default=None),
            }
        )
    database.execute(UPDATE_PAGES, values)
