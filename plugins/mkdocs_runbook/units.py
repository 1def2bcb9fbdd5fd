"""Durations and sizes as authors write them: ``500ms``, ``5s``, ``2m``, ``1h``, ``30d``."""

from __future__ import annotations

import re

SECONDS_PER_UNIT: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object, *, default_unit: str = "s") -> float:
    """Seconds from ``5s``, ``500ms``, ``1.5``, ``2`` (a bare number uses ``default_unit``).

    Raises ``ValueError`` with a message meant for the author.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 5s or 500ms, got {value!r}")
    if isinstance(value, int | float):
        return float(value) * SECONDS_PER_UNIT[default_unit]
    if not isinstance(value, str):
        raise ValueError(f"expected a duration like 5s or 500ms, got {value!r}")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"expected a duration like 5s or 500ms, got {value!r}")
    number, unit = match.groups()
    return float(number) * SECONDS_PER_UNIT[unit or default_unit]


def format_duration(seconds: float) -> str:
    """The short human form used on badges: ``42 ms``, ``1.2 s``, ``3 m``, ``12 d``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    if seconds < 3600:
        return f"{seconds / 60:.0f} m"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def format_timeout(seconds: float) -> str:
    """``5s``, ``500ms``, ``1.5s``: a timeout as an author writes it, for failure messages."""
    return format_duration(seconds).replace(" ", "")
