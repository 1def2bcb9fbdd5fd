"""Every use of pymdown-extensions' internals, in one place.

The finder must see fences and snippets exactly as SuperFences and Snippets do, so it reuses
their regular expressions and helpers rather than guessing. Those are not a public API: they
move between releases. Supported: 11.0 (the version Backstage TechDocs' ``mkdocs-techdocs-core``
pins) up to the cap in pyproject.toml; both ends are tested (``make test`` runs the finder's
tests in a virtualenv with the lowest declared versions). Where a helper exists only in newer
releases, the fallback does what the older release's own ``parse_snippets`` does inline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from markdown import Markdown
from pymdownx import util
from pymdownx.snippets import SnippetExtension, SnippetPreprocessor
from pymdownx.superfences import (
    NESTED_FENCE_END,
    PREFIX_CHARS,
    RE_HL_LINES,
    RE_LINENUMS,
    RE_NESTED_FENCE_START,
    RE_OPTIONS,
    _formatter,
    _validator,
    highlight_validator,
)

try:  # 13.x
    from pymdownx.superfences import _reset, default_reset
except ImportError:  # 11.x
    _reset = default_reset = None

__all__ = [
    "NESTED_FENCE_END",
    "PREFIX_CHARS",
    "RE_HL_LINES",
    "RE_LINENUMS",
    "RE_NESTED_FENCE_START",
    "RE_OPTIONS",
    "SnippetExtension",
    "SnippetPreprocessor",
    "add_custom_fence",
    "default_formatter",
    "highlight_validator",
    "match_section",
    "parse_snippet_target",
    "select_snippet_lines",
    "superfences_extension",
]


def match_section(snippets: SnippetPreprocessor, line: str) -> re.Match[str] | None:
    """A ``--8<-- [start:name]`` section marker in ``line``, if there is one."""
    if hasattr(snippets, "match_section"):  # 13.1+
        return snippets.match_section(line)  # type: ignore[no-any-return]
    return snippets.RE_SNIPPET_SECTION.match(line)  # type: ignore[no-any-return]


def parse_snippet_target(snippets: SnippetPreprocessor, path: str) -> dict[str, Any] | None:
    """``file.md:1:5``, ``file.md:1:2,8:9`` or ``file.md:name`` as ``path``, ``start``,
    ``end`` and ``section``; ``None`` when there is no path."""
    if hasattr(snippets, "parse_snippet_target"):  # 13.1+
        return snippets.parse_snippet_target(path)  # type: ignore[no-any-return]
    match = snippets.RE_SNIPPET_FILE.match(path)
    file_path = "" if match is None else match.group(1).strip()
    if match is None or not file_path:
        return None
    start: list[int | None] = []
    end: list[int | None] = []
    section = None
    if match.group(2):
        for numbers in match.group(2)[1:].split(","):
            span = numbers.split(":")
            first = int(span[0]) if span[0] else None
            start.append(first if first is None or first < 0 else max(0, first - 1))
            end.append(int(span[1]) if len(span) > 1 and span[1] else None)
    elif match.group(3):
        section = match.group(3)[1:]
    return {"path": file_path, "start": start, "end": end, "section": section}


def select_snippet_lines(
    snippets: SnippetPreprocessor, lines: list[str], target: dict[str, Any]
) -> list[str]:
    """The lines a target asks for: its line ranges, its section, or all of them."""
    if hasattr(snippets, "select_snippet_lines"):  # 13.1+
        return snippets.select_snippet_lines(lines, target)  # type: ignore[no-any-return]
    if not lines:
        return lines
    if target["start"] and target["end"]:
        total = len(lines)
        selected: list[str] = []
        for first, last in zip(target["start"], target["end"], strict=True):
            begin = util.clamp(total + first, 0, total) if first and first < 0 else first
            stop = util.clamp(total + 1 + last, 0, total) if last and last < 0 else last
            selected.extend(lines[slice(begin, stop, None)])
        return snippets.dedent(selected) if snippets.dedent_subsections else selected
    if target["section"]:
        return snippets.extract_section(target["section"], lines)  # type: ignore[no-any-return]
    return lines


def superfences_extension(md: Markdown) -> Any:
    """The SuperFences extension whose preprocessor this Markdown instance runs, if any."""
    if "fenced_code_block" not in md.preprocessors:
        return None
    extension = getattr(md.preprocessors["fenced_code_block"], "extension", None)
    return extension if hasattr(extension, "superfences") else None


def default_formatter(md: Markdown) -> Callable[..., Any]:
    """SuperFences' formatter for ordinary fences (Pygments or plain, as the site set it)."""
    return superfences_extension(md).superfences[0]["formatter"]  # type: ignore[no-any-return]


def add_custom_fence(
    superfences: Any,
    name: str,
    formatter: Callable[..., str],
    validator: Callable[..., bool],
    class_name: str = "runbook",
) -> None:
    """Route fences of language ``name`` to ``formatter``, as a ``custom_fences`` entry in the
    site's configuration would; once (later calls for the same name do nothing)."""
    if any(entry["name"] == name for entry in superfences.superfences):
        return
    # Wrapped exactly as SuperFences wraps configured custom fences.
    wrapped_format = functools.partial(_formatter, class_name=class_name, _fmt=formatter)
    wrapped_validator = functools.partial(_validator, validator=validator)
    if _reset is None:  # 11.x: no per-fence reset hook
        superfences.extend_super_fences(name, wrapped_format, wrapped_validator)
    else:
        reset = functools.partial(_reset, _reset=default_reset)
        superfences.extend_super_fences(name, wrapped_format, wrapped_validator, reset)
