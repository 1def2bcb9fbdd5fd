"""The VALUE part of an assertion (SPEC section 3): numbers with units, ``true``/``false``/``null``,
quoted and bare strings, lists and ``/regex/`` literals, read by a cursor that reports mistakes
as ``AssertionSyntaxError`` with the 1-based column in the message (``… at column N``).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import AssertionSyntaxError
from ..units import SECONDS_PER_UNIT
from .regex import Regex, RegexError

_WORD = re.compile(r"\w+")
NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(ms|s|m|h|d|%)?")
_INTEGER = re.compile(r"[+-]?\d+")
# Python refuses to turn longer digit strings into an int (CVE-2020-10735 limit).
_MAX_INT_DIGITS = 4000
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def scalar(text: str) -> Any:
    """A bare value: a number with an optional unit (durations in seconds, ``%`` as a fraction),
    ``true``/``false``/``null``, or else the text itself."""
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    number = NUMBER.fullmatch(text)
    if number is None:
        return text
    digits, unit = number.groups()
    if unit == "%":
        return float(digits) / 100
    if unit is not None:
        return float(digits) * SECONDS_PER_UNIT[unit]
    if _INTEGER.fullmatch(digits) and len(digits) < _MAX_INT_DIGITS:
        return int(digits)
    return float(digits)


class Cursor:
    """A position in one assertion's text, with the readers for literal values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, index: int, hint: str = "") -> AssertionSyntaxError:
        """``message at column N`` + ``hint``, with the column clamped into the text."""
        column = min(max(index, 0), len(self.text)) + 1
        return AssertionSyntaxError(
            f"{message} at column {column}{hint}", text=self.text, column=column
        )

    def unexpected(self, index: int, hint: str = "") -> AssertionSyntaxError:
        word = _WORD.match(self.text, index)
        shown = word.group() if word else self.text[index]
        return self.fail(f"unexpected {shown!r}", index, hint)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The character at the cursor, or empty text at the end."""
        return self.text[self.pos : self.pos + 1]

    def expect_end(self, hint: str) -> None:
        self.skip_space()
        if not self.at_end():
            raise self.unexpected(self.pos, hint)

    def quoted(self) -> str:
        """A '…' or "…" string at the cursor, with backslash escapes; the cursor moves past it."""
        opening = self.pos
        quote = self.text[opening]
        chars: list[str] = []
        index = opening + 1
        while index < len(self.text):
            char = self.text[index]
            if char == quote:
                self.pos = index + 1
                return "".join(chars)
            if char == "\\" and index + 1 < len(self.text):
                index += 1
                chars.append(_ESCAPES.get(self.text[index], self.text[index]))
            else:
                chars.append(char)
            index += 1
        raise self.fail("unterminated string", opening, f" (no closing {quote})")

    def list_value(self) -> tuple[Any, ...]:
        """``[a, "b c", 200]`` at the cursor: the items as scalars, which must end the text."""
        opening = self.pos
        self.pos += 1
        items: list[Any] = []
        self.skip_space()
        if self.peek() == "]":
            self.pos += 1
            self.expect_end(" after the list")
            return ()
        while True:
            self.skip_space()
            if self.peek() in "\"'" and not self.at_end():
                items.append(self.quoted())
            elif self.peek() == "[":
                raise self.fail("lists cannot be nested", self.pos)
            else:
                start = self.pos
                while not self.at_end() and self.text[self.pos] not in ",][":
                    self.pos += 1
                item = self.text[start : self.pos].strip()
                if not item and not self.at_end():
                    raise self.fail("empty item in list", start)
                items.append(scalar(item))
            self.skip_space()
            if self.at_end():
                raise self.fail("unterminated list", opening, " (no closing ']')")
            if self.peek() == "]":
                self.pos += 1
                self.expect_end(" after the list")
                return tuple(items)
            if self.peek() != ",":
                raise self.unexpected(self.pos, " in the list")
            self.pos += 1

    def regex(self) -> Regex:
        """``/re/``, a quoted pattern, or the bare rest of the text, compiled now so a bad one
        is reported at its column before anything runs."""
        opening = self.pos
        if self.peek() == "/":
            close = opening + 1
            while close < len(self.text) and self.text[close] != "/":
                close += 2 if self.text[close] == "\\" else 1
            if close >= len(self.text):
                raise self.fail("unterminated regular expression", opening, " (no closing '/')")
            pattern, offset = self.text[opening + 1 : close], opening + 1
            self.pos = close + 1
            self.expect_end(" after the closing '/'")
        elif self.peek() in "\"'":
            pattern, offset = self.quoted(), opening + 1
            self.expect_end(" after the closing quote")
        else:
            pattern, offset = self.text[opening:].rstrip(), opening
            self.pos = len(self.text)
        try:
            return Regex(pattern)
        except RegexError as error:
            where = offset + error.position
            raise self.fail(f"invalid regular expression ({error.message})", where) from None
