"""Which check fences a MkDocs site actually shows, decided by the site's own Markdown library.

SuperFences hands every fence it finds to a formatter before Markdown structure is parsed;
Python-Markdown then puts a fence that lands in an indented code block back as literal text.
Whether that happens depends on Python-Markdown's block rules (its four-space lists, a fence
being paragraph text to what follows it, admonitions that run on across blank lines), which
CommonMark parsers do not share. So the page is converted here with Python-Markdown and the
extensions a Material for MkDocs site uses, with check fences registered the way the plugin
registers them, and a fence counts as shown when its formatter's output reaches the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import markdown

from .marking import custom_fences, is_marked
from .pymdownx_api import highlight_validator

#: Python-Markdown's tab length (MkDocs keeps the default): container bodies are indented by it.
TAB_LENGTH = 4

#: The block-level extensions of a Material for MkDocs site that can hold a fence.
SITE_EXTENSIONS: tuple[str, ...] = (
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "pymdownx.details",
    "pymdownx.tabbed",
    "pymdownx.superfences",
)


@dataclass(frozen=True)
class FormattedCheck:
    """A marked fence SuperFences formatted, and whether the formatted block is in the page."""

    lang: str
    body: str
    shown: bool


def superfences_validator(
    language: str,
    inputs: dict[str, str],
    options: dict[str, Any],
    attrs: dict[str, Any],
    md: markdown.Markdown,
) -> bool:
    """SuperFences validator for ``check`` and shell fences.

    A marked fence keeps every option (a misspelt one becomes a check error with a suggestion,
    instead of SuperFences silently showing the block as text); anything else is judged as the
    default highlighter judges it, so unmarked blocks are fences exactly when they were before.
    ``fence_scan.accepted_by_superfences`` states the same rule for the line scan.
    """
    if is_marked(language, inputs, ()):
        options.update(inputs)
        return True
    return bool(highlight_validator(language, inputs, options, attrs, md))


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def marker(self, index: int) -> str:
        return f'<div data-runbook-found="{index}"></div>'

    def format(
        self,
        src: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: markdown.Markdown,
        **kwargs: Any,
    ) -> str:
        if not is_marked(language, options, kwargs["classes"]):
            return ""
        self.calls.append((language, src))
        return self.marker(len(self.calls) - 1)


def formatted_checks(text: str) -> list[FormattedCheck]:
    """Every marked fence the site's SuperFences formats, in page order, and whether it shows."""
    recorder = _Recorder()
    fences = custom_fences(recorder.format, superfences_validator)
    converter = markdown.Markdown(
        extensions=list(SITE_EXTENSIONS),
        extension_configs={
            "pymdownx.superfences": {"custom_fences": fences},
            "pymdownx.tabbed": {"alternate_style": True},
        },
        tab_length=TAB_LENGTH,
    )
    html = converter.convert(text)
    return [
        FormattedCheck(lang, body, recorder.marker(index) in html)
        for index, (lang, body) in enumerate(recorder.calls)
    ]
