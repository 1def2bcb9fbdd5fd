"""What a front-end does with a check and its outcome without running it: it reads the
check's assertions (a bad one fails before anything reaches a target), masks and cuts an
outcome to what outputs show, and masks the traceback of a crash.

Kept apart from ``attempts`` (the running, on asyncio, with the probes) because a site build's
process only prepares checks and places outcomes; running is the workers' (``worker``).
"""

from __future__ import annotations

import traceback

from ..assertions import (
    Assertion,
    check_subject_for_kind,
    parse_assertion,
    with_default_expectations,
)
from ..errors import CheckDefinitionError
from ..model import AssertionSource, ResolvedCheck
from ..resolve import Redactor
from ..results import RunOutcome
from ..text import cut, shown_part


def shown(outcome: RunOutcome, redactor: Redactor) -> RunOutcome:
    """``outcome`` masked while whole, then cut to what outputs show (in place)."""
    redactor.outcome(outcome)
    outcome.message = cut(outcome.message)
    outcome.value = cut(outcome.value)
    outcome.detail = shown_part(outcome.detail)
    return outcome


def masked_traceback(redactor: Redactor) -> str:
    """The exception being handled, as text, masked (for debug logs)."""
    return redactor.text(traceback.format_exc())


def parse_assertions(resolved: ResolvedCheck) -> tuple[list[Assertion], list[Assertion]]:
    spec = resolved.spec

    def parse(source: AssertionSource) -> Assertion:
        try:
            assertion = parse_assertion(source.text)
            check_subject_for_kind(assertion, resolved.kind)
            return assertion
        except CheckDefinitionError as exc:
            raise CheckDefinitionError(
                f"`{source.text}`: {exc.message}", file=spec.page, line=source.line or spec.line
            ) from None

    expect = with_default_expectations(resolved.kind, [parse(a) for a in spec.expect])
    warn = [parse(a) for a in spec.warn]
    return expect, warn
