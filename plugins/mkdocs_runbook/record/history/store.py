"""One history store, opened for one run: its transactions, and every database failure turned
into a ``StoreProblem`` that names the store (password masked) and says what went wrong."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Executable
from sqlalchemy.exc import SQLAlchemyError

from ...results import CheckResult
from . import layout, queries
from .location import StoreLocation, locate, make_engine
from .model import HistoryEntry, RunRecord, SiteHistory
from .problem import StoreProblem, first_line, sqlite_permission_hint
from .reader import read_entries, read_latest, site_statements
from .schema import SchemaVersionError, refuse_newer, stored_version
from .writer import lock_for_writing, write_statements

T = TypeVar("T")


class HistoryStore:
    """Use as a context manager; every method may raise ``StoreProblem``."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._engine: Engine | None = None

    @classmethod
    def open(cls, history: str, base_dir: Path) -> HistoryStore:
        return cls(locate(history, base_dir))

    @property
    def display(self) -> str:
        return self.location.display

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- writing -------------------------------------------------------------------------------

    def write(self, run: RunRecord, *, prune_before: str | None = None) -> bool:
        """Record ``run`` in one transaction, and forget runs that started before
        ``prune_before`` in the same one; ``False`` when ``run`` was recorded before."""

        def work(connection: Connection) -> bool:
            lock_for_writing(connection)
            database = AlchemyDatabase(connection)
            written = queries.write_run(database, run)
            if prune_before is not None:
                queries.prune(database, before=prune_before)
            return written

        return self._transaction(work, write=True)

    # -- reading -------------------------------------------------------------------------------

    def read_site(self, *, env: str, zone: str, now: datetime) -> SiteHistory:
        return self._read(
            lambda c: queries.read_site(AlchemyDatabase(c), env=env, zone=zone, now=now),
            SiteHistory(env=env, zone=zone),
        )

    def read_latest(self, *, env: str) -> list[CheckResult]:
        return self._read(lambda c: read_latest(c, env=env), [])

    def read_entries(
        self,
        *,
        env: str,
        since: datetime,
        pages: Collection[str] | None = None,
        check_ids: Collection[str] | None = None,
    ) -> list[HistoryEntry]:
        return self._read(
            lambda c: read_entries(c, env=env, since=since, pages=pages, check_ids=check_ids), []
        )

    def _read(self, work: Callable[[Connection], T], empty: T) -> T:
        """``work`` in a read transaction, or ``empty`` for a store without our tables yet. A
        store of an older schema version is upgraded first; a newer one is refused."""

        def guarded(connection: Connection) -> T | None:
            version = stored_version(connection)
            if version is None:
                return empty
            refuse_newer(version)
            return work(connection) if version == layout.SCHEMA_VERSION else None

        result = self._transaction(guarded)
        if result is None:
            self._transaction(lock_for_writing, write=True)
            result = self._transaction(guarded)
        assert result is not None
        return result

    # -- plumbing ------------------------------------------------------------------------------

    def _transaction(self, work: Callable[[Connection], T], *, write: bool = False) -> T:
        with self._errors():
            if self._engine is None:
                self._engine = make_engine(self.location)
            with self._engine.connect() as connection:
                if write:
                    connection = connection.execution_options(runbook_write=True)
                with connection.begin():
                    return work(connection)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except StoreProblem:
            raise
        except SchemaVersionError as exc:
            raise self.location.problem(str(exc)) from None
        except SQLAlchemyError as exc:
            raise self.location.problem(_reason(exc) + self._permission_hint()) from None
        except OSError as exc:
            raise self.location.problem(exc.strerror or str(exc)) from None

    def _permission_hint(self) -> str:
        if not self.location.is_sqlite:
            return ""
        return sqlite_permission_hint(Path(self.location.url.database or ""))


class AlchemyDatabase:
    """``queries.Database`` on a SQLAlchemy connection: the statements as reader.py and
    writer.py define them, for the connection's database."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.statements = _statements(connection.dialect.name)

    def rows(self, name: str, params: Mapping[str, Any]) -> Sequence[Any]:
        return self.connection.execute(self.statements[name], params).all()

    def execute(self, name: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        self.connection.execute(self.statements[name], params)


@cache
def _statements(dialect: str) -> dict[str, Executable]:
    return site_statements() | write_statements(dialect)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own words, first line only (SQLAlchemy appends the SQL and a link)."""
    original = getattr(exc, "orig", None)
    first = first_line(str(original if original is not None else exc)) or type(exc).__name__
    return first.removeprefix("(sqlite3.OperationalError) ").strip()
