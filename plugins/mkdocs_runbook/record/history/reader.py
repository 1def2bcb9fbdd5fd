"""Reading history: the statements of what a site build shows (five indexed queries for the
whole site, whatever its size and however long the history; run by ``queries.read_site``), the
newest results (``run: never``, ``alerts --from-history``) and the runs ``runbook history``
prints."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, Executable, bindparam, case, func, select
from sqlalchemy.sql.elements import BindParameter

from ...results import CheckResult, Status, iso_utc
from ...settings import ZONE_NAME
from . import queries
from .model import PASSING, HistoryEntry, ResultRow
from .schema import checks, daily, pages, results, runs


def read_latest(connection: Connection, *, env: str) -> list[CheckResult]:
    """The newest result of every check in every zone of ``env``: one indexed pass over the
    per-check state, joined to the result it names."""
    query = (
        select(checks.c.zone, runs.c.env, results)
        .join(runs, (runs.c.env == checks.c.env) & (runs.c.zone == checks.c.zone))
        .join(
            results,
            (results.c.run_id == runs.c.id)
            & (results.c.page == checks.c.page)
            & (results.c.check_id == checks.c.check_id)
            & (results.c.checked_at == checks.c.last_checked_at),
        )
        .where(checks.c.env == env)
    )
    newest: dict[tuple[str, str, str], CheckResult] = {}
    for row in connection.execute(query):
        if not ZONE_NAME.fullmatch(row.zone):
            continue  # a shared store's row no run of ours wrote: it names no badge file
        result = CheckResult(
            id=row.check_id,
            name=row.name,
            page=row.page,
            line=0,
            kind=row.kind,
            target="",
            status=Status(row.status),
            message=row.message,
            value=row.value,
            duration_ms=row.duration_ms,
            checked_at=row.checked_at,
            attempts=row.attempts,
            env=row.env,
            zone=row.zone,
        )
        newest[(result.page, result.id, result.zone)] = result
    return list(newest.values())


def site_statements() -> dict[str, Executable]:
    """The statements a site build reads the store with, by name (see ``queries.read_site``)."""
    env: BindParameter[str] = bindparam("env")
    day_ago: BindParameter[str] = bindparam("day_ago")
    in_week = daily.c.day >= bindparam("week_start")
    by_days = (
        select(
            daily.c.page,
            daily.c.check_id,
            daily.c.zone,
            func.sum(daily.c.passing).label("passing_30d"),
            func.sum(daily.c.runs).label("runs_30d"),
            func.sum(case((in_week, daily.c.passing), else_=0)).label("passing_7d"),
            func.sum(case((in_week, daily.c.runs), else_=0)).label("runs_7d"),
        )
        .where(daily.c.env == env, daily.c.day >= bindparam("month_start"))
        .group_by(daily.c.page, daily.c.check_id, daily.c.zone)
    )
    last_day = (
        select(
            results.c.page,
            results.c.check_id,
            func.sum(case((results.c.status.in_(sorted(PASSING)), 1), else_=0)).label("passing"),
            func.count().label("runs"),
        )
        .where(
            results.c.run_id.in_(bindparam("run_ids", expanding=True)),
            results.c.status != Status.SKIP.value,
        )
        .where(results.c.checked_at >= day_ago)
        .group_by(results.c.page, results.c.check_id)
    )
    return {
        queries.SITE_CHECKS: select(
            checks.c.page,
            checks.c.check_id,
            checks.c.zone,
            checks.c.recent,
            checks.c.last_passed_at,
        ).where(checks.c.env == env),
        queries.SITE_PAGES: select(
            pages.c.page,
            func.max(pages.c.last_run_at).label("last_run_at"),
            func.max(pages.c.last_verified_at).label("last_verified_at"),
        )
        .where(pages.c.env == env)
        .group_by(pages.c.page),
        queries.SITE_DAYS: by_days,
        queries.SITE_LAST_RUNS: select(runs.c.id, runs.c.zone).where(
            runs.c.env == env, runs.c.started_at >= day_ago
        ),
        queries.SITE_LAST_DAY: last_day,
    }


def read_entries(
    connection: Connection,
    *,
    env: str,
    since: datetime,
    pages: Collection[str] | None = None,
    check_ids: Collection[str] | None = None,
) -> list[HistoryEntry]:
    """The recorded results of ``env`` since ``since``, by page and check, newest first;
    only of ``pages`` and ``check_ids`` when given."""
    query = (
        select(runs, results)
        .join(results, results.c.run_id == runs.c.id)
        .where(runs.c.env == env, runs.c.started_at >= iso_utc(since))
        .order_by(results.c.page, results.c.check_id, results.c.checked_at.desc())
    )
    if pages is not None:
        query = query.where(results.c.page.in_(list(pages)))
    if check_ids is not None:
        query = query.where(results.c.check_id.in_(list(check_ids)))
    entries = []
    for row in connection.execute(query).all():
        entries.append(
            HistoryEntry(
                run_id=row.run_id,
                started_at=row.started_at,
                trigger=row.trigger,
                zone=row.zone,
                host=row.host,
                commit=row.git_commit,
                row=ResultRow(
                    page=row.page,
                    check_id=row.check_id,
                    name=row.name,
                    kind=row.kind,
                    status=row.status,
                    value=row.value,
                    message=row.message,
                    duration_ms=float(row.duration_ms),
                    checked_at=row.checked_at,
                    attempts=int(row.attempts),
                ),
            )
        )
    return entries
