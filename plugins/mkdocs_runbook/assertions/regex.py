"""Regular expressions that run in linear time (SPEC 8: no input can exceed a check's timeout).

Assertions match text a target sent (a body, stdout, a header), so a pattern like ``(a+)+$``
must not backtrack for hours on a hostile answer. RE2 (``google-re2``) guarantees time linear
in the text; the price is its syntax: no backreferences (``\\1``), no lookaround (``(?=``,
``(?<!``…), repetition counts up to 1000, and ``\\d \\w \\s`` match ASCII only. A pattern using
what RE2 lacks is an error when the page is read, saying which feature and what to write.

One difference is bridged, because stdout usually ends with a newline: ``$`` also matches
before a final newline, as it does in Python (``stdout matches /^active$/``).

RE2 is also the syntax Prometheus uses for label matchers (``full_match``).

RE2 loads at the first pattern: with the C++ runtime it brings, it is 2.5 MB of
every process that imports it, and most sites' checks have no pattern.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re2

#: What RE2 lacks, found by the text of its error, and what to tell the author.
_HINTS: tuple[tuple[str, str], ...] = (
    ("(?=", "lookahead (?=…) is not supported"),
    ("(?!", "negative lookahead (?!…) is not supported"),
    ("(?<=", "lookbehind (?<=…) is not supported"),
    ("(?<!", "negative lookbehind (?<!…) is not supported"),
    ("(?>", "atomic groups (?>…) are not supported"),
    ("\\Z", "\\Z is not supported: write $ or \\z"),
)


class RegexError(ValueError):
    """A pattern RE2 cannot compile. ``position`` is the 0-based offset of the culprit."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Regex:
    """A compiled linear-time pattern; equal when the pattern text is equal."""

    pattern: str

    def __post_init__(self) -> None:
        compile_regex(self.pattern)  # raises RegexError now, not when a target answered

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        compiled = compile_regex(self.pattern)
        if compiled.search(text) is not None:
            return True
        return text.endswith("\n") and compiled.search(text[:-1]) is not None

    def fullmatch(self, text: str) -> bool:
        return compile_regex(self.pattern).fullmatch(text) is not None


@functools.cache
def _options() -> re2.Options:
    """What every pattern is compiled with (made at the first pattern, loading RE2)."""
    import re2

    options = re2.Options()
    # RE2 writes its own complaint about a bad pattern to stderr; the caller reports it instead.
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re2._Regexp[str]:
    """The compiled pattern; a ``RegexError`` (a ``ValueError``) saying why RE2 rejects it."""
    import re2

    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        raise _explain(pattern, exc) from None


def full_match(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches the whole of ``text``, as Prometheus anchors label regexes."""
    return compile_regex(pattern).fullmatch(text) is not None


def _explain(pattern: str, exc: Exception) -> RegexError:
    raw = exc.args[0] if exc.args else ""
    reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    # RE2 ends its message with the offending part of the pattern: "missing ): (".
    culprit = reason.rpartition(": ")[2]
    position = max(pattern.find(culprit), 0) if culprit else 0
    for marker, hint in _HINTS:
        if marker in culprit or (marker in pattern and "perl operator" in reason):
            return RegexError(f"{hint}{_SYNTAX_NOTE}", max(pattern.find(marker), 0))
    if reason.startswith("missing )"):
        return RegexError("missing ), unterminated subpattern", max(pattern.rfind("("), 0))
    if "invalid escape sequence" in reason and culprit[1:2].isdigit():
        return RegexError(f"backreferences ({culprit}) are not supported{_SYNTAX_NOTE}", position)
    if "repetition size" in reason:
        return RegexError(f"{reason}: at most 1000{_SYNTAX_NOTE}", position)
    return RegexError(reason or "invalid pattern", position)


_SYNTAX_NOTE = "; assertions use RE2 syntax, which runs in linear time"


def iregexp(pattern: str) -> re2._Regexp[str] | None:
    """An RFC 9485 I-Regexp (JSONPath's ``match()`` and ``search()``) compiled by RE2, or
    ``None`` when it does not compile (RFC 9535: the function is then false). The pattern may
    come from the target's own document, so it gets no other engine."""
    return _iregexp(pattern)


@functools.lru_cache(maxsize=1024)
def _iregexp(pattern: str) -> re2._Regexp[str] | None:
    translated: list[str] = []
    escaped = in_class = False
    for character in pattern:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "[":
            in_class = True
        elif character == "]":
            in_class = False
        elif character == "." and not in_class:
            translated.append("[^\\n\\r]")  # I-Regexp's dot: any character but CR and LF
            continue
        translated.append(character)
    import re2

    try:
        return re2.compile("".join(translated), options=_options())
    except re2.error:
        return None
