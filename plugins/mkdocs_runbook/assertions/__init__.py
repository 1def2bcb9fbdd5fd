"""The assertion language, shared by every target kind: syntax, literals, values and
evaluation. A new operator or subject goes here."""

from __future__ import annotations

from .evaluate import (
    available_subjects,
    check_subject_for_kind,
    evaluate,
    with_default_expectations,
)
from .syntax import Assertion, Subject, parse_assertion

__all__ = [
    "Assertion",
    "Subject",
    "available_subjects",
    "check_subject_for_kind",
    "evaluate",
    "parse_assertion",
    "with_default_expectations",
]
