"""Markdown → ``CheckBlock``: which fences are checks, exactly as SuperFences sees them.

The one home of "is this fence marked", the custom-fence list and every use of pymdownx
internals. A new way of marking a block goes here."""

from __future__ import annotations

from .pages import FenceInfo, find_blocks, find_in_paths, parse_fence_info, without_front_matter
from .superfences import custom_fences, highlight, is_marked

__all__ = [
    "FenceInfo",
    "custom_fences",
    "find_blocks",
    "find_in_paths",
    "highlight",
    "is_marked",
    "parse_fence_info",
    "without_front_matter",
]
