"""Plain text rules every output shares: what a page shows of a long text, which characters
never reach a page, an XML file or a terminal, and how a misspelt word gets its suggestion.

One home for each, so a cap or a cleaning rule cannot differ between the page, the badge,
JUnit and the terminal.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import TypeVar, cast

_Value = TypeVar("_Value")

#: How much of a target's answer any output shows (SPEC 8: "2 KiB shown"), in UTF-8 bytes.
SHOWN_BYTES = 2048

#: Escape sequences a terminal acts on (ECMA-48), in their 7-bit (ESC …) and 8-bit (C1) forms:
#: control strings (OSC, e.g. OSC 8 hyperlinks and OSC 52 clipboard writes; DCS, SOS, PM, APC)
#: up to their terminator or the end of the text, CSI sequences, and the short ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"
)

#: Characters no output may carry: the C0 and C1 controls but tab and newline (a terminal acts
#: on them, XML 1.0 forbids most), DEL, lone surrogates and U+FFFE/U+FFFF (not XML, not
#: encodable as UTF-8), and the bidirectional embeddings, overrides and isolates, which make a
#: terminal or a page show text in another order than it is (CVE-2021-42574).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_UNSAFE_CHARACTER = re.compile(f"[{_UNSAFE}]")
#: Anything :func:`printable` would change: the unsafe characters and the carriage return.
_NEEDS_CLEANING = re.compile(f"[\r{_UNSAFE}]")


def html_safe_json(data: object, *, indent: int | None = None) -> str:
    """``data`` as JSON in which no markup can open: every JSON file we write uses this.

    ``<``, ``>`` and ``&`` are written as JSON escapes: the same data once decoded, but a JSON
    file pasted into a page (or served with the wrong content type) can never open a tag. They
    occur only inside strings, where the escape means the same character. Three ``replace``
    rather than one ``str.translate``: a report of 1,000 checks took 60 ms to translate and
    takes 1 ms to replace."""
    return markup_escaped_json(json.dumps(data, indent=indent, ensure_ascii=False))


def markup_escaped_json(json_text: str) -> str:
    """JSON text with ``<``, ``>`` and ``&`` written as JSON escapes (see
    :func:`html_safe_json`), for JSON put together from pieces."""
    return json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def cut(text: str, limit: int = SHOWN_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (never inside a character), with ``…``
    after it where something was cut."""
    kept = shown_part(text, limit)
    return kept if len(kept) == len(text) else kept + "…"


def shown_part(text: str, limit: int = SHOWN_BYTES) -> str:
    """The longest start of ``text`` that fits in ``limit`` UTF-8 bytes."""
    if len(text) * 4 <= limit:
        return text
    # A lone surrogate (JSON can carry one: "\\ud800") has no UTF-8 form; count it as the
    # three bytes it would take, and leave it out of a cut text.
    encoded = text.encode("utf-8", errors="surrogatepass")
    if len(encoded) <= limit:
        return text
    # Cutting inside a multi-byte character leaves a partial sequence; drop it.
    return encoded[:limit].decode("utf-8", errors="ignore")


def printable(text: str) -> str:
    """``text`` safe for every output: terminal escape sequences removed, every other control
    character (and what XML or UTF-8 cannot carry) shown as �.

    Tabs and newlines stay; ``\\r\\n`` and a lone ``\\r`` become ``\\n``, so a carriage return
    cannot overwrite what a line showed. Markup is left alone: escaping is the template's or
    the XML writer's job. Text without anything to clean is returned as it is, cheaply.
    """
    if _NEEDS_CLEANING.search(text) is None:
        return text
    text = _ESCAPE_SEQUENCE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE_CHARACTER.sub("\ufffd", text)


def printable_value(value: _Value) -> _Value:
    """``value`` with :func:`printable` applied to every text in it (keys of mappings too),
    of the same shape; numbers, booleans and ``None`` as they are."""
    cleaned: object = value
    if isinstance(value, str):
        cleaned = printable(value)
    elif isinstance(value, list):
        cleaned = [printable_value(item) for item in value]
    elif isinstance(value, tuple):
        cleaned = tuple(printable_value(item) for item in value)
    elif isinstance(value, dict):
        cleaned = {printable_value(key): printable_value(item) for key, item in value.items()}
    return cast(_Value, cleaned)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word``, if any is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` — did you mean 'x'?`` for the closest choice, or an empty string."""
    match = closest(word, choices)
    return f" — did you mean '{match}'?" if match else ""


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number if it is ASCII digits only, else ``None``. Not
    ``str.isdigit``: it accepts "¹" and "²", which ``int`` then refuses with a crash."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def counted(number: int, noun: str) -> str:
    """``1 check``, ``2 checks``: a count as people write it (English nouns that take -s)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
