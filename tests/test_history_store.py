"""The history store itself (SPEC 10), against a real SQLite file and a real PostgreSQL server:
what a run writes, what a site reads back, exactly-once, pruning, schema versions, spooling and
the messages a broken store gives."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from history_results import stored_result as result
from mkdocs_runbook.record.history import (
    SCHEMA_VERSION,
    CheckHistory,
    HistoryStore,
    Mark,
    RunRecord,
    Spool,
    new_run,
    read_site_history,
    record,
)
from mkdocs_runbook.record.history import layout as history_layout
from mkdocs_runbook.record.history import schema as history_schema
from mkdocs_runbook.results import CheckResult, Status, iso_utc
from mkdocs_runbook.settings import RunbookSettings
from postgres import PASSWORD, PostgresServer
from privileges import as_unprivileged, shared_folder

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def run_of(settings: RunbookSettings, results: list[CheckResult], at: datetime) -> RunRecord:
    run = new_run(
        settings,
        trigger="check",
        started_at=iso_utc(at),
        finished_at=iso_utc(at + timedelta(seconds=2)),
        results=results,
    )
    assert run is not None
    return run


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> RunbookSettings:
    """Settings whose history is a fresh SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        history = ".cache/runbook/history.sqlite"
    else:
        history = request.getfixturevalue("postgres_url")
    return RunbookSettings(base_dir=tmp_path, history=history)


def rows(settings: RunbookSettings, query: str) -> list[tuple[object, ...]]:
    assert settings.history is not None
    store = HistoryStore.open(settings.history, settings.base_dir)
    with store:
        return store._transaction(lambda c: [tuple(r) for r in c.execute(text(query))])


def test_a_run_is_recorded_whole_and_read_back_for_the_site(settings: RunbookSettings) -> None:
    first = NOW - timedelta(hours=3)
    second = NOW - timedelta(hours=1)
    outcome = record(
        settings,
        run_of(settings, [result("a", Status.PASS, first), result("b", Status.WARN, first)], first),
        now=NOW,
    )
    assert outcome.recorded and not outcome.problems
    later = [result("a", Status.FAIL, second), result("b", Status.PASS, second)]
    assert record(settings, run_of(settings, later, second), now=NOW).recorded

    history, problem = read_site_history(settings, now=NOW)
    assert problem is None and history is not None
    a = history.check("ops.md", "a")
    assert [(m.status, m.checked_at) for m in a.recent] == [
        ("pass", iso_utc(first)),
        ("fail", iso_utc(second)),
    ]
    assert a.last_passed_at == iso_utc(first)
    assert (a.uptime["24h"].passing, a.uptime["24h"].runs) == (1, 2)
    assert (a.share_30d.passing, a.share_30d.runs) == (1, 2)
    b = history.check("ops.md", "b")
    assert b.last_passed_at == iso_utc(second)  # warn counts as passing
    page = history.page("ops.md")
    assert page.last_verified_at == iso_utc(first)  # the second run had a failure
    assert page.last_run_at == iso_utc(second)
    [(run_rows,)] = rows(settings, "SELECT count(*) FROM runbook_runs")
    [(result_rows,)] = rows(settings, "SELECT count(*) FROM runbook_results")
    assert (run_rows, result_rows) == (2, 4)


def test_the_same_run_is_never_recorded_twice(settings: RunbookSettings) -> None:
    run = run_of(settings, [result("a", Status.PASS, NOW)], NOW)
    assert record(settings, run, now=NOW).recorded
    assert not record(settings, run, now=NOW).recorded
    assert rows(settings, "SELECT count(*) FROM runbook_results") == [(1,)]
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None and history.check("ops.md", "a").share_30d.runs == 1


def test_cached_results_are_not_recorded_and_a_run_of_only_cached_ones_is_none(
    settings: RunbookSettings,
) -> None:
    cached = result("a", Status.PASS, NOW - timedelta(minutes=5), cached=True)
    fresh = result("b", Status.PASS, NOW)
    assert (
        new_run(settings, trigger="build", started_at="", finished_at="", results=[cached]) is None
    )
    run = run_of(settings, [cached, fresh], NOW)
    assert [row.check_id for row in run.results] == ["b"]
    assert run.verified_pages == []  # one of its checks was not run by this run


def test_marks_keep_the_last_twenty_oldest_first_and_flapping_counts_changes(
    settings: RunbookSettings,
) -> None:
    statuses = [Status.PASS] * 15 + [Status.FAIL, Status.PASS, Status.FAIL, Status.PASS] * 2
    for hours, status in enumerate(statuses):
        at = NOW - timedelta(hours=len(statuses) - hours)
        record(settings, run_of(settings, [result("a", status, at)], at), now=NOW)
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None
    a = history.check("ops.md", "a")
    assert len(a.recent) == 20
    assert [m.status for m in a.recent] == [s.value for s in statuses[-20:]]
    assert [m.checked_at for m in a.recent] == sorted(m.checked_at for m in a.recent)
    assert a.flapping and a.status_changes == 8
    steady = CheckHistory(recent=tuple(Mark(s, "t") for s in ["pass"] * 8 + ["fail", "pass"]))
    assert steady.status_changes == 2 and not steady.flapping


def test_a_result_this_run_measured_counts_even_in_the_second_of_the_last_run(
    settings: RunbookSettings,
) -> None:
    """Times are kept to the second: a run that follows the last one within its second is
    still a new run. A result read back from another run (a zone's report it also recorded)
    in that second is the stored one, and counts once."""
    record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None
    stored = history.check("ops.md", "a")
    same_second = result("a", Status.FAIL, NOW)
    measured = stored.including(same_second, measured_here=True)
    assert [m.status for m in measured.recent] == ["pass", "fail"]
    assert (measured.uptime["24h"].passing, measured.uptime["24h"].runs) == (1, 2)
    read_back = stored.including(result("a", Status.PASS, NOW))
    assert read_back == stored


def test_skips_are_marks_but_not_runs_of_a_share(settings: RunbookSettings) -> None:
    for hours, status in enumerate([Status.PASS, Status.SKIP, Status.FAIL]):
        at = NOW - timedelta(hours=3 - hours)
        skipped = result("a", status, at)
        # A run is recorded when some check of it contacted a target.
        run = run_of(settings, [skipped, result("z", Status.PASS, at, page="other.md")], at)
        record(settings, run, now=NOW)
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None
    a = history.check("ops.md", "a")
    assert [m.status for m in a.recent] == ["pass", "skip", "fail"]
    assert (a.share_30d.passing, a.share_30d.runs) == (1, 2)


def test_uptime_windows_count_their_own_days(settings: RunbookSettings) -> None:
    for days_ago, status in [(20, Status.FAIL), (3, Status.FAIL), (0, Status.PASS)]:
        at = NOW - timedelta(days=days_ago, minutes=30)
        record(settings, run_of(settings, [result("a", status, at)], at), now=NOW)
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None
    uptime = history.check("ops.md", "a").uptime
    assert {window: (s.passing, s.runs) for window, s in uptime.items()} == {
        "24h": (1, 1),
        "7d": (1, 2),
        "30d": (1, 3),
    }


def test_runs_older_than_history_keep_are_pruned(settings: RunbookSettings) -> None:
    settings.history_keep = 10 * 86400.0
    old = NOW - timedelta(days=11)
    record(settings, run_of(settings, [result("gone", Status.PASS, old, page="old.md")], old))
    record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    assert rows(settings, "SELECT page FROM runbook_results") == [("ops.md",)]
    assert rows(settings, "SELECT page FROM runbook_daily") == [("ops.md",)]
    assert rows(settings, "SELECT page FROM runbook_pages") == [("ops.md",)]
    assert rows(settings, "SELECT count(*) FROM runbook_runs") == [(1,)]


def test_history_is_per_env(settings: RunbookSettings) -> None:
    record(settings, run_of(settings, [result("a", Status.FAIL, NOW)], NOW), now=NOW)
    settings.env = "staging"
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None and history.checks == {} and history.pages == {}


def test_the_schema_version_is_recorded_and_a_newer_one_is_refused(
    settings: RunbookSettings,
) -> None:
    record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    assert rows(settings, "SELECT version FROM runbook_schema") == [(SCHEMA_VERSION,)]
    rows_changed = f"UPDATE runbook_schema SET version = {SCHEMA_VERSION + 1}"
    assert settings.history is not None
    with HistoryStore.open(settings.history, settings.base_dir) as store:
        store._transaction(lambda c: c.execute(text(rows_changed)), write=True)
    history, problem = read_site_history(settings, now=NOW)
    assert history is None and problem is not None
    assert f"schema version {SCHEMA_VERSION + 1}" in problem
    assert "upgrade mkdocs-runbook" in problem
    assert PASSWORD not in problem
    outcome = record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    assert not outcome.recorded and outcome.spooled is not None
    assert outcome.problems == [outcome.problems[0]] and "schema version" in outcome.problems[0]


def test_an_older_schema_is_upgraded_in_place_keeping_its_runs(
    settings: RunbookSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    upgraded: list[int] = []

    def add_a_note_column(connection: Connection) -> None:
        connection.execute(text("ALTER TABLE runbook_runs ADD COLUMN note VARCHAR(20)"))
        upgraded.append(SCHEMA_VERSION)

    monkeypatch.setattr(history_layout, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(history_schema.UPGRADES, SCHEMA_VERSION, add_a_note_column)
    later = NOW + timedelta(hours=1)
    assert record(settings, run_of(settings, [result("a", Status.FAIL, later)], later)).recorded
    assert upgraded == [SCHEMA_VERSION]
    assert rows(settings, "SELECT version FROM runbook_schema") == [(SCHEMA_VERSION + 1,)]
    assert rows(settings, "SELECT count(note) , count(*) FROM runbook_runs") == [(0, 2)]


def test_an_unreachable_store_spools_the_run_and_the_next_run_writes_it_once(
    tmp_path: Path, postgres_server: PostgresServer, postgres_url: str
) -> None:
    down = RunbookSettings(
        base_dir=tmp_path,
        history=postgres_server.url("x").replace(f":{postgres_server.port}/", ":1/"),
    )
    first = run_of(down, [result("a", Status.PASS, NOW - timedelta(hours=1))], NOW)
    outcome = record(down, first, now=NOW)
    assert not outcome.recorded and outcome.spooled == tmp_path / ".cache/runbook/spool" / (
        f"{first.id}.json"
    )
    [problem] = outcome.problems
    assert "history store postgresql://runbook:••••@127.0.0.1:1/x" in problem
    assert PASSWORD not in problem
    assert "kept in" in problem and "written by the next run" in problem
    spooled = json.loads(outcome.spooled.read_text(encoding="utf-8"))
    assert spooled["id"] == first.id and spooled["results"][0]["status"] == "pass"

    up = RunbookSettings(base_dir=tmp_path, history=postgres_url)
    second = run_of(up, [result("a", Status.FAIL, NOW)], NOW)
    done = record(up, second, now=NOW)
    assert (done.recorded, done.flushed, done.problems) == (True, 1, [])
    assert list((tmp_path / ".cache/runbook/spool").iterdir()) == []
    # A second copy of the spooled file (a flush cut short before the delete) adds nothing.
    Spool.beside(tmp_path).keep(first)
    assert record(up, None, now=NOW).flushed == 1
    assert sorted(rows(up, "SELECT status FROM runbook_results")) == [("fail",), ("pass",)]
    history, _ = read_site_history(up, now=NOW)
    assert history is not None
    assert [m.status for m in history.check("ops.md", "a").recent] == ["pass", "fail"]


def test_postgresql_refusing_the_password_is_one_clear_message(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    wrong = postgres_server.url("postgres", password="not-the-password")
    settings = RunbookSettings(base_dir=tmp_path, history=wrong)
    outcome = record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    [problem] = outcome.problems
    assert problem.startswith(
        f"history store postgresql://runbook:••••@127.0.0.1:{postgres_server.port}/postgres: "
    )
    assert "password authentication failed" in problem
    assert "not-the-password" not in problem and "\n" not in problem
    _, read_problem = read_site_history(settings, now=NOW)
    assert read_problem is not None and "password authentication failed" in read_problem


@pytest.mark.parametrize(
    ("history", "says"),
    [
        ("mysql://user:hunter2-pw@db/x", "history store mysql://user:••••@db/x: unsupported"),
        ("postgresql://u:hunter2-pw@host:notaport/db", "history store postgresql://••••: not a"),
        ("sqlite://", "needs a file"),
        ("postgresql+asyncpg://u@h/db", "only the psycopg driver is supported"),
    ],
)
def test_a_bad_store_url_is_one_clear_message_with_the_password_masked(
    tmp_path: Path, history: str, says: str
) -> None:
    settings = RunbookSettings(base_dir=tmp_path, history=history)
    outcome = record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
    [problem] = outcome.problems
    assert says in problem and "hunter2-pw" not in problem
    assert outcome.spooled is not None and outcome.spooled.is_file()


def test_history_null_records_nothing(tmp_path: Path) -> None:
    settings = RunbookSettings(base_dir=tmp_path, history=None)
    outcome = record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW))
    assert outcome == type(outcome)()
    assert not (tmp_path / ".cache").exists()
    assert read_site_history(settings) == (None, None)


def test_a_sqlite_file_that_cannot_be_written_is_a_message_and_a_spool() -> None:
    store_folder = shared_folder(0o755)  # only its owner may create files in it
    spool_folder = shared_folder()
    try:
        database = store_folder / "history.sqlite"
        settings = RunbookSettings(base_dir=spool_folder, history=str(database))
        record(settings, run_of(settings, [result("a", Status.PASS, NOW)], NOW), now=NOW)
        database.chmod(0o444)
        later = NOW + timedelta(hours=1)
        outcome = as_unprivileged(
            lambda: record(settings, run_of(settings, [result("a", Status.FAIL, later)], later))
        )
        [problem] = outcome.problems
        assert problem.startswith(f"history store {database}: ")
        assert "readonly database (the file is read-only for this user)" in problem
        assert outcome.spooled is not None and outcome.spooled.is_file()
    finally:
        shutil.rmtree(store_folder)
        shutil.rmtree(spool_folder)


def test_rows_hold_only_what_was_shown(tmp_path: Path) -> None:
    """The stored message is the result's own (already masked) text, cut to 2 KiB."""
    settings = RunbookSettings(base_dir=tmp_path)
    long = "x" * 5000
    record(settings, run_of(settings, [result("a", Status.FAIL, NOW, message=long)], NOW))
    with sqlite3.connect(tmp_path / ".cache/runbook/history.sqlite") as connection:
        [(message,)] = connection.execute("SELECT message FROM runbook_results").fetchall()
    assert message == "x" * 2048


def test_a_run_written_late_counts_but_keeps_the_marks_in_time_order(
    settings: RunbookSettings,
) -> None:
    newer, older = NOW - timedelta(hours=1), NOW - timedelta(hours=2)
    record(settings, run_of(settings, [result("a", Status.FAIL, newer)], newer), now=NOW)
    # A run from the spool, measured before the one already there.
    record(settings, run_of(settings, [result("a", Status.PASS, older)], older), now=NOW)
    history, _ = read_site_history(settings, now=NOW)
    assert history is not None
    a = history.check("ops.md", "a")
    assert [m.status for m in a.recent] == ["fail"]
    assert a.last_passed_at == iso_utc(older)
    assert (a.share_30d.passing, a.share_30d.runs) == (1, 2)
