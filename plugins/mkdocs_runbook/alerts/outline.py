"""A page's outline as its HTML has it: every anchor (``id``), its headings in order and where
its checks sit between them.

Read from the HTML a page converts to, the ids are the ones the site publishes (the ``toc``
extension's slugify, separator and ``baselevel``, ``attr_list`` ids, footnotes, duplicates
numbered ``-1``, ``-2``), and a heading's section is what follows it in the page up to the next
heading of the same or a higher level, subsections included. A check is seen where its
placeholder sits, so checks inside admonitions, tabs and snippets belong to the right section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..render import check_anchor

__all__ = ["CheckMarker", "PageOutline", "outline_from_html"]

#: Given a start tag's attributes: the check id when the element stands for a check.
CheckMarker = Callable[[dict[str, str | None]], str | None]

_HEADINGS = {f"h{level}": level for level in range(1, 7)}


@dataclass(frozen=True)
class _Heading:
    level: int
    id: str


@dataclass
class PageOutline:
    """Anchors, headings and checks of one page, in page order."""

    ids: set[str] = field(default_factory=set)
    #: Headings and check ids in page order.
    events: list[_Heading | str] = field(default_factory=list)

    @property
    def checks(self) -> list[str]:
        """Every check id of the page, in page order."""
        return [event for event in self.events if isinstance(event, str)]

    @property
    def heading_ids(self) -> list[str]:
        return [e.id for e in self.events if isinstance(e, _Heading) and e.id]

    def has_anchor(self, anchor: str) -> bool:
        return anchor in self.ids

    def section_checks(self, anchor: str) -> list[str] | None:
        """The checks of the section headed by ``anchor``: up to the next heading of the same or
        a higher level. ``None`` when ``anchor`` is not a heading's id."""
        for index, event in enumerate(self.events):
            if isinstance(event, _Heading) and event.id == anchor:
                checks: list[str] = []
                for later in self.events[index + 1 :]:
                    if isinstance(later, _Heading) and later.level <= event.level:
                        break
                    if isinstance(later, str):
                        checks.append(later)
                return checks
        return None


def outline_from_html(html: str, check_of: CheckMarker) -> PageOutline:
    """The outline of a page's HTML; ``check_of`` recognises the elements that are checks.

    A check's own anchor (``runbook-<id>``, the wrapper the plugin renders) counts as an
    anchor of the page, so an alert may link straight to a check.
    """
    reader = _OutlineReader(check_of)
    reader.feed(html)
    reader.close()
    outline = reader.outline
    outline.ids.update(check_anchor(check) for check in outline.checks)
    return outline


class _OutlineReader(HTMLParser):
    def __init__(self, check_of: CheckMarker) -> None:
        super().__init__(convert_charrefs=True)
        self.check_of = check_of
        self.outline = PageOutline()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        element_id = attributes.get("id") or ""
        if element_id:
            self.outline.ids.add(element_id)
        if tag == "a" and attributes.get("name"):
            self.outline.ids.add(attributes["name"] or "")
        if tag in _HEADINGS:
            self.outline.events.append(_Heading(_HEADINGS[tag], element_id))
            return
        check = self.check_of(attributes)
        if check is not None:
            self.outline.events.append(check)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
