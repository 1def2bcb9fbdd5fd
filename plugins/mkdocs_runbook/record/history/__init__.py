"""The history store (SPEC 10): every run that contacted targets, and each of its results, in
SQLite or PostgreSQL, behind one schema and one query layer (SQLAlchemy Core).

``new_run`` + ``record`` for the front-ends that ran checks; ``read_site_history`` for a site
build; ``HistoryStore`` for the commands that read it (``runbook history``, ``freshness``).
"""

from __future__ import annotations

from .location import StoreProblem
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
    ResultRow,
    RunRecord,
    Share,
    SiteHistory,
    verified_pages,
)
from .recorder import RecordOutcome, new_run, read_site_history, record
from .schema import SCHEMA_VERSION
from .spool import Spool
from .store import HistoryStore

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
    "new_run",
    "read_site_history",
    "record",
    "verified_pages",
]
