"""Which check fences a MkDocs site actually shows, decided by the site's own Markdown library.

SuperFences hands every fence it finds to a formatter before Markdown structure is parsed;
Python-Markdown then puts a fence that lands in an indented code block back as literal text.
Whether that happens depends on Python-Markdown's block rules (its four-space lists, a fence
being paragraph text to what follows it, admonitions that run on across blank lines), which
CommonMark parsers do not share. So the page is converted here with Python-Markdown and the
extensions the site lists (``site_setup``; without a site, those of a typical Material for
MkDocs site), with check fences registered the way the plugin registers them, and a fence
counts as shown when its formatter's output reaches the HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import markdown

from ..settings import MarkdownSetup, NotInstalled
from .marking import custom_fences, is_marked
from .pymdownx_api import highlight_validator

#: Python-Markdown's tab length (MkDocs keeps the default): container bodies are indented by it.
TAB_LENGTH = 4

SUPERFENCES = "pymdownx.superfences"

#: The block-level extensions of a Material for MkDocs site that can hold a fence: what the
#: finder assumes when there is no mkdocs.yml to say.
MATERIAL_SITE = MarkdownSetup(
    extensions=(
        "admonition",
        "attr_list",
        "def_list",
        "footnotes",
        "md_in_html",
        "pymdownx.details",
        "pymdownx.tabbed",
    ),
    configs={"pymdownx.tabbed": {"alternate_style": True}},
)

#: Extensions that work inside a block's text (or on the finished HTML) and so cannot decide
#: whether a fence is shown. Left out of the finder's conversion: they would only cost time,
#: and some take objects from a theme a runner has not installed (Material's emoji index).
#: ``fenced_code`` is replaced by SuperFences; ``pymdownx.snippets`` is expanded beforehand.
CANNOT_HIDE_A_FENCE = frozenset(
    {
        "codehilite",
        "fenced_code",
        "legacy_attrs",
        "legacy_em",
        "nl2br",
        "smarty",
        "toc",
        "wikilinks",
        "pymdownx.b64",
        "pymdownx.betterem",
        "pymdownx.bracketspan",
        "pymdownx.caret",
        "pymdownx.emoji",
        "pymdownx.escapeall",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.keys",
        "pymdownx.magiclink",
        "pymdownx.mark",
        "pymdownx.pathconverter",
        "pymdownx.progressbar",
        "pymdownx.smartsymbols",
        "pymdownx.snippets",
        "pymdownx.striphtml",
        "pymdownx.tasklist",
        "pymdownx.tilde",
    }
)


def _short_name(extension: str) -> str:
    """``markdown.extensions.toc`` and ``toc:TocExtension`` → ``toc``."""
    return extension.split(":", 1)[0].removeprefix("markdown.extensions.")


def site_setup(
    extensions: Sequence[str], configs: Mapping[str, Mapping[str, Any]]
) -> tuple[MarkdownSetup, list[tuple[str, str]]]:
    """The part of a site's ``markdown_extensions`` that decides where its fences can sit,
    and ``(extension, problem)`` for each such extension that cannot be loaded here: not
    installed, naming an object that is not installed, or refusing its options. Those are
    left out, so the finder sees the page as if they were off, which can differ from what the
    site build shows."""
    kept: dict[str, dict[str, Any]] = {}
    problems: list[tuple[str, str]] = []
    for name in extensions:
        if _short_name(name) in CANNOT_HIDE_A_FENCE or name in kept:
            continue
        options = dict(configs.get(name) or {})
        if _short_name(name) == SUPERFENCES:
            options.pop("custom_fences", None)  # the finder registers its own
        missing = _not_installed(options)
        if missing is not None:
            problems.append((name, f"uses {missing.name!r}, which is not installed"))
            continue
        try:
            markdown.Markdown(extensions=[name], extension_configs={name: options})
        except ImportError:
            problems.append((name, "is not installed"))
            continue
        except Exception as exc:  # any extension's own complaint about its options
            problems.append((name, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        kept[name] = options
    return MarkdownSetup(tuple(kept), kept), problems


def _not_installed(value: object) -> NotInstalled | None:
    """The first object of an extension's options that is not installed here, if any."""
    if isinstance(value, NotInstalled):
        return value
    items = list(value.values()) if isinstance(value, Mapping) else value
    if isinstance(items, list | tuple):
        return next((found for item in items if (found := _not_installed(item))), None)
    return None


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


def formatted_checks(text: str, setup: MarkdownSetup | None = None) -> list[FormattedCheck]:
    """Every marked fence the site's SuperFences formats, in page order, and whether it shows
    with the extensions of ``setup`` (default: ``MATERIAL_SITE``)."""
    setup = setup or MATERIAL_SITE
    recorder = _Recorder()
    fences = custom_fences(recorder.format, superfences_validator)
    extensions = [name for name in setup.extensions if _short_name(name) != SUPERFENCES]
    configs = {name: dict(setup.configs.get(name) or {}) for name in extensions}
    superfences = next((n for n in setup.extensions if _short_name(n) == SUPERFENCES), None)
    site_options = dict(setup.configs.get(superfences) or {}) if superfences else {}
    configs[SUPERFENCES] = {**site_options, "custom_fences": fences}
    converter = markdown.Markdown(
        extensions=[*extensions, SUPERFENCES],
        extension_configs=configs,
        tab_length=TAB_LENGTH,
    )
    html = converter.convert(text)
    return [
        FormattedCheck(lang, body, recorder.marker(index) in html)
        for index, (lang, body) in enumerate(recorder.calls)
    ]
