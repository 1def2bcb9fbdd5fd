"""The one home of "is this fence a check": which fences are ours, how a shell fence is
marked, and which info-string options belong to the check rather than to the highlighter.

The finder, the site-accurate Markdown pass and the plugin's SuperFences wiring all ask here,
so the command line and the build can never disagree about what runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..model import SHELL_LANGUAGES
from .pymdownx_api import RE_HL_LINES, RE_LINENUMS

#: Fence languages registered as SuperFences custom fences: ``check`` and the shell ones.
CHECK_FENCES: tuple[str, ...] = ("check", *sorted(SHELL_LANGUAGES))

#: Info-string options a marked shell fence gives its check (``bash check name="x"``).
FENCE_OPTIONS: tuple[str, ...] = ("name", "id", "tags", "timeout", "retries", "skip")

#: Options the default highlighter accepts (``superfences.highlight_validator`` with Pygments),
#: with the pattern a value must match (``None``: any); any other option makes SuperFences
#: refuse an unmarked fence.
HIGHLIGHT_OPTIONS: Mapping[str, re.Pattern[str] | None] = {
    "hl_lines": RE_HL_LINES,
    "linenums": RE_LINENUMS,
    "title": None,
    "title_mode": None,
}


def is_marked(language: str, options: Mapping[str, Any], classes: Iterable[str]) -> bool:
    """A ``check`` fence, or a shell fence marked with ``check`` (an option or a class)."""
    if language == "check":
        return True
    return language in SHELL_LANGUAGES and ("check" in options or "check" in classes)


def block_key(lang: str, body: str) -> str:
    """What identifies a fence between the finder and SuperFences' formatter: its language
    and its text, with the whitespace the two see differently left out."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    return f"{lang}\n" + "\n".join(lines).strip()


def custom_fences(
    formatter: Callable[..., str], validator: Callable[..., bool]
) -> list[dict[str, Any]]:
    """The ``custom_fences`` entries that route check and shell fences to ``formatter``."""
    return [
        {"name": name, "class": "runbook", "validator": validator, "format": formatter}
        for name in CHECK_FENCES
    ]
