"""Keeping secrets out of every output (SPEC 8): the page, report, JUnit, logs and terminal.

A ``Redactor`` knows the secret values a run used and replaces each of them, and the encoded
forms a target might echo back (percent-encoded, base64 inside Basic auth), with ``••••``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

MASK = "••••"

#: Shorter values would mask ordinary text everywhere ("a", "on"); such "secrets" are
#: not secret enough to protect and are left alone.
MIN_SECRET_LENGTH = 3


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._needles: set[str] = set()
        for secret in secrets:
            self.add(secret)
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            return
        self._needles.add(secret)
        self._needles.add(quote(secret, safe=""))
        self._pattern = None

    def add_basic_auth(self, credentials: str) -> None:
        """``user:password`` travels base64-encoded; an echoing target returns that form."""
        self.add(base64.b64encode(credentials.encode()).decode())

    def __bool__(self) -> bool:
        return bool(self._needles)

    def text(self, value: str) -> str:
        if not self._needles or not value:
            return value
        if self._pattern is None:
            # Longest first so a secret containing another secret is masked whole.
            ordered = sorted(self._needles, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(n) for n in ordered))
        return self._pattern.sub(MASK, value)

    def value(self, data: Any) -> Any:
        """Redact strings anywhere inside JSON-like data (lists, dicts, scalars)."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list | tuple):
            return [self.value(item) for item in data]
        if isinstance(data, dict):
            return {self.text(str(k)): self.value(v) for k, v in data.items()}
        return data
