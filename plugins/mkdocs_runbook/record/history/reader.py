"""Reading history: what a site build shows (five indexed queries for the whole site, whatever
its size and however long the history), and the runs ``runbook history`` prints."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select

from ...results import CheckResult, Status, iso_utc
from ...settings import ZONE_NAME
from .model import (
    PASSING,
    UPTIME_WINDOWS,
    CheckHistory,
    HistoryEntry,
    PageHistory,
    ResultRow,
    Share,
    SiteHistory,
)
from .schema import checks, daily, day_number, decode_marks, pages, results, runs


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


def read_site(connection: Connection, *, env: str, zone: str, now: datetime) -> SiteHistory:
    """Every check's marks, last pass and uptimes for ``env`` in every zone (``zone`` is the
    run's own, the one a check without a zone is looked up in), and every page's last run and
    last full verification for ``env`` (in any zone)."""
    history = SiteHistory(env=env, zone=zone)
    uptime = _uptimes(connection, env=env, now=now)
    state = select(
        checks.c.page, checks.c.check_id, checks.c.zone, checks.c.recent, checks.c.last_passed_at
    )
    # .all(): one fetch of every row; iterating fetches them one by one, a call each.
    for page, check_id, check_zone, recent, last_passed_at in connection.execute(
        state.where(checks.c.env == env)
    ).all():
        key = (page, check_id, check_zone)
        history.checks[key] = CheckHistory(
            recent=tuple(decode_marks(recent)),
            last_passed_at=last_passed_at,
            uptime=uptime.get(key, {}),
        )
    by_page = (
        select(
            pages.c.page,
            func.max(pages.c.last_run_at).label("last_run_at"),
            func.max(pages.c.last_verified_at).label("last_verified_at"),
        )
        .where(pages.c.env == env)
        .group_by(pages.c.page)
    )
    for row in connection.execute(by_page).all():
        history.pages[row.page] = PageHistory(
            last_run_at=row.last_run_at, last_verified_at=row.last_verified_at
        )
    return history


def _uptimes(
    connection: Connection, *, env: str, now: datetime
) -> dict[tuple[str, str, str], dict[str, Share]]:
    """Passing share per check and zone over 24 h (from the runs of the last day) and 7 and
    30 days (from the daily counts: today and the days before it)."""
    shares: dict[tuple[str, str, str], dict[str, Share]] = {}
    today = day_number(iso_utc(now))
    week_start = today - 6
    month_start = today - 29
    in_week = daily.c.day >= week_start
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
        .where(daily.c.env == env, daily.c.day >= month_start)
        .group_by(daily.c.page, daily.c.check_id, daily.c.zone)
    )
    for row in connection.execute(by_days).all():
        shares[(row.page, row.check_id, row.zone)] = {
            "7d": Share(int(row.passing_7d), int(row.runs_7d)),
            "30d": Share(int(row.passing_30d), int(row.runs_30d)),
        }
    day_ago = iso_utc(now - timedelta(seconds=UPTIME_WINDOWS["24h"]))
    # The last day's runs first (a range of their index), then their results by primary key,
    # a zone at a time: plainly indexed reads, whatever the planner knows of the tables' sizes.
    last_runs = select(runs.c.id, runs.c.zone).where(
        runs.c.env == env, runs.c.started_at >= day_ago
    )
    run_ids_by_zone: dict[str, list[str]] = {}
    for run_id, run_zone in connection.execute(last_runs).all():
        run_ids_by_zone.setdefault(run_zone, []).append(run_id)
    for run_zone, run_ids in run_ids_by_zone.items():
        last_day = (
            select(
                results.c.page,
                results.c.check_id,
                func.sum(case((results.c.status.in_(PASSING), 1), else_=0)).label("passing"),
                func.count().label("runs"),
            )
            .where(results.c.run_id.in_(run_ids), results.c.status != Status.SKIP.value)
            .where(results.c.checked_at >= day_ago)
            .group_by(results.c.page, results.c.check_id)
        )
        for row in connection.execute(last_day).all():
            shares.setdefault((row.page, row.check_id, run_zone), {})["24h"] = Share(
                int(row.passing), int(row.runs)
            )
    return shares


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
