"""A SQLite store read and written with the stdlib ``sqlite3`` driver, so that a site build and
``runbook check`` do not import SQLAlchemy (a fifth of a small build's time).

It runs the statements SQLAlchemy defines, compiled to text once (sqlite_sql.py), through the
same ``queries`` functions as the SQLAlchemy path, on a connection set up alike (the same
pragmas, ``BEGIN IMMEDIATE`` for writes). A file that does not exist yet has no history to
read, and its first write creates it: the tables and indexes as ``metadata.create_all`` makes
them (compiled too), stamped with the current version, in the write's own transaction. So a
first build, as in CI on a fresh clone, needs no SQLAlchemy either. A store of another
version, or one that holds no tables of ours, goes to ``HistoryStore`` (SQLAlchemy), which
upgrades, refuses or fills it as always.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import layout, queries
from .model import RunRecord, SiteHistory
from .problem import (
    LOCK_WAIT_SECONDS,
    StoreProblem,
    first_line,
    set_sqlite_pragmas,
    sqlite_file,
    sqlite_permission_hint,
)
from .sqlite_sql import SCHEMA, STATEMENTS

if TYPE_CHECKING:
    from .store import HistoryStore

T = TypeVar("T")

# A list parameter, left by SQLAlchemy to be spelled out at execution: `IN (__[POSTCOMPILE_x])`.
_LIST_PARAMETER = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


class Store(Protocol):
    """What recording a run and a site build's read need of a store, whichever driver."""

    def __enter__(self) -> Store: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def write(self, run: RunRecord, *, prune_before: str | None = None) -> bool: ...

    def read_site(self, *, env: str, zone: str, now: datetime) -> SiteHistory: ...


def open_store(history: str, base_dir: Path) -> Store:
    """The store ``history`` names: through ``sqlite3`` when it is a SQLite file, else through
    SQLAlchemy. Every method may raise ``StoreProblem``."""
    found = sqlite_file(history, base_dir)
    if found is not None:
        return SqliteStore(history, base_dir, *found)
    from .store import HistoryStore

    return HistoryStore.open(history, base_dir)


class NeedsSqlAlchemy(Exception):
    """The store is not at the current schema version (or has no tables, or no file yet)."""


class SqliteStore:
    """A SQLite file as a ``Store``: each operation in one ``sqlite3`` transaction, or through
    ``HistoryStore`` when the store is not at the current schema version."""

    def __init__(self, history: str, base_dir: Path, database: Path, display: str) -> None:
        self.history = history
        self.base_dir = base_dir
        self.database = database
        self.display = display
        #: Set once an operation needed SQLAlchemy; the store's later operations use it too.
        self.fallback: HistoryStore | None = None

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.fallback is not None:
            self.fallback.close()

    def write(self, run: RunRecord, *, prune_before: str | None = None) -> bool:
        """As ``HistoryStore.write``: ``run`` and the pruning in one transaction."""

        def work(database: queries.Database) -> bool:
            written = queries.write_run(database, run)
            if prune_before is not None:
                queries.prune(database, before=prune_before)
            return written

        try:
            return self._transaction(work, write=True)
        except NeedsSqlAlchemy:
            return self._sqlalchemy().write(run, prune_before=prune_before)

    def read_site(self, *, env: str, zone: str, now: datetime) -> SiteHistory:
        if self._missing():
            return SiteHistory(env=env, zone=zone)  # nothing recorded yet; no file made here
        try:
            return self._transaction(
                lambda database: queries.read_site(database, env=env, zone=zone, now=now)
            )
        except NeedsSqlAlchemy:
            return self._sqlalchemy().read_site(env=env, zone=zone, now=now)

    def _sqlalchemy(self) -> HistoryStore:
        if self.fallback is None:
            from .store import HistoryStore

            self.fallback = HistoryStore.open(self.history, self.base_dir)
        return self.fallback

    def _missing(self) -> bool:
        """Whether the store's file does not exist (yet). Any other trouble with its path is
        left to the path that opens it, which says what it is."""
        try:
            self.database.stat()
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return False

    def _transaction(self, work: Callable[[queries.Database], T], *, write: bool = False) -> T:
        if self.fallback is not None:
            raise NeedsSqlAlchemy
        creating = write and self._missing()
        if not creating and not _is_file(self.database):
            raise NeedsSqlAlchemy
        if creating:
            try:
                self.database.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._problem(f"cannot create its folder: {exc.strerror}") from None
        try:
            # isolation_level=None: the transactions are begun here, as on the SQLAlchemy path.
            connection = sqlite3.connect(
                self.database, timeout=LOCK_WAIT_SECONDS, isolation_level=None
            )
            try:
                set_sqlite_pragmas(connection)
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    database = SqliteDatabase(connection)
                    version = _version(database)
                    if version is None and creating and not _has_tables(connection):
                        # The file is new (made by this connection, or by another build a
                        # moment ago that has not written yet): its tables, under our lock.
                        _create_schema(database)
                        version = layout.SCHEMA_VERSION
                    if version != layout.SCHEMA_VERSION:
                        raise NeedsSqlAlchemy
                    result = work(database)
                except BaseException:
                    connection.rollback()
                    raise
                connection.execute("COMMIT")
                return result
            finally:
                connection.close()
        except sqlite3.Error as exc:
            reason = first_line(str(exc)) or type(exc).__name__
            raise self._problem(reason + sqlite_permission_hint(self.database)) from None
        except OSError as exc:
            raise self._problem(exc.strerror or str(exc)) from None

    def _problem(self, what: str) -> StoreProblem:
        return StoreProblem(f"history store {self.display}: {what}")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False  # SQLAlchemy's path says what is wrong with it, as it always did


def _has_tables(connection: sqlite3.Connection) -> bool:
    (count,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(count) > 0


def _create_schema(database: SqliteDatabase) -> None:
    for statement in SCHEMA:
        database.connection.execute(statement)
    database.execute(queries.SCHEMA_STAMP, {"version": layout.SCHEMA_VERSION})


def _version(database: SqliteDatabase) -> int | None:
    try:
        rows = database.rows(queries.SCHEMA_VERSION, {})
    except sqlite3.OperationalError as exc:
        if str(exc).startswith("no such table"):
            return None  # a store our tables are not in yet
        raise
    return int(rows[0].version) if rows and rows[0].version is not None else None


class SqliteDatabase:
    """``queries.Database`` on a ``sqlite3`` connection: the compiled statements, rows as named
    tuples (attribute access and unpacking, as SQLAlchemy's rows)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, name: str, params: Mapping[str, Any]) -> Sequence[Any]:
        sql, constants, columns = STATEMENTS[name]
        cursor = self.connection.execute(*_spelled_out(sql, {**constants, **params}))
        return list(map(_row_maker(columns), cursor.fetchall()))

    def execute(self, name: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        sql, constants, _ = STATEMENTS[name]
        if isinstance(params, Mapping):
            self.connection.execute(*_spelled_out(sql, {**constants, **params}))
        else:
            self.connection.executemany(sql, [{**constants, **each} for each in params])


def _spelled_out(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` with each list parameter spelled out as one parameter per item, as SQLAlchemy
    does at execution (``IN (:x_1, :x_2)``)."""

    def spell(match: re.Match[str]) -> str:
        name = match[1]
        items = list(params.pop(name))
        if not items:
            raise ValueError(f"the list parameter {name} is empty")
        for index, item in enumerate(items, start=1):
            params[f"{name}_{index}"] = item
        return ", ".join(f":{name}_{index}" for index in range(1, len(items) + 1))

    return _LIST_PARAMETER.sub(spell, sql), params


@cache
def _row_maker(columns: tuple[str, ...]) -> Callable[[Sequence[Any]], Any]:
    """Rows of ``columns`` as named tuples (one class per statement, made once)."""
    row_type: Any = namedtuple("Row", columns)  # type: ignore[misc]  # named at run time
    return row_type._make
