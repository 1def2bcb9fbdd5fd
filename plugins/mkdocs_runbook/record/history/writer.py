"""Writing one run, whole, in one transaction, exactly once; and pruning old runs.

Writers are serialised per store (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), so the summaries can be read, merged and written back without a lost update
when several processes or machines record at once. A run id already in the store is not
written again: replaying a spooled run is safe however often it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, case, delete, exists, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ...results import Status
from .model import RECENT_MARKS, ResultRow, RunRecord
from .schema import (
    MARK_WIDTH,
    checks,
    daily,
    day_number,
    encode_mark,
    ensure_schema,
    pages,
    results,
    runs,
)

#: PostgreSQL advisory lock key of mkdocs-runbook's history writers (any fixed number).
_WRITER_LOCK = 0x52554E424F4F4B  # "RUNBOOK"


def lock_for_writing(connection: Connection) -> None:
    """Inside a write transaction: wait for other writers, then make sure of the schema."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITER_LOCK})
    ensure_schema(connection)


def write_run(connection: Connection, run: RunRecord) -> bool:
    """Record ``run`` and update the summaries; ``False`` when it was recorded before.

    Call inside a transaction after ``lock_for_writing``."""
    if connection.scalar(select(exists().where(runs.c.id == run.id))):
        return False
    connection.execute(
        runs.insert().values(
            id=run.id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            env=run.env,
            zone=run.zone,
            trigger=run.trigger,
            host=run.host,
            git_commit=run.commit,
            checks=len(run.results),
        )
    )
    if run.results:
        connection.execute(results.insert(), [_result_values(run.id, row) for row in run.results])
        _add_to_daily(connection, run)
        _update_checks(connection, run)
    _update_pages(connection, run)
    return True


def prune(connection: Connection, *, before: str) -> None:
    """Forget runs that started before ``before``, with their results and daily counts, and
    the summaries of checks and pages not seen since."""
    old_runs = select(runs.c.id).where(runs.c.started_at < before)
    connection.execute(delete(results).where(results.c.run_id.in_(old_runs)))
    connection.execute(delete(runs).where(runs.c.started_at < before))
    connection.execute(delete(daily).where(daily.c.day < day_number(before)))
    connection.execute(delete(checks).where(checks.c.last_checked_at < before))
    connection.execute(delete(pages).where(pages.c.last_run_at < before))


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


def _add_to_daily(connection: Connection, run: RunRecord) -> None:
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
    values = [
        {"env": run.env, "zone": run.zone, "page": page, "check_id": check_id, "day": day}
        | {"runs": n, "passing": passing}
        for (page, check_id, day), (n, passing) in counts.items()
    ]
    statement = _upsert(connection, daily)
    excluded = statement.excluded
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(daily.primary_key.columns),
            set_={
                "runs": daily.c.runs + excluded.runs,
                "passing": daily.c.passing + excluded.passing,
            },
        ),
        values,
    )


def _update_checks(connection: Connection, run: RunRecord) -> None:
    """One upsert for all the run's checks; the database appends each mark to the row's last
    ones, so nothing is read back. A run older than a check's last result (written late from
    the spool) counts everywhere but in that check's row of marks, which stays in time order."""
    values = [
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
    ]
    statement = _upsert(connection, checks)
    new, old = statement.excluded, checks.c
    newer = new.last_checked_at >= old.last_checked_at
    joined = old.recent + new.recent
    keep = RECENT_MARKS * MARK_WIDTH
    if connection.dialect.name == "postgresql":
        appended = func.right(joined, keep)
    else:
        appended = func.substr(joined, -keep)
    connection.execute(
        statement.on_conflict_do_update(
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
        ),
        values,
    )


def _update_pages(connection: Connection, run: RunRecord) -> None:
    touched = run.pages
    if not touched:
        return
    known = {
        row.page: row
        for row in connection.execute(
            select(pages).where(
                pages.c.env == run.env, pages.c.zone == run.zone, pages.c.page.in_(touched)
            )
        ).all()
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
    _upsert_replacing(connection, pages, values)


def _upsert(connection: Connection, table: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _upsert_replacing(
    connection: Connection, table: Table, values: Sequence[dict[str, Any]]
) -> None:
    if not values:
        return
    statement = _upsert(connection, table)
    key = list(table.primary_key.columns)
    others = [column.name for column in table.columns if column not in key]
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=key, set_={name: statement.excluded[name] for name in others}
        ),
        list(values),
    )
