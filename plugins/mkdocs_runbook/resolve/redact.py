"""Keeping secrets out of every output (SPEC 8): the page, report, JUnit, badges, cache, logs,
terminal and pytest output.

A ``Redactor`` holds every secret of a run and replaces each of them with ``••••`` in the forms
a secret takes on its way back from a target or through our own messages:

- as it is;
- percent-encoded, fully or in part (``p%40ss word``, ``p@ss%20word``: httpx encodes only what
  a URL component needs), ``+`` for a space;
- escaped the way JSON (``\\u00e9``, ``\\"``, ``\\/``), Python reprs (``\\xe9``, ``\\'``,
  ``b'\\xc3\\xa9'``), shells (``'it'\\''s'``, ``it\\'s``) and HTML (``&amp;``) write it;
- base64-encoded inside a longer base64 text at any alignment (Basic auth's ``user:secret``).

Every form is one regular expression per secret: each character of the secret may appear in
any of its escaped spellings, so mixed encodings are caught too. The texts given to ``text``
must be whole: a secret cut in half by a cap can no longer be recognised, so callers mask
first and shorten after (``text.cut``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from ..results import AssertionResult, CheckResult, RunOutcome

MASK = "••••"

#: Shorter values would mask ordinary text everywhere ("on", "200"); SPEC 8 makes using such
#: a secret an error, since it could not be masked without destroying the output.
MIN_SECRET_LENGTH = 4

_SHORT_ESCAPES = {"\n": "n", "\t": "t", "\r": "r", "\b": "b", "\f": "f", "\v": "v", "\0": "0"}
_HTML_ENTITIES = {
    "&": ("&amp;", "&#38;"),
    "<": ("&lt;", "&#60;"),
    ">": ("&gt;", "&#62;"),
    '"': ("&quot;", "&#34;"),
    "'": ("&#39;", "&#x27;", "&apos;"),
}
#: How a single quote is written inside a single-quoted shell word.
_SHELL_QUOTES = ("'\\''", "'\"'\"'", '"\'"')


def _hex(number: int, width: int) -> str:
    """``number`` as hex digits that match upper and lower case."""
    return "".join(
        f"[{digit.lower()}{digit.upper()}]" if digit.isalpha() else digit
        for digit in f"{number:0{width}x}"
    )


def _character_forms(char: str) -> str:
    """A regular expression matching ``char`` in any of the spellings listed above."""
    code = ord(char)
    utf8 = char.encode("utf-8", errors="surrogatepass")
    forms = {
        re.escape(char),
        "".join("%" + _hex(byte, 2) for byte in utf8),
        "\\\\" + re.escape(char),
    }
    if code <= 0xFFFF:
        forms.add("\\\\u" + _hex(code, 4))
    else:
        high = 0xD800 + ((code - 0x10000) >> 10)
        low = 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.add("\\\\u" + _hex(high, 4) + "\\\\u" + _hex(low, 4))
        forms.add("\\\\U" + _hex(code, 8))
    if code <= 0xFF:
        forms.add("\\\\x" + _hex(code, 2))
    if len(utf8) > 1:
        forms.add("".join("\\\\x" + _hex(byte, 2) for byte in utf8))
    if char in _SHORT_ESCAPES:
        forms.add("\\\\" + _SHORT_ESCAPES[char])
    if char == " ":
        forms.add("\\+")
    if char == "'":
        forms.update(re.escape(quoted) for quoted in _SHELL_QUOTES)
    forms.update(re.escape(entity) for entity in _HTML_ENTITIES.get(char, ()))
    forms.add(f"&#0*{code};")
    forms.add(f"&#[xX]0*{_hex(code, 1)};")
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


def _base64_pieces(secret: str) -> set[str]:
    """The parts of any base64 text holding ``secret`` that depend on the secret alone.

    Base64 turns 3 bytes into 4 characters, so the encoding of a secret inside a longer text
    depends on its offset modulo 3 and on the bytes around it; the characters in between
    are the same whatever surrounds it. Standard and URL-safe alphabets.
    """
    data = secret.encode("utf-8", errors="surrogatepass")
    pieces: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        start = -(-8 * offset // 6)  # the first character made of the secret's bits only
        end = 8 * (offset + len(data)) // 6
        piece = encoded[start:end]
        if len(piece) >= MIN_SECRET_LENGTH:
            pieces.add(piece)
            pieces.add(piece.replace("+", "-").replace("/", "_"))
    return pieces


def secret_patterns(secret: str) -> list[str]:
    """The regular expressions that find ``secret`` in its forms (see the module docstring)."""
    spelled = "".join(_character_forms(char) for char in secret)
    return [spelled, *(re.escape(piece) for piece in sorted(_base64_pieces(secret)))]


class Redactor:
    """Every secret of a run, masked wherever it appears. Secrets can be added as a run
    discovers them; every later call masks all of them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._taught: list[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask ``secret`` from now on. Values too short to mask are the caller's error to
        report (``MIN_SECRET_LENGTH``); they are ignored here."""
        if self._taught is not None:
            self._taught.append(secret)
        if len(secret) < MIN_SECRET_LENGTH or secret in self._secrets:
            return
        self._secrets.add(secret)
        self._pattern = None

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        """Every value given to ``add`` inside the ``with`` block, known before or not: what a
        step taught the redactor, to be taught again when its work is reused (``add`` each)."""
        outer, self._taught = self._taught, []
        taught = self._taught
        try:
            yield taught
        finally:
            if outer is not None:
                outer.extend(taught)
            self._taught = outer

    def __bool__(self) -> bool:
        return bool(self._secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret it masks, for a check worker process to mask alike (``Redactor(…)``)."""
        return tuple(sorted(self._secrets))

    def text(self, value: str) -> str:
        if not self._secrets or not value:
            return value
        if self._pattern is None:
            # Longest first, so a secret containing another secret is masked whole.
            patterns = [p for secret in self._secrets for p in secret_patterns(secret)]
            patterns.sort(key=len, reverse=True)
            self._pattern = re.compile("|".join(patterns))
        return self._pattern.sub(MASK, value)

    def value(self, data: Any) -> Any:
        """Mask strings anywhere inside JSON-like data (lists, dicts, scalars)."""
        if not self._secrets:
            return data
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list | tuple):
            return [self.value(item) for item in data]
        if isinstance(data, dict):
            return {self.text(str(k)): self.value(v) for k, v in data.items()}
        return data

    def assertion(self, result: AssertionResult) -> AssertionResult:
        return replace(
            result,
            text=self.text(result.text),
            actual=self.value(result.actual),
            message=self.text(result.message),
        )

    def outcome(self, outcome: RunOutcome) -> RunOutcome:
        """``outcome`` masked, in place (outcomes are shared by the pages that show them)."""
        if self._secrets:
            outcome.message = self.text(outcome.message)
            outcome.value = self.text(outcome.value)
            outcome.detail = self.text(outcome.detail)
            outcome.assertions = [self.assertion(a) for a in outcome.assertions]
        return outcome

    def result(self, result: CheckResult) -> CheckResult:
        """``result`` with every text it carries masked: what every output is made from."""
        if not self._secrets:
            return result
        return replace(
            result,
            name=self.text(result.name),
            target=self.text(result.target),
            message=self.text(result.message),
            value=self.text(result.value),
            detail=self.text(result.detail),
            tags=[self.text(tag) for tag in result.tags],
            assertions=[self.assertion(a) for a in result.assertions],
        )
