"""How a measured value reads as text, in every output (SPEC 6: "values read as text").

One function, ``readable``, turns what a probe measured into what the page, the badge, the
report's ``value``, the terminal, JUnit and pytest show: ``closed, closed, open`` rather than
``['closed', 'closed', 'open']``, ``true`` rather than ``True``, ``none matched`` for a query
that selected nothing. ``readable_path`` writes a JSONPath match the way an author writes
one (``$.ingestion.sources[2].state``), not in RFC 9535's normalized form
(``$['ingestion']['sources'][2]['state']``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

#: What an empty selection (a JSONPath or a metric that matched nothing) reads as.
NONE_MATCHED = "none matched"
#: What a value that was not measured at all (a missing header, a body that is not JSON)
#: reads as; a JSON ``null`` inside a list or object reads ``null``.
NOTHING = "—"

# RFC 9535 member-name-shorthand: a name that can follow a dot without brackets. Its range
# %x80-10FFFF is "any character outside ASCII", written as a negated class: a class spanning
# 0x80-0x10FFFF takes `re` ~10 ms to compile, and this module loads with every front-end.
_SHORTHAND_NAME = re.compile(r"(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_]|[^\x00-\x7f])*")


def readable(value: object, *, bracketed: bool = False) -> str:
    """``value`` as a person reads it: text as it is, ``true``/``false``/``null``, ``200`` (not
    ``200.0``), a list as its items joined by commas, an object as ``key: value`` pairs,
    ``—`` for no value at all.

    ``bracketed`` keeps a list's brackets (``[a, b]``, the assertion language's list), for a
    value inside a sentence."""
    if value is None:
        return NOTHING
    if bracketed:
        return _nested(value)
    if isinstance(value, list | tuple):
        if not value:
            return NONE_MATCHED
        return ", ".join(_nested(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_nested(item)}" for key, item in value.items()) or "{}"
    return scalar_text(value)


def _nested(value: object) -> str:
    """An item inside a list or object: a structure keeps its brackets, so ``[1, 2], [3]``
    does not read as three items."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_nested(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_nested(item)}" for key, item in value.items()) + "}"
    return scalar_text(value)


def scalar_text(value: object) -> str:
    """One value as an author writes it: ``true``, ``null``, ``200`` (not ``200.0``), ``NaN``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
    return str(value)


def readable_path(parts: Iterable[str | int]) -> str:
    """The JSONPath of one match, written with dots where a name allows it:
    ``("ingestion", "sources", 2, "state")`` → ``$.ingestion.sources[2].state``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _SHORTHAND_NAME.fullmatch(str(part)):
            path += f".{part}"
        else:
            escaped = str(part).replace("\\", "\\\\").replace("'", "\\'")
            path += f"['{escaped}']"
    return path
