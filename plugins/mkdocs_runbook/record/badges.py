"""Badge files for each check (SPEC section 6): a flat SVG and a Shields endpoint JSON.

Both read ``label | status · value`` (``API ready | pass · 42 ms``), and a result reused from
a cache says its age as well (``pass · 42 ms · 3 min ago``, SPEC 6), here as on the page and in
the terminal. The SVG is built with ElementTree, so every piece of text is XML-escaped by
construction; text that XML cannot carry at all (control characters from a target's answer)
is replaced first.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from ..results import CheckResult, Status, parse_iso_utc, utc_now
from ..text import printable

__all__ = [
    "BADGE_COLOURS",
    "LABEL_COLOURS",
    "BadgeColours",
    "badge_message",
    "badge_svg",
    "cached_age",
    "shields_endpoint",
]


@dataclass(frozen=True)
class BadgeColours:
    """Background and text colour of one badge part; the pairs meet WCAG AA (4.5:1)."""

    background: str
    text: str


#: The SPEC section 4 colours, the same as the light palette of ``assets/runbook.css``.
BADGE_COLOURS: dict[Status, BadgeColours] = {
    Status.PASS: BadgeColours("#2e7d32", "#ffffff"),
    Status.WARN: BadgeColours("#f5b70a", "#1f1f1f"),
    Status.FAIL: BadgeColours("#c62828", "#ffffff"),
    Status.ERROR: BadgeColours("#7b1fa2", "#ffffff"),
    Status.SKIP: BadgeColours("#616161", "#ffffff"),
}
LABEL_COLOURS = BadgeColours("#4a555f", "#ffffff")

#: Longer text makes a badge nobody can read in a README; the page shows the full text.
BADGE_TEXT_LIMIT = 80

_HEIGHT = 20
_PADDING = 6
_FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
_FONT_SIZE = 11

# Advance widths of Verdana at 11px, grouped; close enough for a badge because every text
# element also carries ``textLength``, so the renderer fits the glyphs to the computed box.
_CHAR_WIDTHS: dict[str, float] = {
    char: width
    for chars, width in (
        ("ijl!|'", 3.0),
        (" .,:;f", 3.9),
        ("rtI()[]{}-J", 4.6),
        ('csz"*/\\', 5.8),
        ("abdeghknopquvxyEFLPTY", 6.7),
        ("0123456789_#$+<=>?~^&", 7.0),
        ("ABCKRSVXZ", 7.6),
        ("DGHNOQU", 8.4),
        ("Mw%", 9.2),
        ("mW@", 10.7),
    )
    for char in chars
}
_DEFAULT_CHAR_WIDTH = 7.0
_WIDE_CHAR_WIDTH = 11.0


def badge_message(status: Status, value: str, age: str = "") -> str:
    """The right-hand part of a badge: ``pass · 42 ms``, just ``skip`` without a value, and
    ``pass · 42 ms · 3 min ago`` for a result reused from a cache."""
    return " · ".join(part for part in (status.value, value, age) if part)


def cached_age(result: CheckResult, now: datetime | None = None) -> str:
    """``3 min ago`` for a result reused from a cache; empty for one measured by this run."""
    if not result.cached or not result.checked_at:
        return ""
    try:
        seconds = ((now or utc_now()) - parse_iso_utc(result.checked_at)).total_seconds()
    except ValueError:
        return ""
    if seconds < 1:
        return "just now"
    for unit, size, up_to in (("s", 1, 60), ("min", 60, 3600), ("h", 3600, 48 * 3600)):
        if seconds < up_to:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // 86400)} d ago"


def badge_svg(label: str, status: Status, value: str, age: str = "") -> str:
    """A Shields-style flat SVG: ``label`` on grey, ``status · value`` in the status colour."""
    label_text = _badge_text(label)
    message_text = _message_text(status, value, age)
    title = f"{label_text} | {message_text}"
    label_width = _text_width(label_text) + 2 * _PADDING
    message_width = _text_width(message_text) + 2 * _PADDING
    total_width = label_width + message_width

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": _number(total_width),
            "height": str(_HEIGHT),
            "role": "img",
            "aria-label": title,
        },
    )
    ET.SubElement(svg, "title").text = title
    gradient = ET.SubElement(svg, "linearGradient", {"id": "s", "x2": "0", "y2": "100%"})
    ET.SubElement(gradient, "stop", {"offset": "0", "stop-color": "#bbb", "stop-opacity": ".1"})
    ET.SubElement(gradient, "stop", {"offset": "1", "stop-opacity": ".1"})
    clip = ET.SubElement(svg, "clipPath", {"id": "r"})
    ET.SubElement(
        clip,
        "rect",
        {"width": _number(total_width), "height": str(_HEIGHT), "rx": "3", "fill": "#fff"},
    )

    shapes = ET.SubElement(svg, "g", {"clip-path": "url(#r)"})
    colours = BADGE_COLOURS[status]
    for x, width, fill in (
        (0.0, label_width, LABEL_COLOURS.background),
        (label_width, message_width, colours.background),
        (0.0, total_width, "url(#s)"),
    ):
        ET.SubElement(
            shapes,
            "rect",
            {"x": _number(x), "width": _number(width), "height": str(_HEIGHT), "fill": fill},
        )

    texts = ET.SubElement(
        svg,
        "g",
        {
            "text-anchor": "middle",
            "font-family": _FONT_FAMILY,
            "font-size": str(_FONT_SIZE),
            "text-rendering": "geometricPrecision",
        },
    )
    _add_text(texts, label_text, centre=label_width / 2, colours=LABEL_COLOURS)
    _add_text(texts, message_text, centre=label_width + message_width / 2, colours=colours)
    return ET.tostring(svg, encoding="unicode")


def shields_endpoint(label: str, status: Status, value: str, age: str = "") -> dict[str, object]:
    """The JSON for ``https://img.shields.io/endpoint?url=…`` (Shields endpoint schema v1)."""
    return {
        "schemaVersion": 1,
        "label": _badge_text(label),
        "message": _message_text(status, value, age),
        # Shields takes hex colours without the '#'.
        "color": BADGE_COLOURS[status].background.removeprefix("#"),
        "labelColor": LABEL_COLOURS.background.removeprefix("#"),
    }


def _badge_text(text: str, limit: int = BADGE_TEXT_LIMIT) -> str:
    one_line = " ".join(printable(text).split())
    if len(one_line) <= limit:
        return one_line
    return one_line[: limit - 1].rstrip() + "…"


def _message_text(status: Status, value: str, age: str) -> str:
    """``status · value · age`` on one line; a long value is shortened, never the age."""
    age = _badge_text(age)
    room = BADGE_TEXT_LIMIT - len(badge_message(status, "", age)) - len(" · ")
    return badge_message(status, _badge_text(value, max(room, 1)), age)


def _text_width(text: str) -> float:
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> float:
    if char in _CHAR_WIDTHS:
        return _CHAR_WIDTHS[char]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_CHAR_WIDTH
    return _DEFAULT_CHAR_WIDTH


def _add_text(parent: ET.Element, text: str, *, centre: float, colours: BadgeColours) -> None:
    """The text with a one-pixel shadow under it, as on Shields' flat badges."""
    shadow = "#010101" if colours.text == "#ffffff" else "#cccccc"
    length = _number(_text_width(text))
    shadow_attributes = {
        "x": _number(centre),
        "y": "15",
        "fill": shadow,
        "fill-opacity": ".3",
        "textLength": length,
        "aria-hidden": "true",
    }
    ET.SubElement(parent, "text", shadow_attributes).text = text
    ET.SubElement(
        parent,
        "text",
        {"x": _number(centre), "y": "14", "fill": colours.text, "textLength": length},
    ).text = text


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
