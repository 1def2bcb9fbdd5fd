"""Markdown → ``CheckBlock``: which fences are checks, exactly as SuperFences sees them.

The one home of "is this fence marked", the custom-fence list and every use of pymdownx
internals. A new way of marking a block goes here."""

from __future__ import annotations

from .marking import FENCE_OPTIONS, HIGHLIGHT_OPTIONS, is_marked
from .pages import FenceInfo, decode_page, find_blocks, find_in_paths, parse_fence_info
from .superfences import custom_fences, highlight

__all__ = [
    "FENCE_OPTIONS",
    "HIGHLIGHT_OPTIONS",
    "FenceInfo",
    "custom_fences",
    "decode_page",
    "find_blocks",
    "find_in_paths",
    "highlight",
    "is_marked",
    "parse_fence_info",
]
