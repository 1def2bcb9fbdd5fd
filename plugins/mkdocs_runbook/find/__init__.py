"""Markdown → ``CheckBlock``: which fences are checks, exactly as SuperFences sees them.

The one home of "is this fence marked", the custom-fence list and every use of pymdownx
internals. A new way of marking a block goes here."""

from __future__ import annotations

from .marking import CHECK_FENCES, FENCE_OPTIONS, HIGHLIGHT_OPTIONS, block_key, is_marked
from .pages import (
    FenceInfo,
    decode_page,
    find_blocks,
    find_in_paths,
    front_matter,
    front_matter_offset,
    page_files,
    page_name,
    page_owner,
    parse_fence_info,
    read_page,
    text_mode_newlines,
    without_front_matter,
)
from .pymdownx_api import add_custom_fence, superfences_extension
from .site_markdown import site_setup, superfences_validator
from .superfences import custom_fences, highlight

__all__ = [
    "CHECK_FENCES",
    "FENCE_OPTIONS",
    "HIGHLIGHT_OPTIONS",
    "FenceInfo",
    "add_custom_fence",
    "block_key",
    "custom_fences",
    "decode_page",
    "find_blocks",
    "find_in_paths",
    "front_matter",
    "front_matter_offset",
    "highlight",
    "is_marked",
    "page_files",
    "page_name",
    "page_owner",
    "parse_fence_info",
    "read_page",
    "site_setup",
    "superfences_extension",
    "superfences_validator",
    "text_mode_newlines",
    "without_front_matter",
]
