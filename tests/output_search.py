"""Search every output of a run for what must never be in it (SPEC 8).

A test gathers the outputs of a build or a command-line run — every file under the site and
the cache folder (HTML, SVG, JUnit XML, JSON, SQLite, anything else as text), the captured
terminal, the log — and asks:

- ``markup_problems``: did markup a target sent (``HOSTILE_MARKUP``) survive as markup
  anywhere: an element or attribute in HTML or XML, a ``javascript:`` link, an evaluated
  template, a file that is not well-formed, a JSON file in which a tag could open?
- ``terminal_problems``: does any output carry an escape sequence or a control character a
  terminal would act on (only a terminal's own colours are allowed, and only where asked)?
- ``occurrences``: where does a text (a secret, a payload) appear at all, binary files too?

Each returns a list of readable problems (empty when all is well), so a failing assert
shows every place at once. A new kind of output (a history database, a spool file) is
searched as soon as it lands under a searched folder: ``outputs_under`` reads SQLite files
row by row and every other unknown file as text.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

OutputKind = Literal["html", "xml", "json", "sqlite", "text", "binary"]

#: Files that are not text (images, fonts, archives, our cache key): searched for texts
#: (``occurrences``) byte by byte, never parsed as markup or read as a terminal would.
BINARY_SUFFIXES = {".png", ".ico", ".jpg", ".gif", ".gz", ".ttf", ".woff", ".woff2", ".key"}

#: What a hostile target answers, every form at once: script, an attribute breaking out of
#: its quotes, a ``javascript:`` link, template syntax (``{{ 'runbook' ~ 'injected' }}``
#: evaluates to ``INJECTED_TEMPLATE``), the end of an XML CDATA section and ``rich`` markup.
HOSTILE_MARKUP = (
    "<script>alert(1)</script>"
    '"><img src=x onerror=alert(2)>'
    "'><svg onload=alert(3)>"
    '<a href="javascript:alert(4)">click</a>'
    "{{ 'runbook' ~ 'injected' }}{% raw %}"
    "]]><![CDATA[x"
    "[bold red]rich markup[/bold red][link=https://example.invalid]link[/link]"
)
#: What ``HOSTILE_MARKUP``'s template would become if anything rendered it as a template.
INJECTED_TEMPLATE = "runbookinjected"

#: Escape sequences and control characters a hostile target sends, in every form a terminal
#: acts on: CSI (clear screen, cursor moves, colours), OSC 52 (write the clipboard), OSC 8
#: (a hyperlink), OSC 0 (the window title), DCS, their 8-bit C1 forms, a bare ESC, BEL,
#: backspace, a carriage return that would overwrite a line, and bidi overrides.
HOSTILE_CONTROLS = (
    "A\x1b[2J\x1b[H\x1b[31mred\x1b[0m"
    "\x1b]52;c;cm0gLXJmIH4=\x07"
    "\x1b]8;;https://example.invalid/\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]0;window title\x07"
    "\x1bP+q544e\x1b\\"
    "\x9b2J\x9d0;c1 title\x9c"
    "\x1b bare\x07bell\x08\x08back pass\rFAIL "
    "\u202eevil\u202c\u2066iso\u2069 Z"
)

_SGR = re.compile(r"\x1b\[[0-9;]*m")
# What a terminal acts on: C0 but tab and newline, DEL, C1, and the bidi controls.
_TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


@dataclass(frozen=True)
class Output:
    """One output of a run: where it is (``label``), what kind, and its text."""

    label: str
    kind: OutputKind
    text: str


def terminal(label: str, captured: str | bytes) -> Output:
    """Captured terminal output (stdout, stderr, a pty) or a log, as an ``Output``."""
    if isinstance(captured, bytes):
        captured = captured.decode("utf-8", errors="replace")
    return Output(label, "text", captured)


def outputs_under(*roots: Path) -> list[Output]:
    """Every file below ``roots``, each read as its kind (by suffix; SQLite files by header)."""
    found: list[Output] = []
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            found.append(_read(path))
    return found


def _read(path: Path) -> Output:
    label = str(path)
    raw = path.read_bytes()
    if raw.startswith(b"SQLite format 3\x00"):
        return Output(label, "sqlite", _sqlite_rows(path))
    suffix = path.suffix.lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        suffix = ".key"
    if suffix in BINARY_SUFFIXES:
        return Output(label, "binary", raw.decode("latin-1"))
    if suffix in (".html", ".htm"):
        return Output(label, "html", text)
    if suffix in (".xml", ".svg"):
        return Output(label, "xml", text)
    if suffix == ".json":
        return Output(label, "json", text)
    return Output(label, "text", text)


def _sqlite_rows(path: Path) -> str:
    """Every text cell of every table, one row per line."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        lines = []
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                lines.append(" | ".join(str(cell) for cell in row if isinstance(cell, str)))
        return "\n".join(lines)
    except sqlite3.DatabaseError as exc:
        return f"<unreadable sqlite: {exc}>"
    finally:
        connection.close()


# -- markup -------------------------------------------------------------------------------------


def markup_problems(outputs: Iterable[Output]) -> list[str]:
    """Markup from a target that is markup again in some output; files that do not parse."""
    problems: list[str] = []
    for output in outputs:
        if output.kind == "binary":
            continue
        if INJECTED_TEMPLATE in output.text:
            problems.append(f"{output.label}: a template in a target's answer was evaluated")
        if output.kind == "html":
            problems += [f"{output.label}: {p}" for p in _html_problems(output.text)]
        elif output.kind == "xml":
            problems += [f"{output.label}: {p}" for p in _xml_problems(output.text)]
        elif output.kind == "json":
            problems += [f"{output.label}: {p}" for p in _json_problems(output.text)]
    return problems


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.problems.append(f"a script element runs {data.strip()[:60]!r}")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on") and "alert(" in text:
                self.problems.append(f"<{tag}> has an event handler {name}={value!r}")
            if name in _URL_ATTRIBUTES and re.sub(r"\s", "", text).startswith("javascript:"):
                self.problems.append(f"<{tag}> links to {value!r}")
        if tag in ("img", "svg") and any(name.startswith("on") for name, _ in attrs):
            self.problems.append(f"<{tag}> with an event handler was injected")


def _html_problems(text: str) -> list[str]:
    parser = _Elements()
    parser.feed(text)
    parser.close()
    problems = parser.problems
    for raw in ("<script>alert(1)", "<img src=x onerror", "<svg onload", '<a href="javascript:'):
        if raw in text:
            problems.append(f"{raw!r} appears unescaped")
    return problems


def _xml_problems(text: str) -> list[str]:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    problems = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject", "img", "a"):
            problems.append(f"an injected <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.startswith("on"):
                problems.append(f"<{tag}> has an event handler {local}={value!r}")
            if re.sub(r"\s", "", value.lower()).startswith("javascript:"):
                problems.append(f"<{tag}> links to {value!r}")
    return problems


def _json_problems(text: str) -> list[str]:
    try:
        json.loads(text)
    except ValueError as exc:
        return [f"not valid JSON: {exc}"]
    # Every JSON file is written so that no tag can open in it, even served as HTML.
    return ["a raw '<' (a tag could open if served as HTML)"] if "<" in text else []


# -- terminals ------------------------------------------------------------------------------------


def terminal_problems(outputs: Iterable[Output], *, allow_colours: bool = False) -> list[str]:
    """Escape sequences and control characters a terminal would act on, in any output.

    ``allow_colours`` accepts SGR sequences (``ESC [ … m``): what ``rich`` itself prints on a
    terminal. A pty's ``\\r\\n`` line ends are fine; any other carriage return is not.
    """
    problems: list[str] = []
    for output in outputs:
        if output.kind == "binary":
            continue
        text = output.text.replace("\r\n", "\n")
        if allow_colours:
            text = _SGR.sub("", text)
        for match in _TERMINAL_CONTROL.finditer(text):
            start = max(match.start() - 20, 0)
            context = text[start : match.end() + 20]
            problems.append(f"{output.label}: {match.group()!r} in {context!r}")
            break  # one per output is enough to see it
    return problems


# -- plain occurrences ------------------------------------------------------------------------


def occurrences(outputs: Iterable[Output], needles: Iterable[str]) -> list[str]:
    """``label: needle`` for every output that contains a needle (a secret, a payload)."""
    wanted = [needle for needle in needles if needle]
    return [
        f"{output.label}: contains {needle!r}"
        for output in outputs
        for needle in wanted
        if needle in output.text
    ]
