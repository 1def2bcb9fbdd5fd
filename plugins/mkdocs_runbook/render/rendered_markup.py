"""Markup kept across ``mkdocs serve`` rebuilds (issue 14): each check's and each page
summary's. The plugin object lives as long as the ``serve`` session, and a rebuild after a
prose edit would otherwise render every check of the site through Jinja again, with the same
values.

The markup is still what the template makes; what is kept is its output, under a digest of
everything the template is given (its name and its whole context, by ``repr``: every field of
the result, the highlighted block, the history view, the flags). A change to any of them is
another key, so another rendering.

Only the texts that change with the clock are left out of the key: a reused result's age
(``· 12 s ago``), the history's ``last passed 3 min ago`` and a page's ``last fully verified
2 h ago``. They change every second in a result's first minute, so rebuilds seconds apart
could never reuse a markup keyed on them. The template is given a *hole* for each instead (a
token no target can know: random per process, letters, digits and ``-`` only, so escaping
leaves it as it is), and the kept output gets each hole replaced by its text, escaped as the
template escapes it. Should an input hold a hole token nonetheless, it is rendered directly
and not kept.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Template
from markupsafe import escape


class RenderedMarkup:
    """Rendered markup by digest of its template's context, for this build and the last."""

    def __init__(self) -> None:
        self._token = f"runbook-hole-{secrets.token_hex(16)}"
        #: What the last build rendered or reused; what this build has rendered or reused.
        self._last: dict[bytes, str] = {}
        self._this: dict[bytes, str] = {}
        #: Template renderings done (reuses are not counted): how tests see reuse.
        self.renders = 0

    def next_build(self) -> None:
        """A build starts: markup the last build did not use is dropped, so what is kept is
        at most two builds' worth."""
        self._last, self._this = self._this, {}

    def hole(self, name: str) -> str:
        """The stand-in for the text ``name`` in a context given to :meth:`render`. Names
        must not start with one another (``age``, ``last_passed_ago``, ``verified_ago``)."""
        return f"{self._token}-{name}"

    def render(
        self,
        template: Template,
        context: dict[str, Any],
        texts: Mapping[str, str],
        *,
        direct: Callable[[], str],
    ) -> str:
        """``template`` rendered with ``context``, which holds :meth:`hole` (once each) where
        each of ``texts`` belongs; ``direct`` renders the same with the texts in place."""
        shape = repr((template.name, context))
        if shape.count(self._token) != len(texts):
            return direct()  # an input holds a token: no reuse is safe for it
        key = hashlib.blake2b(shape.encode("utf-8", "backslashreplace"), digest_size=16).digest()
        markup = self._this.get(key) or self._last.get(key)
        if markup is None:
            markup = template.render(context)
            self.renders += 1
        self._this[key] = markup
        for name, text in texts.items():
            markup = markup.replace(self.hole(name), str(escape(text)))
        return markup
