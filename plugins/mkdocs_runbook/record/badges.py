"""Badge files for each check (SPEC section 6): a flat SVG and a Shields endpoint JSON.

Both read ``label | status · value`` (``API ready | pass · 42 ms``), and a result reused from
a cache says its age as well (``pass · 42 ms · 3 min ago``, SPEC 6), here as on the page and in
the terminal. The SVG is one fixed template in which every piece of text is XML-escaped
(a site writes a badge per check, and building each as an element tree took several times
as long); text that XML cannot carry at all (control characters from a target's
answer) is replaced first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from ..results import CheckResult, Status, parse_iso_utc, utc_now
from ..text import html_safe_json, printable

__all__ = [
    "BADGE_COLOURS",
    "LABEL_COLOURS",
    "BadgeColours",
    "badge_message",
    "badge_svg",
    "badge_texts",
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
_ATTRIBUTE_ESCAPES = str.maketrans({'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"})
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
    # Each text's width once: the box and the text's length both use it.
    label_text_width = _text_width(label_text)
    message_text_width = _text_width(message_text)
    label_width = label_text_width + 2 * _PADDING
    message_width = message_text_width + 2 * _PADDING
    total = _number(label_width + message_width)
    colours = BADGE_COLOURS[status]
    # A fixed template: every value that varies goes through _attribute or _text.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{_HEIGHT}" '
        f'role="img" aria-label="{_attribute(title)}"><title>{_text(title)}</title>'
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1" />'
        '<stop offset="1" stop-opacity=".1" /></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="{_HEIGHT}" rx="3" fill="#fff" />'
        '</clipPath><g clip-path="url(#r)">'
        f'<rect x="0" width="{_number(label_width)}" height="{_HEIGHT}" '
        f'fill="{LABEL_COLOURS.background}" />'
        f'<rect x="{_number(label_width)}" width="{_number(message_width)}" height="{_HEIGHT}" '
        f'fill="{colours.background}" />'
        f'<rect x="0" width="{total}" height="{_HEIGHT}" fill="url(#s)" /></g>'
        f'<g text-anchor="middle" font-family="{_FONT_FAMILY}" font-size="{_FONT_SIZE}" '
        'text-rendering="geometricPrecision">'
        + _badge_part(label_text, label_text_width, centre=label_width / 2, colours=LABEL_COLOURS)
        + _badge_part(
            message_text,
            message_text_width,
            centre=label_width + message_width / 2,
            colours=colours,
        )
        + "</g></svg>"
    )


def badge_texts(
    stem: str, label: str, status: Status, value: str, age: str = ""
) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two files of one badge: ``stem.svg`` and the Shields endpoint ``stem.json``, names
    below the site folder with their texts. The build and the badge writing process both
    make them here, so they cannot differ."""
    endpoint = shields_endpoint(label, status, value, age)
    return (
        (f"{stem}.svg", badge_svg(label, status, value, age)),
        (f"{stem}.json", html_safe_json(endpoint) + "\n"),
    )


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
    return sum(map(_char_width, text))


def _char_width(char: str) -> float:
    if char in _CHAR_WIDTHS:
        return _CHAR_WIDTHS[char]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_CHAR_WIDTH
    return _DEFAULT_CHAR_WIDTH


def _badge_part(text: str, width: float, *, centre: float, colours: BadgeColours) -> str:
    """The text (``width``: its ``_text_width``) with a one-pixel shadow under it, as on
    Shields' flat badges."""
    shadow = "#010101" if colours.text == "#ffffff" else "#cccccc"
    length = _number(width)
    x = _number(centre)
    shown = _text(text)
    return (
        f'<text x="{x}" y="15" fill="{shadow}" fill-opacity=".3" textLength="{length}" '
        f'aria-hidden="true">{shown}</text>'
        f'<text x="{x}" y="14" fill="{colours.text}" textLength="{length}">{shown}</text>'
    )


def _text(text: str) -> str:
    """``text`` as XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    """``text`` as a double-quoted XML attribute value (whitespace kept as it is)."""
    return _text(text).translate(_ATTRIBUTE_ESCAPES)


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
