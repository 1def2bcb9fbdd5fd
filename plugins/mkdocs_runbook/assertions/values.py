"""How an assertion's operator judges one measured value, and how measured values are shown.

Comparisons coerce the way an operator reads them: headers and command output are text, so
``header content-length == 12`` compares numbers and ``$.enabled == true`` accepts ``"true"``.
A comparison that makes no sense (``latency < abc``, ``$.items > 3`` on a list) raises
``Incomparable`` with a reason rather than quietly passing or failing.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from ..readable import readable, scalar_text
from ..text import SHOWN_BYTES, cut
from ..units import format_duration
from .regex import Regex

#: Values in messages are shorter: a message is one line.
_MESSAGE_CHARS = 200
_MAX_DEPTH = 32
_NUMERIC_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Incomparable(Exception):
    """The operator cannot apply to this value; the message says why, for the author."""


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: object) -> int | float | None:
    if _is_number(value):
        return value
    if isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value):
        return float(value)
    return None


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


def as_text(value: object) -> str:
    """The text form an author would write: ``true``, ``null``, ``200`` (not ``200.0``); a
    structure as JSON."""
    if isinstance(value, str | bool) or value is None or _is_number(value):
        return scalar_text(value)
    return json.dumps(jsonable(value), ensure_ascii=False)


def _kind_of(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def equal(actual: object, expected: object) -> bool:
    """``==`` as an author means it: numbers and numeric text compare as numbers, booleans and
    ``"true"``/``"false"`` as booleans, lists item by item."""
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        left_bool, right_bool = _as_bool(actual), _as_bool(expected)
        return left_bool is not None and left_bool == right_bool
    if _is_number(actual) or _is_number(expected):
        left, right = _as_number(actual), _as_number(expected)
        return left is not None and right is not None and left == right
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        return len(actual) == len(expected) and all(map(equal, actual, expected))
    return actual == expected


def _ordered(op: str, actual: object, expected: object) -> bool:
    """Numbers (numeric text included) by value; other text in character order, which also
    ranks versions like ``TLSv1.2`` < ``TLSv1.3``."""
    left, right = _as_number(actual), _as_number(expected)
    if left is not None and right is not None:
        return _ORDERINGS[op](left, right)
    if isinstance(actual, str) and isinstance(expected, str):
        return _ORDERINGS[op](actual, expected)
    raise Incomparable(f"cannot order {_kind_of(actual)} against {_kind_of(expected)}")


def _contains(actual: object, expected: object) -> bool:
    if actual is None:
        return False
    if isinstance(expected, tuple):
        return all(_contains(actual, item) for item in expected)
    if isinstance(actual, str):
        return as_text(expected) in actual
    if isinstance(actual, list | tuple):
        return any(equal(item, expected) for item in actual)
    if isinstance(actual, Mapping):
        return as_text(expected) in actual
    raise Incomparable(f"'contains' looks inside text, a list or an object, not {_kind_of(actual)}")


def _affix(op: str, actual: object, expected: object) -> bool:
    if actual is None:
        return False
    if not (isinstance(actual, str) or _is_number(actual)):
        raise Incomparable(f"{op!r} needs text, not {_kind_of(actual)}")
    text, affix = as_text(actual), as_text(expected)
    return text.startswith(affix) if op == "startswith" else text.endswith(affix)


def _matches(actual: object, pattern: object) -> bool:
    if not isinstance(pattern, Regex):
        raise Incomparable("'matches' needs a regular expression like /^ok/")
    if actual is None:
        return False
    # A list subject (DNS records, addresses) matches when any item does, like `contains`.
    if isinstance(actual, list | tuple):
        return any(_matches(item, pattern) for item in actual)
    if isinstance(actual, Mapping):
        raise Incomparable("'matches' needs text, not an object")
    return pattern.search(as_text(actual))


def _empty(actual: object) -> bool:
    """``null``, ``""``, ``[]`` and ``{}`` are empty; a number or a boolean is neither."""
    if actual is None:
        return True
    if isinstance(actual, str | list | tuple | Mapping):
        return len(actual) == 0
    raise Incomparable(f"'empty' applies to text, a list or an object, not {_kind_of(actual)}")


def holds(op: str, actual: object, expected: Any) -> bool:
    """Whether ``actual OP expected`` holds; raises ``Incomparable`` when it cannot be judged."""
    if op == "==":
        return equal(actual, expected)
    if op == "!=":
        return not equal(actual, expected)
    if op in _ORDERINGS:
        return _ordered(op, actual, expected)
    if op == "in":
        if not isinstance(expected, list | tuple):
            raise Incomparable("'in' needs a list like [200, 204]")
        return any(equal(actual, item) for item in expected)
    if op == "contains":
        return _contains(actual, expected)
    if op in ("startswith", "endswith"):
        return _affix(op, actual, expected)
    if op == "matches":
        return _matches(actual, expected)
    if op == "empty":
        return _empty(actual)
    raise Incomparable(f"unknown operator {op!r}")


def signed_duration(seconds: float) -> str:
    """``format_duration`` that also reads right for the past (an expired certificate)."""
    try:
        seconds = float(seconds)
    except OverflowError:
        return as_text(seconds)
    if not math.isfinite(seconds):
        return str(seconds)
    return "-" + format_duration(-seconds) if seconds < 0 else format_duration(seconds)


def _plain(value: object, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        # Prometheus values are floats: show a queue depth of 3.0 as 3.
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, str):
        return cut(value)
    if depth >= _MAX_DEPTH:
        return "…"
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    return cut(str(value))


def jsonable(value: object, *, duration: bool = False) -> Any:
    """``value`` as JSON-serialisable data for a result: durations formatted, text cut to
    2 KiB, and a structure whose JSON would be longer shown as cut JSON text."""
    if duration and _is_number(value):
        return signed_duration(value)
    plain = _plain(value, 0)
    if isinstance(plain, list | dict):
        text = json.dumps(plain, ensure_ascii=False)
        if len(text.encode()) > SHOWN_BYTES:
            return cut(text)
    return plain


def describe(value: object, *, duration: bool = False) -> str:
    """A value as one short phrase for a message: ``503``, ``'down'``, ``812 ms``, ``[a, b]``,
    ``nothing``."""
    if value is None:
        return "nothing"
    if duration and _is_number(value):
        return signed_duration(value)
    if isinstance(value, str):
        return repr(cut(value, _MESSAGE_CHARS))
    if isinstance(value, bool) or _is_number(value):
        return as_text(value)
    return cut(readable(jsonable(value), bracketed=True), _MESSAGE_CHARS)
