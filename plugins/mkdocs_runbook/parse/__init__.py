"""``CheckBlock`` → ``CheckSpec`` or ``BrokenCheck``: the check schema, curl conversion, YAML
with line numbers and the catalog. A new key of a check block goes here.

Exports load at first use (``lazy``): a check worker running a console check needs
``console`` alone, not the block parser with the finder and Markdown behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

if TYPE_CHECKING:
    from .blocks import parse_blocks, parse_page, unreadable_page_check
    from .catalog import Catalog, load_catalog
    from .curl import CurlNotConvertible, CurlRequest, curl_to_http, is_single_curl
    from .schema import ALLOWED_KEYS, build_spec

__all__ = [
    "ALLOWED_KEYS",
    "Catalog",
    "CurlNotConvertible",
    "CurlRequest",
    "build_spec",
    "curl_to_http",
    "is_single_curl",
    "load_catalog",
    "parse_blocks",
    "parse_page",
    "unreadable_page_check",
]

__getattr__ = exports(
    __name__,
    {
        "blocks": ("parse_blocks", "parse_page", "unreadable_page_check"),
        "catalog": ("Catalog", "load_catalog"),
        "curl": ("CurlNotConvertible", "CurlRequest", "curl_to_http", "is_single_curl"),
        "schema": ("ALLOWED_KEYS", "build_spec"),
    },
)
