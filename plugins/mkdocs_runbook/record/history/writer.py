"""Writing one run, whole, in one transaction, exactly once; and pruning old runs.

Writers are serialised per store (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), so the summaries can be read, merged and written back without a lost update
when several processes or machines record at once. A run id already in the store is not
written again: replaying a spooled run is safe however often it happens.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, exists, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ...results import Status
from .model import RECENT_MARKS, ResultRow, RunRecord
from .schema import checks, daily, day_number, ensure_schema, pages, results, runs

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
    state = select(checks.c.page, checks.c.check_id, checks.c.recent, checks.c.last_passed_at)
    known = {
        (page, check_id): (recent, last_passed_at)
        for page, check_id, recent, last_passed_at in connection.execute(
            state.where(
                checks.c.env == run.env, checks.c.zone == run.zone, checks.c.page.in_(run.pages)
            )
        ).all()
    }
    values = []
    for row in run.results:
        stored, last_passed_at = known.get((row.page, row.check_id), ("[]", None))
        recent: list[list[str]] = json.loads(stored)
        mark = [row.status, row.checked_at]
        if recent and recent[-1][1] > row.checked_at:  # a spooled run, older than the last
            recent = sorted([*recent, mark], key=lambda item: item[1])
        else:
            recent.append(mark)
        passed = [last_passed_at] if last_passed_at is not None else []
        if row.passing:
            passed.append(row.checked_at)
        values.append(
            {
                "env": run.env,
                "zone": run.zone,
                "page": row.page,
                "check_id": row.check_id,
                "last_status": recent[-1][0],
                "last_checked_at": recent[-1][1],
                "last_passed_at": max(passed, default=None),
                "recent": json.dumps(recent[-RECENT_MARKS:]),
            }
        )
    _upsert_replacing(connection, checks, values)


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
