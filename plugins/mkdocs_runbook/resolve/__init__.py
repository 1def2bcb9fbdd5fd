"""``CheckSpec`` → ``ResolvedCheck``: environment variables, secrets, catalog ``use``, allowed
hosts, and the redaction of secrets from every output."""

from __future__ import annotations

from .checks import COMMAND_KINDS, CheckCatalog, check_allowed_host, resolve_check
from .environment import base_environment
from .redact import MASK, Redactor
from .templates import Templates

__all__ = [
    "COMMAND_KINDS",
    "MASK",
    "CheckCatalog",
    "Redactor",
    "Templates",
    "base_environment",
    "check_allowed_host",
    "resolve_check",
]
