"""SuperFences wiring: which fences are ours and how unmarked ones stay ordinary code.

``check`` fences are always checks. Shell fences (``bash``, ``sh``, ``shell``, ``console``) are
checks only when marked: ``bash check name="x"`` reaches the validator with a ``check`` input,
while ``{.bash .check}`` reaches only the formatter, as a ``check`` class (pymdown-extensions
13.1). So the validator (``site_markdown.superfences_validator``, shared with the finder so
the command line finds what the site runs) judges unmarked blocks exactly as the default
highlighter would, and the formatter hands them to SuperFences' own highlighter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown import Markdown

from .marking import FENCE_OPTIONS
from .marking import custom_fences as _custom_fences
from .pymdownx_api import default_formatter
from .site_markdown import superfences_validator

#: Info-string keys that belong to the check, not to the highlighter.
CHECK_OPTIONS = frozenset({"check", *FENCE_OPTIONS})

Formatter = Callable[..., str]


def custom_fences(formatter: Formatter) -> list[dict[str, Any]]:
    """The ``custom_fences`` entries to add to ``pymdownx.superfences``."""
    return _custom_fences(formatter, superfences_validator)


def highlight(src: str, language: str, options: dict[str, Any], md: Markdown, **kwargs: Any) -> str:
    """Render a block with SuperFences' default formatter (Pygments or plain, as configured)."""
    default = default_formatter(md)
    arguments = {"classes": [], "id_value": "", "attrs": {}, **kwargs}
    arguments["classes"] = [c for c in arguments["classes"] if c != "check"]
    clean = {k: v for k, v in options.items() if k not in CHECK_OPTIONS}
    return str(default(src=src, language=language, options=clean, md=md, **arguments))
