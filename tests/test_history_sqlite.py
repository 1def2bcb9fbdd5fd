"""The stdlib ``sqlite3`` path of the history store (issue 14): the SQL it runs is SQLAlchemy's
own, compiled (and compiled again here, so that the two cannot drift); on the same runs it
writes the same rows and reads the same history as the SQLAlchemy path, each reading what the
other wrote; it creates a new store just as SQLAlchemy does; a store it does not handle
(without our tables, another schema version) goes through SQLAlchemy as before, and a broken
one gives the same message either way."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from history_results import stored_result
from mkdocs_runbook.record.history import (
    HistoryStore,
    RunRecord,
    SiteHistory,
    StoreProblem,
    layout,
    problem,
    queries,
    read_site_history,
    record,
    schema,
    sqlite_sql,
)
from mkdocs_runbook.record.history.compile_sqlite import compiled_schema, compiled_statements
from mkdocs_runbook.record.history.location import locate
from mkdocs_runbook.record.history.model import ResultRow, verified_pages
from mkdocs_runbook.record.history.problem import set_sqlite_pragmas, sqlite_file
from mkdocs_runbook.record.history.reader import site_statements
from mkdocs_runbook.record.history.sqlite_store import SqliteStore, open_store
from mkdocs_runbook.record.history.writer import lock_for_writing, write_statements
from mkdocs_runbook.results import CheckResult, Status, iso_utc, utc_now
from mkdocs_runbook.settings import RunbookSettings

TABLES = ["runbook_schema", "runbook_runs", "runbook_results", "runbook_daily"]
TABLES += ["runbook_checks", "runbook_pages"]
CHECKS = [("ops.md", "alpha"), ("ops.md", "beta"), ("db.md", "gamma"), ("db.md", "delta")]


def test_the_compiled_sql_is_what_sqlalchemy_compiles_today() -> None:
    """Fails after a change to a statement until `python -m
    mkdocs_runbook.record.history.compile_sqlite` is run."""
    assert compiled_statements() == sqlite_sql.STATEMENTS
    assert compiled_schema() == sqlite_sql.SCHEMA
    assert set(sqlite_sql.STATEMENTS) == {
        queries.SCHEMA_VERSION,
        queries.SCHEMA_STAMP,
        *queries.SITE_READ,
        *queries.RUN_WRITE,
    }
    # Every statement the shared code runs is defined for both databases.
    assert set(site_statements()) == set(queries.SITE_READ)
    assert set(write_statements("postgresql")) == set(queries.RUN_WRITE)


@pytest.mark.parametrize(
    "history",
    [
        ".cache/runbook/history.sqlite",
        "history.sqlite",
        "/var/lib/runbook/history.sqlite",
        "~/runbook/history.sqlite",
        "sqlite:///relative/store.sqlite",
        "sqlite:////absolute/store.sqlite",
        "sqlite:///with space.sqlite",
    ],
)
def test_a_sqlite_file_is_named_as_sqlalchemy_names_it(tmp_path: Path, history: str) -> None:
    location = locate(history, tmp_path)
    assert sqlite_file(history, tmp_path) == (Path(location.url.database or ""), location.display)


@pytest.mark.parametrize(
    "history",
    [
        "sqlite:///store.sqlite?mode=ro",
        "sqlite:///per%20cent.sqlite",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+pysqlite:///store.sqlite",
        "postgresql://runbook@db/runbook",
    ],
)
def test_other_stores_are_left_to_sqlalchemy(tmp_path: Path, history: str) -> None:
    assert sqlite_file(history, tmp_path) is None


def result(check: tuple[str, str], status: Status, at: datetime, message: str = "") -> CheckResult:
    page, check_id = check
    name = f"Check {check_id} <b>é</b>"
    return stored_result(check_id, status, at, page=page, name=name, message=message)


def run_at(number: int, at: datetime, zone: str, results: list[CheckResult]) -> RunRecord:
    return RunRecord(
        id=f"run-{number:03}",
        started_at=iso_utc(at),
        finished_at=iso_utc(at + timedelta(seconds=2)),
        env="staging" if number == 7 else "local",
        zone=zone,
        trigger=("build", "check", "pytest")[number % 3],
        host="runner-1",
        commit=None if number % 2 else "0123abcd",
        results=[ResultRow.from_result(r) for r in results],
        verified_pages=verified_pages(results),
    )


def history_runs(now: datetime) -> list[RunRecord]:
    """40 days of runs in two zones (and one of another env): a check that always passes, one
    that flaps, one that is skipped or errors, one that warns; hourly in the last day; one
    run written after a newer one (from a spool). The last write prunes what is over 35 days."""
    ages = [timedelta(days=d) for d in (40, 34, 20, 10, 6, 3)]
    ages += [timedelta(hours=h) for h in (30, 23, 12, 5, 3, 2, 1)]
    runs = []
    for number, age in enumerate(ages):
        at = now - age
        zone = "eu-private" if number % 4 == 0 else "local"
        statuses = [
            Status.PASS,
            Status.FAIL if number % 2 else Status.PASS,
            [Status.SKIP, Status.ERROR, Status.PASS][number % 3],
            Status.WARN,
        ]
        message = "timed out <script>" * (number % 4) + "ü" * 3000 * (number == 9)
        results = [result(c, s, at, message) for c, s in zip(CHECKS, statuses, strict=True)]
        runs.append(run_at(number, at, zone, results))
    late_at = now - timedelta(hours=4)
    runs.append(run_at(99, late_at, "local", [result(CHECKS[1], Status.PASS, late_at)]))
    return runs


def write_all(store: HistoryStore | SqliteStore, runs: list[RunRecord], now: datetime) -> None:
    with store:
        for run in runs[:-1]:
            assert store.write(run)
        assert store.write(runs[-1], prune_before=iso_utc(now - timedelta(days=35)))
        assert not store.write(runs[-2])  # recorded once, whichever driver is asked again


def new_store(path: Path) -> HistoryStore:
    """A store with the current schema and nothing in it."""
    with HistoryStore.open(str(path), path.parent) as store:
        store._transaction(lock_for_writing, write=True)
    return HistoryStore.open(str(path), path.parent)


def table_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall()) for t in TABLES}


def read_both(path: Path, now: datetime) -> tuple[SiteHistory, SiteHistory]:
    """The store's history for the site, through sqlite3 and through SQLAlchemy."""
    with SqliteStore(str(path), path.parent, path, str(path)) as fast:
        by_sqlite3 = fast.read_site(env="local", zone="local", now=now)
        assert fast.fallback is None  # sqlite3 did it all
    with HistoryStore.open(str(path), path.parent) as store:
        return by_sqlite3, store.read_site(env="local", zone="local", now=now)


def test_both_drivers_write_the_same_rows_and_read_the_same_history(tmp_path: Path) -> None:
    now = utc_now().replace(microsecond=0)
    runs = history_runs(now)
    by_sqlite3, by_sqlalchemy = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    new_store(by_sqlite3).close()
    fast = SqliteStore(str(by_sqlite3), tmp_path, by_sqlite3, str(by_sqlite3))
    write_all(fast, runs, now)
    assert fast.fallback is None
    write_all(new_store(by_sqlalchemy), runs, now)

    assert table_rows(by_sqlite3) == table_rows(by_sqlalchemy)
    assert len(table_rows(by_sqlite3)["runbook_runs"]) == len(runs) - 1  # 40 days: pruned
    first_a, first_b = read_both(by_sqlite3, now)
    second_a, second_b = read_both(by_sqlalchemy, now)
    assert first_a == first_b == second_a == second_b

    history = first_a
    assert {zone for _, _, zone in history.checks} == {"local", "eu-private"}
    beta = history.check("ops.md", "beta")
    assert beta.flapping and beta.recent[-1].status == "fail"  # the late pass keeps out of it
    gamma = history.check("db.md", "gamma")
    assert "skip" in [mark.status for mark in gamma.recent]
    assert gamma.uptime["24h"] != gamma.uptime["30d"] != gamma.uptime["7d"]
    assert history.page("db.md").last_verified_at is not None
    assert history.check("db.md", "delta").last_passed_at is not None  # warn passes


def test_a_run_recorded_through_sqlite3_reads_back_through_sqlalchemy(tmp_path: Path) -> None:
    now = utc_now().replace(microsecond=0)
    settings = RunbookSettings(base_dir=tmp_path)
    assert settings.history is not None
    runs = history_runs(now)
    record(settings, runs[10], now=now)  # creates the store: through SQLAlchemy
    with open_store(settings.history, tmp_path) as store:
        assert isinstance(store, SqliteStore)
        assert store.write(runs[12]) and store.fallback is None
    with HistoryStore.open(settings.history, tmp_path) as store:
        entries = store.read_entries(env="local", since=now - timedelta(days=1))
    newest = {(e.row.page, e.row.check_id): e for e in entries if e.run_id == runs[12].id}
    assert {key: entry.row for key, entry in newest.items()} == {
        (row.page, row.check_id): row for row in runs[12].results
    }
    assert len(newest) == 4
    for entry in newest.values():
        assert (entry.started_at, entry.zone, entry.trigger, entry.host, entry.commit) == (
            runs[12].started_at,
            runs[12].zone,
            runs[12].trigger,
            "runner-1",
            "0123abcd",
        )


def schema_objects(path: Path) -> list[tuple[object, ...]]:
    """The store's tables and indexes as SQLite keeps them: kind, name, table and the SQL."""
    with sqlite3.connect(path) as connection:
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        return connection.execute(query).fetchall()


def test_a_store_not_yet_there_is_created_without_sqlalchemy_as_sqlalchemy_does(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "history.sqlite"
    now = utc_now().replace(microsecond=0)
    store = open_store(str(path), tmp_path)
    assert isinstance(store, SqliteStore)
    with store:
        # Nothing recorded yet: an empty history, and no file (nor folder) made by reading.
        assert store.read_site(env="local", zone="local", now=now) == SiteHistory("local", "local")
        assert store.fallback is None and not path.parent.exists()
    [run] = history_runs(now)[-1:]
    with open_store(str(path), tmp_path) as store:
        assert isinstance(store, SqliteStore)
        assert store.write(run) and store.fallback is None
    assert table_rows(path)["runbook_schema"] == [(layout.SCHEMA_VERSION,)]
    # The same tables and indexes, to the letter, as a store SQLAlchemy creates.
    by_sqlalchemy = tmp_path / "by-sqlalchemy.sqlite"
    new_store(by_sqlalchemy).close()
    assert schema_objects(path) == schema_objects(by_sqlalchemy)
    assert len(schema_objects(path)) > len(TABLES)  # the indexes too
    # Either driver reads what the first write left.
    by_sqlite3, by_alchemy = read_both(path, now)
    assert by_sqlite3 == by_alchemy and by_sqlite3.checks


@pytest.mark.parametrize("race", range(15))
@pytest.mark.parametrize("driver", ["sqlite3", "sqlalchemy"])
def test_runs_recorded_at_once_into_a_new_store_create_it_once(
    tmp_path: Path, driver: str, race: int
) -> None:
    """Builds racing to record the first runs: one creates the tables, each run is kept. Run
    15 times by each driver: one race in ten lost to SQLite's "database is locked" on the
    switch to WAL before that switch waited (the test below makes that case certain)."""
    path = tmp_path / ".cache" / "history.sqlite"
    now = utc_now().replace(microsecond=0)
    runs = history_runs(now)[-4:]
    opener = open_store if driver == "sqlite3" else HistoryStore.open

    def write(run: RunRecord) -> bool:
        with opener(str(path), tmp_path) as store:
            return store.write(run)

    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        assert all(pool.map(write, runs))
    rows = table_rows(path)
    assert rows["runbook_schema"] == [(layout.SCHEMA_VERSION,)]
    assert sorted(run_id for run_id, *_ in rows["runbook_runs"]) == sorted(r.id for r in runs)


class _CountingConnection(sqlite3.Connection):
    """Counts the tries to switch to WAL, and lets another connection's write lock go after
    the second (``release``), so the wait is proved by count, not by a clock."""

    tries = 0
    release: sqlite3.Connection | None = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if "journal_mode" in sql:
            _CountingConnection.tries += 1
            if _CountingConnection.tries == 3 and _CountingConnection.release is not None:
                _CountingConnection.release.rollback()
        return super().execute(sql, *args)


def test_switching_to_wal_waits_while_another_connection_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite answers the switch to WAL "database is locked" at once, whatever the busy
    timeout, while another connection holds the write lock of a store not yet in WAL (a
    build creating it a moment earlier). Opening the store waits for the lock instead."""
    path = tmp_path / "history.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE someone_writing (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    plain = sqlite3.connect(path, isolation_level=None, timeout=5)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        plain.execute("PRAGMA journal_mode = WAL")  # SQLite's answer, the busy timeout unused
    plain.close()

    monkeypatch.setattr(_CountingConnection, "tries", 0)
    monkeypatch.setattr(_CountingConnection, "release", writer)
    opened = sqlite3.connect(path, isolation_level=None, factory=_CountingConnection)
    set_sqlite_pragmas(opened)
    assert _CountingConnection.tries == 3  # two answered "locked", the third after the release
    assert opened.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    opened.close()
    writer.close()


def test_switching_to_wal_gives_up_after_the_lock_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write lock never let go: the store's usual "database is locked" problem, after the
    lock wait (shortened here), not a hang."""
    monkeypatch.setattr(problem, "LOCK_WAIT_SECONDS", 0.3)
    path = tmp_path / ".cache" / "history.sqlite"
    path.parent.mkdir()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE someone_writing (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    [run] = history_runs(utc_now().replace(microsecond=0))[-1:]
    with (
        pytest.raises(StoreProblem, match=r"history.sqlite: database is locked$"),
        open_store(str(path), tmp_path) as store,
    ):
        store.write(run)
    writer.close()


def test_a_store_without_our_tables_is_read_through_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE someone_elses (x INTEGER)")
    with SqliteStore(str(path), tmp_path, path, str(path)) as store:
        history = store.read_site(env="local", zone="local", now=utc_now())
        assert history == SiteHistory("local", "local") and store.fallback is not None


def test_an_older_schema_is_upgraded_through_sqlalchemy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = RunbookSettings(base_dir=tmp_path)
    now = utc_now().replace(microsecond=0)
    first, second = history_runs(now)[-3:-1]
    record(settings, first, now=now)
    monkeypatch.setattr(layout, "SCHEMA_VERSION", layout.SCHEMA_VERSION + 1)
    monkeypatch.setitem(
        schema.UPGRADES,
        layout.SCHEMA_VERSION - 1,
        lambda connection: connection.execute(text("ALTER TABLE runbook_runs ADD note TEXT")),
    )
    assert record(settings, second, now=now).recorded
    path = tmp_path / ".cache/runbook/history.sqlite"
    assert table_rows(path)["runbook_schema"] == [(layout.SCHEMA_VERSION,)]
    by_sqlite3, by_sqlalchemy = read_both(path, now)  # the upgraded store: sqlite3 again
    assert by_sqlite3 == by_sqlalchemy
    assert {zone for _, _, zone in by_sqlite3.checks} == {first.zone, second.zone}


def test_a_newer_schema_is_refused_with_the_same_message(tmp_path: Path) -> None:
    settings = RunbookSettings(base_dir=tmp_path)
    now = utc_now().replace(microsecond=0)
    [run] = history_runs(now)[-1:]
    record(settings, run, now=now)
    path = tmp_path / ".cache/runbook/history.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runbook_schema SET version = version + 1")
    history, problem = read_site_history(settings, now=now)
    assert history is None and problem == (
        f"history store {path}: written by a newer mkdocs-runbook (schema version "
        f"{layout.SCHEMA_VERSION + 1}; this version reads {layout.SCHEMA_VERSION}): upgrade "
        "mkdocs-runbook, or point `history` at another store"
    )


def test_a_file_that_is_not_a_database_is_the_same_message_from_both_drivers(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".cache/runbook/history.sqlite"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database, only some text that is long enough to fill a header")
    now = utc_now()
    messages = []
    for store in (
        SqliteStore(str(path), tmp_path, path, str(path)),
        HistoryStore.open(str(path), tmp_path),
    ):
        with store, pytest.raises(StoreProblem) as raised:
            store.read_site(env="local", zone="local", now=now)
        messages.append(str(raised.value))
    assert messages[0] == messages[1] == f"history store {path}: file is not a database"
    settings = RunbookSettings(base_dir=tmp_path)
    outcome = record(settings, history_runs(now)[-1], now=now)
    [problem] = outcome.problems
    assert problem.startswith(messages[0]) and outcome.spooled is not None
