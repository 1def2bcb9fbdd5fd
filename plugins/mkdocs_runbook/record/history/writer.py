"""Writing one run, whole, in one transaction, exactly once; and pruning old runs: the locking,
and the statements ``queries.write_run`` and ``queries.prune`` run, by name, per database.

Writers are serialised per store (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), so the summaries can be read, merged and written back without a lost update
when several processes or machines record at once. A run id already in the store is not
written again: replaying a spooled run is safe however often it happens.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from . import queries
from .layout import MARK_WIDTH
from .model import RECENT_MARKS
from .schema import checks, daily, ensure_schema, pages, results, runs

#: PostgreSQL advisory lock key of mkdocs-runbook's history writers (any fixed number).
_WRITER_LOCK = 0x52554E424F4F4B  # "RUNBOOK"


def lock_for_writing(connection: Connection) -> None:
    """Inside a write transaction: wait for other writers, then make sure of the schema."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITER_LOCK})
    ensure_schema(connection)


@cache
def write_statements(dialect: str) -> dict[str, Executable]:
    """What recording a run runs on ``dialect`` (``sqlite`` or ``postgresql``), by name. The
    inserts name no values: each execution passes every column of its table."""
    before: BindParameter[str] = bindparam("before")
    return {
        queries.RUN_EXISTS: select(exists().where(runs.c.id == bindparam("run_id")).label("found")),
        queries.INSERT_RUN: runs.insert(),
        queries.INSERT_RESULTS: results.insert(),
        queries.ADD_DAILY: _add_to_daily(dialect),
        queries.UPDATE_CHECKS: _update_checks(dialect),
        queries.KNOWN_PAGES: select(pages).where(
            pages.c.env == bindparam("env"),
            pages.c.zone == bindparam("zone"),
            pages.c.page.in_(bindparam("pages", expanding=True)),
        ),
        queries.UPDATE_PAGES: _upsert_replacing(dialect, pages),
        queries.PRUNE_RESULTS: delete(results).where(
            results.c.run_id.in_(select(runs.c.id).where(runs.c.started_at < before))
        ),
        queries.PRUNE_RUNS: delete(runs).where(runs.c.started_at < before),
        queries.PRUNE_DAILY: delete(daily).where(daily.c.day < bindparam("before_day")),
        queries.PRUNE_CHECKS: delete(checks).where(checks.c.last_checked_at < before),
        queries.PRUNE_PAGES: delete(pages).where(pages.c.last_run_at < before),
    }


def _add_to_daily(dialect: str) -> Executable:
    statement = _upsert(dialect, daily)
    excluded = statement.excluded
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(daily.primary_key.columns),
        set_={
            "runs": daily.c.runs + excluded.runs,
            "passing": daily.c.passing + excluded.passing,
        },
    )


def _update_checks(dialect: str) -> Executable:
    """One upsert for all the run's checks; the database appends each mark to the row's last
    ones, so nothing is read back. A run older than a check's last result (written late from
    the spool) counts everywhere but in that check's row of marks, which stays in time order."""
    statement = _upsert(dialect, checks)
    new, old = statement.excluded, checks.c
    newer = new.last_checked_at >= old.last_checked_at
    joined = old.recent + new.recent
    keep = RECENT_MARKS * MARK_WIDTH
    appended = func.right(joined, keep) if dialect == "postgresql" else func.substr(joined, -keep)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(checks.primary_key.columns),
        set_={
            "recent": case((newer, appended), else_=old.recent),
            "last_status": case((newer, new.last_status), else_=old.last_status),
            "last_checked_at": case((newer, new.last_checked_at), else_=old.last_checked_at),
            "last_passed_at": case(
                (
                    or_(old.last_passed_at.is_(None), new.last_passed_at > old.last_passed_at),
                    new.last_passed_at,
                ),
                else_=old.last_passed_at,
            ),
        },
    )


def _upsert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _upsert_replacing(dialect: str, table: Table) -> Executable:
    statement = _upsert(dialect, table)
    key = list(table.primary_key.columns)
    others = [column.name for column in table.columns if column not in key]
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=key, set_={name: statement.excluded[name] for name in others}
    )
