"""Markup kept across ``mkdocs serve`` rebuilds (issue 14): each check's and each page
summary's. The plugin object lives as long as the ``serve`` session, and a rebuild after a
prose edit would otherwise render every check of the site through Jinja again, with the same
values.

The markup is still what the template makes; what is kept is its output, one per place it
fills (a check's result, a page's summary), with everything the rendering function was given
(every field of the result, the highlighted block, the history view, the flags), as the last
build gave it. The next build's inputs are compared with those by value (``==``, and each
input's own type: ``Markup`` is shown unescaped): any other value is another rendering. That
holds because what these inputs hold shows as it compares (texts, statuses, numbers of one
type each); where a value need not (an assertion's measured value: ``1`` and ``true`` compare
equal), the caller passes its ``repr`` too. Comparing costs a rebuild less than a digest of it
all did (issue 14, measured); the price is that the last build's results and history views stay
in memory until this build's take their places.

Only the texts that change with the clock are left out of the key: a reused result's age
(``· 12 s ago``), the history's ``last passed 3 min ago`` and a page's ``last fully verified
2 h ago``. They change every second in a result's first minute, so rebuilds seconds apart
could never reuse a markup keyed on them. The template is given a *hole* for each instead
(``holes``), and the kept output gets each hole replaced by its text, escaped as the template
escapes it. Whether each text is empty is part of what is compared (an empty one is left out
of the markup, not filled in). Should an input hold a hole token nonetheless, it is rendered
directly and not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from .holes import Holes

#: Renders with the given texts (holes or the texts themselves) where the clock's texts go.
Make = Callable[[Mapping[str, str]], str]


class RenderedMarkup:
    """Rendered markup by what it was rendered from, for this build and the last."""

    def __init__(self) -> None:
        self._holes = Holes()
        #: By the place a fragment fills (a check's result, a page's summary): what it was
        #: rendered from and the markup, as the last build left it and as this build has.
        #: One markup per place: a place rendered anew lets go of its old markup at once.
        self._last: dict[Hashable, tuple[tuple[object, ...], str]] = {}
        self._this: dict[Hashable, tuple[tuple[object, ...], str]] = {}
        #: Template renderings done (reuses are not counted): how tests see reuse.
        self.renders = 0

    def next_build(self) -> None:
        """A build starts: markup of places the last build did not fill is dropped."""
        self._last, self._this = self._this, {}

    def __len__(self) -> int:
        """Markups kept."""
        return len(self._last) + len(self._this)

    def hole(self, name: str) -> str:
        """The stand-in for the text ``name`` (see ``holes``)."""
        return self._holes.hole(name)

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
        if any(self._holes.found_in(text) for text in texts.values()):
            return make(texts)  # a text holds a token: no reuse is safe for it
        # One flat tuple: kept for every check, it is one object for the garbage collector to
        # visit on each pass, not a dozen.
        shape = (
            template,
            *[name for name, text in texts.items() if text],
            "",
            *[part for name, value in inputs.items() for part in (name, type(value), value)],
        )
        kept = self._this.get(place) or self._last.pop(place, None)
        if kept is not None and kept[0] == shape:
            markup = kept[1]
        elif self._holes.found_in(repr(shape)):
            return make(texts)  # an input holds a token (kept inputs were looked at when kept)
        else:
            markup = make({name: self.hole(name) if text else "" for name, text in texts.items()})
            self.renders += 1
        self._this[place] = (shape, markup)
        return self._holes.fill(markup, texts)
