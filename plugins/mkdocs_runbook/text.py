"""Plain text rules every output shares: what a page shows of a long text, which characters
never reach a page, an XML file or a terminal, and how a misspelt word gets its suggestion.

One home for each, so a cap or a cleaning rule cannot differ between the page, the badge,
JUnit and the terminal.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

#: How much of a target's answer any output shows (SPEC 8: "2 KiB shown"), in UTF-8 bytes.
SHOWN_BYTES = 2048

#: ANSI/VT escape sequences (CSI, OSC, and two-character escapes), 7-bit and 8-bit forms.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI … final byte
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC … terminator
    r"|\x1b[@-Z\\-_]"  # two-character escapes
)


def cut(text: str, limit: int = SHOWN_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (never inside a character), with ``…``
    after it where something was cut."""
    kept = shown_part(text, limit)
    return kept if len(kept) == len(text) else kept + "…"


def shown_part(text: str, limit: int = SHOWN_BYTES) -> str:
    """The longest start of ``text`` that fits in ``limit`` UTF-8 bytes."""
    if len(text) * 4 <= limit:
        return text
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    # Cutting inside a multi-byte character leaves a partial sequence; drop it.
    return encoded[:limit].decode("utf-8", errors="ignore")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences, every other control character shown as �.

    Tabs and newlines stay; ``\\r\\n`` and a lone ``\\r`` become ``\\n``. Covers what XML 1.0
    cannot carry and what a terminal would act on (C0, DEL, C1). Markup is left alone:
    escaping is the template's or the XML writer's job.
    """
    text = _ESCAPE_SEQUENCE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        "\ufffd"
        if (unicodedata.category(char) == "Cc" and char not in "\n\t") or char in "\ufffe\uffff"
        else char
        for char in text
    )


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word``, if any is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` — did you mean 'x'?`` for the closest choice, or an empty string."""
    match = closest(word, choices)
    return f" — did you mean '{match}'?" if match else ""
