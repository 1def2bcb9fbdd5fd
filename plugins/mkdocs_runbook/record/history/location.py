"""Where the history store is: the ``history`` option as a path or URL, turned into a
SQLAlchemy engine with the settings each database needs, and named with its password masked.

SQLite (the default, a file next to mkdocs.yml) runs in WAL mode (``problem.set_sqlite_pragmas``),
so readers never wait for a writer, and every write starts with ``BEGIN IMMEDIATE``, so two
processes recording at once queue on the write lock (``busy_timeout``) instead of failing on a
lock upgrade. PostgreSQL is
reached through psycopg 3 (the ``[postgres]`` extra); credentials may come from the URL or the
usual ``PG*`` variables, as libpq reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ...resolve import MASK, Redactor
from .problem import LOCK_WAIT_SECONDS, StoreProblem, plain_path, set_sqlite_pragmas

CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class StoreLocation:
    url: URL
    #: The store as users should see it in messages: the password replaced by ``••••``.
    display: str
    redactor: Redactor

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def problem(self, what: str) -> StoreProblem:
        return StoreProblem(f"history store {self.display}: {self.redactor.text(what)}")


def locate(history: str, base_dir: Path) -> StoreLocation:
    """The store the ``history`` option names: a path (relative to ``base_dir``) or a
    ``sqlite:///`` or ``postgresql://`` URL. Anything else is a ``StoreProblem``."""
    if "://" not in history:
        path = plain_path(history, base_dir)
        url = URL.create("sqlite", database=str(path))
        return StoreLocation(url, str(path), Redactor())
    try:
        url = make_url(history)
    except (ArgumentError, ValueError) as exc:
        # The text may hold a password in a form make_url could not split off: show the
        # scheme only.
        scheme = history.split("://", 1)[0]
        raise StoreProblem(f"history store {scheme}://{MASK}: not a valid URL ({exc})") from None
    secrets = [url.password] if isinstance(url.password, str) else []
    # SQLAlchemy hides a password as ***; every other output of ours masks with ••••.
    display = url.render_as_string(hide_password=True).replace(":***@", f":{MASK}@", 1)
    redactor = Redactor(secrets)
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise StoreProblem(f"history store {display}: needs a file (sqlite:///path/to/file)")
        if not Path(database).is_absolute():
            url = url.set(database=str(base_dir / database))
        return StoreLocation(url, display, redactor)
    if backend in ("postgresql", "postgres"):
        if driver not in ("psycopg", "postgresql", "postgres"):
            raise StoreProblem(
                f"history store {display}: only the psycopg driver is supported "
                "(postgresql:// or postgresql+psycopg://)"
            )
        return StoreLocation(url.set(drivername="postgresql+psycopg"), display, redactor)
    raise StoreProblem(
        f"history store {display}: unsupported; use a path, sqlite:///… or postgresql://…"
    )


def make_engine(location: StoreLocation) -> Engine:
    """An engine for one store opening (one connection, reused by its transactions and closed
    with it), the locking and timeouts set per database."""
    if location.is_sqlite:
        return _sqlite_engine(location)
    try:
        import psycopg  # noqa: F401  (only to say clearly what is missing)
    except ImportError:
        raise location.problem(
            "PostgreSQL needs the psycopg driver: pip install 'mkdocs-runbook[postgres]'"
        ) from None
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": "mkdocs-runbook",
        "options": f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000} -c statement_timeout=120000",
    }
    return create_engine(location.url, pool_size=1, connect_args=connect_args)


def _sqlite_engine(location: StoreLocation) -> Engine:
    database = Path(location.url.database or "")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise location.problem(f"cannot create its folder: {exc.strerror}") from None
    engine = create_engine(location.url, pool_size=1, connect_args={"timeout": LOCK_WAIT_SECONDS})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the listener below, not by the driver.
        dbapi_connection.isolation_level = None
        set_sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("runbook_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
