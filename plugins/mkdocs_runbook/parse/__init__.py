"""``CheckBlock`` → ``CheckSpec`` or ``BrokenCheck``: the check schema, curl conversion, YAML
with line numbers and the catalog. A new key of a check block goes here."""

from __future__ import annotations

from .blocks import parse_blocks, unreadable_page_check
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
    "unreadable_page_check",
]
