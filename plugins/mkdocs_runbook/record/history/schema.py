"""The history store's tables, one definition for SQLite and PostgreSQL (SQLAlchemy Core), and
the checks of the version that says which definition a store was made with (the number itself
is ``layout.SCHEMA_VERSION``, readable without SQLAlchemy).

Raw facts: ``runbook_runs`` and ``runbook_results`` (one row per check per run; the primary key
``run_id, page, check_id`` is the only index it needs, as every read starts from a time range
of runs). Summaries kept up to date in the same transaction as each run, so that a site's
whole history is read in a few small queries instead of scanning millions of result rows:
``runbook_daily`` (passing and counted runs per check and day), ``runbook_checks`` (per
check: its last statuses and when it last passed) and ``runbook_pages`` (per page: its last
run and last full verification).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from ...errors import RunbookError
from ...results import iso_utc, parse_iso_utc
from . import layout
from .layout import MARK_WIDTH
from .model import RECENT_MARKS

metadata = MetaData()


class UtcTime(TypeDecorator[str]):
    """A moment as the rest of the package writes it, ``2026-11-23T07:41:03Z``. SQLite keeps that
    text (it sorts in time order and costs nothing to write or read back); PostgreSQL keeps a
    ``timestamptz``, for the people who query the store themselves."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(20))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "sqlite":
            return value
        return parse_iso_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return iso_utc(value)


_TIME = UtcTime()
_ID = String(200)

schema_table = Table("runbook_schema", metadata, Column("version", Integer, nullable=False))

runs = Table(
    "runbook_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("started_at", _TIME, nullable=False),
    Column("finished_at", _TIME, nullable=False),
    Column("env", _ID, nullable=False),
    Column("zone", _ID, nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("host", String(255), nullable=False),
    Column("git_commit", String(64)),
    Column("checks", Integer, nullable=False),
    Index("runbook_runs_by_env_time", "env", "started_at"),
    Index("runbook_runs_by_time", "started_at"),
)

results = Table(
    "runbook_results",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("page", String(500), primary_key=True),
    Column("check_id", _ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(8), nullable=False),
    Column("value", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("checked_at", _TIME, nullable=False),
    Column("attempts", Integer, nullable=False),
    # The primary key is the table: SQLite stores it once instead of a rowid table plus index.
    sqlite_with_rowid=False,
)

daily = Table(
    "runbook_daily",
    metadata,
    # Key in this order: a site's last 30 days are one range of it.
    Column("env", _ID, primary_key=True),
    Column("zone", _ID, primary_key=True),
    Column("day", Integer, primary_key=True),  # day_number()
    Column("page", String(500), primary_key=True),
    Column("check_id", _ID, primary_key=True),
    Column("runs", Integer, nullable=False),
    Column("passing", Integer, nullable=False),
    Index("runbook_daily_by_day", "day"),
    sqlite_with_rowid=False,
)

checks = Table(
    "runbook_checks",
    metadata,
    Column("env", _ID, primary_key=True),
    Column("zone", _ID, primary_key=True),
    Column("page", String(500), primary_key=True),
    Column("check_id", _ID, primary_key=True),
    Column("last_status", String(8), nullable=False),
    Column("last_checked_at", _TIME, nullable=False),
    Column("last_passed_at", _TIME),
    # The last statuses with their times, oldest first, as fixed-width marks ("p2026-…Z",
    # see encode_marks), so that a run appends its mark in SQL without reading the row.
    Column("recent", String(RECENT_MARKS * MARK_WIDTH), nullable=False),
)

pages = Table(
    "runbook_pages",
    metadata,
    Column("env", _ID, primary_key=True),
    Column("zone", _ID, primary_key=True),
    Column("page", String(500), primary_key=True),
    Column("last_run_at", _TIME, nullable=False),
    Column("last_verified_at", _TIME),
)

Upgrade = Callable[[Connection], None]
#: ``version -> step`` that brings a store of that version to ``version + 1``.
UPGRADES: dict[int, Upgrade] = {}


#: The store's schema version (one row). Also run, compiled, by the stdlib SQLite path.
VERSION_QUERY = select(schema_table.c.version)


class SchemaVersionError(RunbookError):
    """The store was written with a schema this version does not know."""


def stored_version(connection: Connection) -> int | None:
    """The store's schema version; ``None`` for a store without our tables yet."""
    if not inspect(connection).has_table(schema_table.name):
        return None
    version = connection.scalar(VERSION_QUERY)
    return None if version is None else int(version)


def ensure_schema(connection: Connection) -> None:
    """Create the tables in an empty store, or upgrade an older one step by step, inside the
    caller's (write-locked) transaction. A newer store is a ``SchemaVersionError``."""
    version = stored_version(connection)
    if version is None:
        metadata.create_all(connection)
        connection.execute(schema_table.insert().values(version=layout.SCHEMA_VERSION))
        return
    refuse_newer(version)
    while version < layout.SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise SchemaVersionError(
                f"schema version {version} is too old to upgrade (this version of "
                f"mkdocs-runbook reads {layout.SCHEMA_VERSION})"
            )
        step(connection)
        version += 1
        connection.execute(schema_table.update().values(version=version))


def refuse_newer(version: int) -> None:
    if version > layout.SCHEMA_VERSION:
        raise SchemaVersionError(
            f"written by a newer mkdocs-runbook (schema version {version}; this version reads "
            f"{layout.SCHEMA_VERSION}): upgrade mkdocs-runbook, or point `history` at another store"
        )
