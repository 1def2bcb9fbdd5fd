"""Regular expressions applied to what a target sent, in time linear in its length (SPEC 8).

RE2 (google-re2) has no backtracking, so no pattern an author writes and no text a target
sends can make matching run away; it is also the syntax Prometheus uses for label matchers.
Patterns are compiled once, and a bad one is a ``ValueError`` with RE2's reason.
"""

from __future__ import annotations

import functools

import re2

_OPTIONS = re2.Options()
# RE2 writes its own complaint about a bad pattern to stderr; the caller reports it instead.
_OPTIONS.log_errors = False


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re2._Regexp[str]:
    """The compiled pattern; ``ValueError`` saying why RE2 rejects it."""
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(text) from None


def full_match(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches the whole of ``text``, as Prometheus anchors label regexes."""
    return compile_regex(pattern).fullmatch(text) is not None
