"""The history store (SPEC 10): every run that contacted targets, and each of its results, in
SQLite or PostgreSQL, behind one schema and one query layer (SQLAlchemy Core). A SQLite store
is recorded in and read for a site through the stdlib ``sqlite3`` driver, running SQLAlchemy's
statements compiled to text (``sqlite_store``, ``sqlite_sql``): a build on such a store does
not import SQLAlchemy.

``new_run`` + ``record`` for the front-ends that ran checks; ``read_site_history`` for a site
build; ``HistoryStore`` for the commands that read it (``runbook history``, ``freshness``).
The plain data (``model``) loads at once; what needs SQLAlchemy loads on first use, so that
commands and pages that never touch the store do not pay for importing it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .model import (
    FLAP_CHANGES,
    FLAP_WINDOW,
    PASSING,
    RECENT_MARKS,
    UPTIME_WINDOWS,
    CheckHistory,
    HistoryEntry,
    Mark,
    PageHistory,
    RecordOutcome,
    ResultRow,
    RunRecord,
    Share,
    SiteHistory,
    contacted_targets,
    verified_pages,
)

if TYPE_CHECKING:
    from .layout import SCHEMA_VERSION
    from .problem import StoreProblem
    from .recorder import new_run, read_site_history, record
    from .spool import Spool
    from .store import HistoryStore

_LAZY: dict[str, str] = {
    "HistoryStore": "store",
    "SCHEMA_VERSION": "layout",
    "Spool": "spool",
    "StoreProblem": "problem",
    "new_run": "recorder",
    "read_latest_results": "recorder",
    "read_site_history": "recorder",
    "record": "recorder",
}

__all__ = [
    "FLAP_CHANGES",
    "FLAP_WINDOW",
    "PASSING",
    "RECENT_MARKS",
    "SCHEMA_VERSION",
    "UPTIME_WINDOWS",
    "CheckHistory",
    "HistoryEntry",
    "HistoryStore",
    "Mark",
    "PageHistory",
    "RecordOutcome",
    "ResultRow",
    "RunRecord",
    "Share",
    "SiteHistory",
    "Spool",
    "StoreProblem",
    "contacted_targets",
    "new_run",
    "read_latest_results",
    "read_site_history",
    "record",
    "verified_pages",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
