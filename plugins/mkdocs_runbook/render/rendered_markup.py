"""Markup kept across ``mkdocs serve`` rebuilds (issue 14): each check's and each page
summary's. The plugin object lives as long as the ``serve`` session, and a rebuild after a
prose edit would otherwise render every check of the site through Jinja again, with the same
values.

The markup is still what the template makes; what is kept is its output, one per place it
fills (a check's result, a page's summary), with a digest of everything the rendering function
was given (every field of the result, the highlighted block, the history view, the flags:
texts as themselves, other values by their ``repr``; BLAKE2b keyed with a random key per
process). A change to any of them is another digest, so another rendering.

Only the texts that change with the clock are left out of the key: a reused result's age
(``· 12 s ago``), the history's ``last passed 3 min ago`` and a page's ``last fully verified
2 h ago``. They change every second in a result's first minute, so rebuilds seconds apart
could never reuse a markup keyed on them. The template is given a *hole* for each instead (a
token no target can know: random per process, letters, digits and ``-`` only, so escaping
leaves it as it is), and the kept output gets each hole replaced by its text, escaped as the
template escapes it. Whether each text is empty is part of the key (an empty one is left out
of the markup, not filled in). Should an input hold a hole token nonetheless, it is rendered
directly and not kept.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from markupsafe import escape

#: Renders with the given texts (holes or the texts themselves) where the clock's texts go.
Make = Callable[[Mapping[str, str]], str]


class RenderedMarkup:
    """Rendered markup by what it was rendered from, for this build and the last."""

    def __init__(self) -> None:
        self._token = f"runbook-hole-{secrets.token_hex(16)}"
        self._digest_key = secrets.token_bytes(32)
        #: By the place a fragment fills (a check's result, a page's summary): what it was
        #: rendered from and the markup, as the last build left it and as this build has.
        #: One markup per place: a place rendered anew lets go of its old markup at once.
        self._last: dict[Hashable, tuple[bytes, str]] = {}
        self._this: dict[Hashable, tuple[bytes, str]] = {}
        #: Template renderings done (reuses are not counted): how tests see reuse.
        self.renders = 0

    def next_build(self) -> None:
        """A build starts: markup of places the last build did not fill is dropped."""
        self._last, self._this = self._this, {}

    def __len__(self) -> int:
        """Markups kept."""
        return len(self._last) + len(self._this)

    def hole(self, name: str) -> str:
        """The stand-in for the text ``name``. Names must not start with one another (``age``,
        ``last_passed_ago``, ``verified_ago``)."""
        return f"{self._token}-{name}"

    def render(
        self,
        template: str,
        inputs: Mapping[str, Any],
        texts: Mapping[str, str],
        make: Make,
        *,
        place: Hashable,
    ) -> str:
        """What ``make(texts)`` returns, ``make`` being a pure function of ``inputs`` and
        ``texts`` that renders the template named ``template`` for ``place``."""
        key = self._key(template, inputs, texts)
        if key is None:
            return make(texts)  # an input holds a token: no reuse is safe for it
        kept = self._this.get(place) or self._last.pop(place, None)
        if kept is not None and kept[0] == key:
            markup = kept[1]
        else:
            markup = make({name: self.hole(name) if text else "" for name, text in texts.items()})
            self.renders += 1
        self._this[place] = (key, markup)
        for name, text in texts.items():
            if text:
                markup = markup.replace(self.hole(name), str(escape(text)))
        return markup

    def _key(
        self, template: str, inputs: Mapping[str, Any], texts: Mapping[str, str]
    ) -> bytes | None:
        # Texts as themselves (their type too: Markup is shown unescaped), the rest by repr,
        # which for these dataclasses, lists and scalars shows every field; kept as a keyed
        # digest of all that, so a kept markup does not also keep a copy of its inputs.
        shape = repr(
            (
                template,
                [name for name, text in texts.items() if text],
                [(name, type(value).__name__, value) for name, value in inputs.items()],
            )
        )
        if self._token in shape or any(self._token in text for text in texts.values()):
            return None
        return hashlib.blake2b(
            shape.encode("utf-8", "backslashreplace"), digest_size=16, key=self._digest_key
        ).digest()
