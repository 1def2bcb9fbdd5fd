"""Holes: stand-ins, in markup kept across ``mkdocs serve`` rebuilds, for the texts that change
with the clock (a reused result's age, ``last passed 3 min ago``, ``last fully verified 2 h
ago``), filled in each time the markup is used. One mechanism for every kept markup
(``rendered_markup``, ``kept_status_page``).

A hole is a token no target can know (random per process; letters, digits and ``-`` only, so
escaping leaves it as it is), the text's name, and a closing ``-``. Markup whose inputs hold
the token must not be kept: a filled hole there would be a target's text turned into ours.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from markupsafe import escape


class Holes:
    def __init__(self) -> None:
        self.token = f"runbook-hole-{secrets.token_hex(16)}"
        self._hole = re.compile(re.escape(self.token) + r"-([a-z0-9_]+)-")

    def hole(self, name: str) -> str:
        """The stand-in for the text ``name`` (lower-case letters, digits, ``_``)."""
        return f"{self.token}-{name}-"

    def found_in(self, text: str) -> bool:
        return self.token in text

    def fill(self, markup: str, texts: Mapping[str, str]) -> str:
        """``markup`` with each hole replaced by its text, escaped as the templates escape it."""
        return self._hole.sub(lambda hole: str(escape(texts[hole.group(1)])), markup)
