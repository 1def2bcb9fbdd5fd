"""Durations and sizes as authors write them: ``500ms``, ``5s``, ``2m``, ``1h``, ``30d``."""

from __future__ import annotations

import math
import re

#: The longest one attempt of a check may take, and the longest pause between attempts; with
#: ``MAX_RETRIES`` they bound what one check can cost (SPEC 8: bounded work).
MAX_TIMEOUT_SECONDS = 3600.0
MAX_RETRIES = 100

SECONDS_PER_UNIT: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object, *, default_unit: str = "s") -> float:
    """Seconds from ``5s``, ``500ms``, ``1.5``, ``2`` (a bare number uses ``default_unit``).

    Raises ``ValueError`` with a message meant for the author, also for what is not a finite
    number of seconds (YAML's ``.inf`` and ``.nan``, a number too large for a float).
    """
    problem = ValueError(f"expected a duration like 5s or 500ms, got {value!r}")
    if isinstance(value, bool):
        raise problem
    number: float | int | str
    if isinstance(value, int | float):
        number, unit = value, default_unit
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        number, unit = match.group(1), match.group(2) or default_unit
    else:
        raise problem
    try:
        seconds = float(number) * SECONDS_PER_UNIT[unit]
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ValueError(f"expected a finite duration like 5s or 500ms, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """The short human form used on badges: ``42 ms``, ``1.2 s``, ``3 m``, ``12 d``."""
    if 0 < seconds < 0.0005:
        return "<1 ms"  # a local answer in microseconds; "0 ms" would read as not measured
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
