"""``CheckSpec`` → ``ResolvedCheck``: environment variables, secrets, catalog ``use``, allowed
hosts, and the redaction of secrets from every output.

Exports load at first use (``lazy``): a check worker uses the hosts and the redaction, not
``checks``, which would load the parser and Markdown with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

if TYPE_CHECKING:
    from .checks import COMMAND_KINDS, CheckCatalog, resolve_check
    from .environment import base_environment
    from .hosts import (
        URL_KINDS,
        Endpoint,
        HostPolicy,
        HttpTarget,
        InvalidTarget,
        check_allowed_host,
        counted_endpoint,
        parse_address,
        parse_http_target,
        parse_url,
        target_endpoint,
    )
    from .redact import MASK, Redactor
    from .templates import Templates

__all__ = [
    "COMMAND_KINDS",
    "MASK",
    "URL_KINDS",
    "CheckCatalog",
    "Endpoint",
    "HostPolicy",
    "HttpTarget",
    "InvalidTarget",
    "Redactor",
    "Templates",
    "base_environment",
    "check_allowed_host",
    "counted_endpoint",
    "parse_address",
    "parse_http_target",
    "parse_url",
    "resolve_check",
    "target_endpoint",
]

__getattr__ = exports(
    __name__,
    {
        "checks": ("COMMAND_KINDS", "CheckCatalog", "resolve_check"),
        "environment": ("base_environment",),
        "hosts": (
            "URL_KINDS",
            "Endpoint",
            "HostPolicy",
            "HttpTarget",
            "InvalidTarget",
            "check_allowed_host",
            "counted_endpoint",
            "parse_address",
            "parse_http_target",
            "parse_url",
            "target_endpoint",
        ),
        "redact": ("MASK", "Redactor"),
        "templates": ("Templates",),
    },
)
