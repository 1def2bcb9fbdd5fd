"""Pages converted as the site converts them, for the command line: their outline (anchors,
headings, where each check sits) and their checks.

Heading ids are not guessed. Each page goes through Python-Markdown with the site's own
``markdown_extensions`` and their settings (``toc`` slugify, separator, permalink, baselevel;
``attr_list``; snippets), MkDocs' built-in ``toc``, ``tables`` and ``fenced_code`` included, and
with check fences registered the way the plugin registers them, each leaving a marker where
the site would show its badge.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown

from ..engine import CheckItem
from ..errors import ConfigError
from ..find import (
    block_key,
    custom_fences,
    find_blocks,
    highlight,
    is_marked,
    without_front_matter,
)
from ..parse import parse_blocks
from ..settings import NotInstalled, SiteSettings
from ..text import whole_number
from .outline import PageOutline, outline_from_html

__all__ = ["ConvertedPage", "SiteConverter"]

#: Extensions MkDocs always loads before the site's own (``mkdocs.config.defaults``).
MKDOCS_BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")
_SUPERFENCES = "pymdownx.superfences"
_SNIPPETS = "pymdownx.snippets"
_MARKER = "data-runbook-alerts-check"


@dataclass
class ConvertedPage:
    """A page's outline and its checks (``page`` of each: the source path below docs_dir)."""

    outline: PageOutline
    items: list[CheckItem] = field(default_factory=list)


class SiteConverter:
    """Converts pages of one site with its Markdown settings."""

    def __init__(self, site: SiteSettings, *, snippet_dirs: Sequence[Path] = ()) -> None:
        self.site = site
        self.snippet_dirs = list(snippet_dirs)
        names = [str(name) for name in site.markdown_extensions]
        builtins = [name for name in MKDOCS_BUILTIN_EXTENSIONS if name not in names]
        self.extensions = [*builtins, *names]
        if _SUPERFENCES not in self.extensions:
            self.extensions.append(_SUPERFENCES)
        #: Why heading ids may differ from the site's: what could not be loaded here.
        self.warnings: list[str] = []
        self.extensions, self.configs = self._loadable(self.extensions, site.mdx_configs)
        if _SNIPPETS in self.extensions and self.snippet_dirs:
            # MkDocs resolves snippet paths from where it runs; ours are already absolute.
            snippets = dict(self.configs.get(_SNIPPETS) or {})
            snippets["base_path"] = [str(path) for path in self.snippet_dirs]
            self.configs[_SNIPPETS] = snippets

    def _loadable(
        self, names: list[str], configs: Mapping[str, Mapping[str, Any]]
    ) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """The extensions that load here, with their options (copied: superfences' and
        snippets' are changed); a warning for each extension or option left out. A runner
        needs neither the site's theme nor its other packages installed (``site_config``)."""
        kept: dict[str, dict[str, Any]] = {}
        for name in names:
            options: dict[str, Any] = {}
            for key, value in (configs.get(name) or {}).items():
                missing = _not_installed(value)
                if missing is None:
                    options[key] = value
                else:
                    self.warnings.append(
                        f"Markdown extension '{name}': option '{key}' names '{missing.name}', "
                        "which is not installed: heading ids are read without the option"
                    )
            try:
                markdown.Markdown(extensions=[name], extension_configs={name: options})
            except Exception as exc:  # not installed, or refusing its options
                reason = "is not installed" if isinstance(exc, ImportError) else f"fails: {exc}"
                self.warnings.append(
                    f"Markdown extension '{name}' {reason}: heading ids are read without it"
                )
                continue
            kept[name] = options
        return list(kept), kept

    def convert(self, src_uri: str) -> ConvertedPage:
        """The outline and checks of ``docs_dir/src_uri``; ``ConfigError`` when it cannot be
        read or converted (naming the file)."""
        path = self.site.docs_dir / src_uri
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the page {path.as_posix()}: {exc}") from None
        blocks = find_blocks(
            text, src_uri, snippet_dirs=self.snippet_dirs, confirm_with_markdown=False
        )
        items = parse_blocks(blocks)
        waiting: dict[str, deque[CheckItem]] = defaultdict(deque)
        for block, item in zip(blocks, items, strict=True):
            waiting[block_key(block.lang, block.body)].append(item)
        shown: list[str | None] = []

        def format_fence(
            src: str,
            language: str,
            class_name: str,
            options: dict[str, Any],
            md: markdown.Markdown,
            **kwargs: Any,
        ) -> str:
            if not is_marked(language, options, kwargs.get("classes") or []):
                return highlight(src, language, options, md, **kwargs)
            queue = waiting.get(block_key(language, src))
            shown.append(queue.popleft().id if queue else None)
            return f'<div {_MARKER}="{len(shown) - 1}"></div>'

        try:
            html = self._markdown(format_fence).convert(without_front_matter(text))
        except Exception as exc:  # an extension's own failure is about this page, not a crash
            raise ConfigError(f"cannot convert the page {path.as_posix()}: {exc}") from None

        def check_of(attributes: dict[str, str | None]) -> str | None:
            number = whole_number(attributes.get(_MARKER) or "")
            if number is None or number >= len(shown):
                return None
            return shown[number]

        outline = outline_from_html(html, check_of)
        placed = set(outline.checks)
        return ConvertedPage(outline, [item for item in items if item.id in placed])

    def _markdown(self, formatter: Any) -> markdown.Markdown:
        configs = dict(self.configs)
        superfences = dict(configs.get(_SUPERFENCES) or {})
        fences = [f for f in superfences.get("custom_fences", []) if f.get("class") != "runbook"]
        superfences["custom_fences"] = fences + custom_fences(formatter)
        configs[_SUPERFENCES] = superfences
        return markdown.Markdown(extensions=self.extensions, extension_configs=configs)


def _not_installed(value: object) -> NotInstalled | None:
    """The first object from a package that is not installed inside an option's value."""
    if isinstance(value, NotInstalled):
        return value
    items: list[object] = []
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list | tuple):
        items = list(value)
    for item in items:
        found = _not_installed(item)
        if found is not None:
            return found
    return None
