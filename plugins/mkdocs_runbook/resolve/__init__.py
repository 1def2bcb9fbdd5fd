"""``CheckSpec`` → ``ResolvedCheck``: environment variables, secrets, catalog ``use``, allowed
hosts, and the redaction of secrets from every output."""

from __future__ import annotations

from .checks import COMMAND_KINDS, CheckCatalog, Templates, check_allowed_host, resolve_check
from .redact import MASK, Redactor

__all__ = [
    "COMMAND_KINDS",
    "MASK",
    "CheckCatalog",
    "Redactor",
    "Templates",
    "check_allowed_host",
    "resolve_check",
]
