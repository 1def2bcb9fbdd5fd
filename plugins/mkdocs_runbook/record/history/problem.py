"""What both drivers of a SQLite store share without SQLAlchemy: the problem they raise, how a
SQLite file is named and opened (its locking settings), and how its errors are worded."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

from ...errors import RunbookError

#: How long a writer waits for another process's write to finish before giving up (and
#: spooling). A run's write takes milliseconds; this only trips on a stuck store.
LOCK_WAIT_SECONDS = 15

#: Run on every SQLite connection, whichever driver opens it (``set_sqlite_pragmas``): writers
#: queue on the write lock instead of failing at once, and readers never wait for a writer (WAL).
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {LOCK_WAIT_SECONDS * 1000}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
)

# The longest pause between two tries of a pragma SQLite answered "busy" to.
_BUSY_PAUSE_MAX = 0.1


def set_sqlite_pragmas(connection: sqlite3.Connection) -> None:
    """Run ``SQLITE_PRAGMAS`` on a new connection, waiting (up to ``LOCK_WAIT_SECONDS``) while
    SQLite answers one of them "database is locked".

    The busy timeout does not cover ``journal_mode``: switching a file to WAL while another
    connection holds its write lock, the file not in WAL mode yet, fails at once (measured:
    in no time, with a busy timeout of 2 s). Builds that record into one new store at the
    same moment meet exactly that. A pragma changes nothing when it fails, so trying it
    again is safe."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    for pragma in SQLITE_PRAGMAS:
        pause = 0.002
        while True:
            try:
                connection.execute(pragma)
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _BUSY_PAUSE_MAX)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # SQLITE_BUSY and its extended codes; Python 3.10 has no error codes, only the message.
    code: int | None = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 5  # SQLITE_BUSY
    return str(exc).startswith("database is locked")


# `sqlite:///path` as SQLAlchemy reads it, in the plain form only: a query string or
# %-escapes go through SQLAlchemy's own URL parsing.
_PLAIN_SQLITE_URL = re.compile(r"sqlite:///(?P<path>[^?#%]+)")


class StoreProblem(RunbookError):
    """The store cannot be used: a bad URL, unreachable, locked, read-only, refused, another
    schema version. ``str()`` names the store (password masked) and says what went wrong."""


def plain_path(history: str, base_dir: Path) -> Path:
    """The SQLite file a ``history`` option without ``://`` names (relative to ``base_dir``)."""
    path = Path(history).expanduser()
    return path if path.is_absolute() else base_dir / path


def sqlite_file(history: str, base_dir: Path) -> tuple[Path, str] | None:
    """The SQLite file ``history`` names and how messages name it, as ``location.locate``
    does, for a path or a plain ``sqlite:///`` URL; ``None`` for any other store."""
    if "://" not in history:
        path = plain_path(history, base_dir)
        return path, str(path)
    plain = _PLAIN_SQLITE_URL.fullmatch(history)
    if plain is None or plain["path"] == ":memory:":
        return None
    path = Path(plain["path"])
    return (path if path.is_absolute() else base_dir / path), history


def first_line(text: str) -> str:
    """A driver's own words, first line only ("" for none)."""
    text = text.strip()
    return text.splitlines()[0] if text else ""


def sqlite_permission_hint(database: Path) -> str:
    """SQLite says "readonly database" or "unable to open"; say which file is at fault."""
    if database.exists() and not os.access(database, os.W_OK):
        return " (the file is read-only for this user)"
    if not os.access(database.parent, os.W_OK):
        return f" (its folder {database.parent} is read-only for this user)"
    return ""
