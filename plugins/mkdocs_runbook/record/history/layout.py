"""What the store's layout says without a database library, shared by the SQLAlchemy path and
the stdlib ``sqlite3`` one: the schema version, and how marks and days are written."""

from __future__ import annotations

from ...results import parse_iso_utc
from .model import Mark

#: The version this code reads and writes. A store of an older version is upgraded in place
#: by the steps in ``schema.UPGRADES``; a newer one is refused, never guessed at.
SCHEMA_VERSION = 1

#: A mark in ``runbook_checks.recent``: the status's letter, then the 20-character time.
MARK_WIDTH = 21
_LETTERS = {"pass": "p", "warn": "w", "fail": "f", "error": "e", "skip": "s"}
_STATUSES = {letter: status for status, letter in _LETTERS.items()}


def encode_mark(status: str, checked_at: str) -> str:
    return _LETTERS[status] + checked_at


def decode_marks(text: str) -> list[Mark]:
    return [
        Mark(_STATUSES[text[i]], text[i + 1 : i + MARK_WIDTH])
        for i in range(0, len(text) - MARK_WIDTH + 1, MARK_WIDTH)
    ]


def day_number(iso: str) -> int:
    """The UTC day of a moment, as a number that counts days (the daily table's key)."""
    return parse_iso_utc(iso).date().toordinal()
