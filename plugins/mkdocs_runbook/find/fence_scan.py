"""Fenced blocks exactly as ``pymdownx.superfences`` finds them, with their line numbers.

SuperFences does not parse Markdown structure to find fences: it is a preprocessor that walks
the page line by line before any block is parsed, so it finds a fence at any indentation and
behind any ``>`` prefix, inside admonitions, tabs and lists alike. Its rules differ from
CommonMark in ways that decide whether a check exists at all: the closing fence must repeat
the opening one exactly and sit at the same indentation, a body line indented less than the
opening fence abandons the block, an unclosed fence is no fence, and an info string it cannot
read makes the lines plain text again. SuperFences keeps no line numbers, so this module walks
the lines the same way (``SuperFencesBlockPreprocessor.search_nested`` and ``eval_*`` in
pymdown-extensions 13.1), reusing its regular expressions, and records where each block is.

The input lines must already look like SuperFences' input: tabs expanded and whitespace-only
lines emptied, as Python-Markdown's ``NormalizeWhitespace`` leaves them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown.extensions.attr_list import get_attrs_and_remainder

from .marking import HIGHLIGHT_OPTIONS, is_marked
from .pymdownx_api import NESTED_FENCE_END, PREFIX_CHARS, RE_NESTED_FENCE_START, RE_OPTIONS


@dataclass(frozen=True)
class FenceHeader:
    """An opening fence line as SuperFences reads it.

    ``values`` are the ``key="value"`` options (a bare word maps to itself) or, in the
    attribute-list form ``{.lang .class key="v" #id}``, the attributes other than classes and
    id. ``attr_form`` tells the two apart: SuperFences validates them differently.
    """

    fence: str
    lang: str
    values: dict[str, str] = field(default_factory=dict)
    classes: tuple[str, ...] = ()
    id_value: str = ""
    attr_form: bool = False


@dataclass(frozen=True)
class ScannedFence:
    """A closed fence: ``start`` is the index of its opening line, ``body`` its content as
    SuperFences hands it to a formatter."""

    start: int
    header: FenceHeader
    body: str


def read_fence_header(text: str) -> FenceHeader | None:
    """Read an opening fence (``text`` starts at the fence characters), or ``None`` when
    SuperFences would not read it as one (``relaxed_headers`` off, as by default)."""
    match = RE_NESTED_FENCE_START.match(text)
    if match is None or match.group("unrecognized"):
        return None
    fence = match.group("fence")
    lang = match.group("lang") or ""
    if match.group("attrs"):
        attributes, _ = get_attrs_and_remainder(match.group("attrs").replace("\t", "    "))
        classes: list[str] = []
        values: dict[str, str] = {}
        id_value = ""
        for key, value in attributes:
            if key == "id":
                id_value = value or ""
            elif key == ".":
                classes.append(value or "")
            else:
                values[key] = key if value is None else value
        if not lang and classes:
            lang = classes.pop(0)
        return FenceHeader(fence, lang, values, tuple(classes), id_value, attr_form=True)
    values = {}
    for option in RE_OPTIONS.finditer(match.group("options") or ""):
        key = option.group("key")
        value = option.group("value")
        values[key] = key if value is None else value
    return FenceHeader(fence, lang, values)


def accepted_by_superfences(header: FenceHeader) -> bool:
    """Whether SuperFences, with the checks' validator registered
    (``site_markdown.superfences_validator``), treats this line as a fence.

    The attribute-list form is always accepted. In the options form an option no validator
    claims makes SuperFences drop the fence and show its lines as text. A marked block claims
    all its options (the check parser then reports unknown ones, with a suggestion); any
    other fence is judged as the default highlighter judges it: only ``hl_lines``,
    ``linenums``, ``title`` and ``title_mode`` are claimed.
    """
    if header.attr_form or is_marked(header.lang, header.values, header.classes):
        return True
    return all(_valid_highlight_option(key, value) for key, value in header.values.items())


def _valid_highlight_option(key: str, value: str) -> bool:
    if key not in HIGHLIGHT_OPTIONS:
        return False
    pattern = HIGHLIGHT_OPTIONS[key]
    return pattern is None or pattern.match(value) is not None


@dataclass
class _OpenFence:
    start: int
    header: FenceHeader
    width: int
    quote_level: int
    closing: re.Pattern[str]
    code: list[str] = field(default_factory=list)
    empty_lines: int = 0


def _leading_prefix(line: str) -> str:
    """Every leading ``>``, space and tab (SuperFences' ``parse_whitespace``)."""
    end = 0
    while end < len(line) and line[end] in PREFIX_CHARS:
        end += 1
    return line[:end]


def _split_fence_line(line: str, width: int) -> tuple[str, str]:
    """At most ``width`` prefix characters, then the rest (SuperFences' ``parse_fence_line``)."""
    end = 0
    while end < len(line) and end < width and line[end] in PREFIX_CHARS:
        end += 1
    return line[:end], line[end:]


_CONTINUE, _CLOSE, _ABANDON = "continue", "close", "abandon"


def _step_plain(fence: _OpenFence, prefix: str, content: str) -> str:
    if not (prefix + content).strip():
        fence.empty_lines += 1
        fence.code.append(prefix + content)
        return _CONTINUE
    if len(prefix) != fence.width and content != "":
        return _ABANDON
    if fence.closing.match(content) and not content.startswith((" ", "\t")):
        return _CLOSE
    fence.empty_lines = 0
    fence.code.append(prefix + content)
    return _CONTINUE


def _step_quoted(fence: _OpenFence, prefix: str, content: str, quote_level: int) -> str:
    if quote_level > fence.quote_level:
        return _ABANDON
    if content == "":
        fence.code.append(prefix + content)
        fence.empty_lines += 1
        return _CONTINUE
    if len(prefix) < fence.width:
        return _ABANDON
    if fence.empty_lines and quote_level < fence.quote_level:
        return _ABANDON
    if fence.closing.match(content):
        return _CLOSE
    fence.empty_lines = 0
    fence.code.append(prefix + content)
    return _CONTINUE


def scan_fences(lines: Sequence[str]) -> list[ScannedFence]:
    """Every fence SuperFences would hand to a formatter, ours or not, in page order."""
    found: list[ScannedFence] = []
    fence: _OpenFence | None = None
    for index, line in enumerate(lines):
        if fence is None:
            prefix = _leading_prefix(line)
            header = read_fence_header(line[len(prefix) :])
            if header is not None and accepted_by_superfences(header):
                closing = re.compile(NESTED_FENCE_END % header.fence)
                fence = _OpenFence(index, header, len(prefix), prefix.count(">"), closing)
            continue
        prefix, content = _split_fence_line(line, fence.width)
        quote_level = prefix.count(">")
        if fence.quote_level:
            step = _step_quoted(fence, prefix, content, quote_level)
        elif quote_level == 0:
            step = _step_plain(fence, prefix, content)
        else:
            step = _ABANDON
        if step == _CLOSE:
            body = "\n".join(code[fence.width :] for code in fence.code)
            found.append(ScannedFence(fence.start, fence.header, body))
        if step != _CONTINUE:
            # Like SuperFences, the line that ends or abandons a fence never opens a new one.
            fence = None
    return found
