"""The assertion language of SPEC section 3, shared by every check kind.

``parse_assertion`` reads ``[not] SUBJECT OP VALUE`` (``assertion_syntax``),
``check_subject_for_kind`` tells the author when a subject does not exist for the check's kind,
``with_default_expectations`` adds the kind's default (SPEC 2) unless ``expect`` already asserts
on that subject, and ``evaluate`` judges one assertion against the subjects a probe measured
(``probes`` lists the keys), never raising: a miss or a nonsensical comparison is a result that
says why in words.

``$JSONPATH`` and ``metric`` subjects can select many values: every one must satisfy the
assertion, and selecting none is a miss, except for ``not … exists``. ``exists`` asks only
whether the subject is there (a JSON path selects a node, whatever its value: ``[]``, ``null``,
``0`` and ``""`` all exist); ``empty`` asks whether a value is ``null``, ``""``, ``[]`` or ``{}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import model
from ..errors import AssertionSyntaxError
from ..readable import readable_path
from ..results import AssertionResult
from ..text import closest, did_you_mean
from .syntax import (
    DURATION_SUBJECTS,
    Assertion,
    Subject,
    format_labels,
    parse_assertion,
    subject_column,
)
from .values import Incomparable, describe, holds, jsonable

__all__ = [
    "Assertion",
    "Subject",
    "available_subjects",
    "check_subject_for_kind",
    "evaluate",
    "parse_assertion",
    "with_default_expectations",
]

#: The check kinds that offer each parameterised subject, and how the docs write it.
_PARAMETERISED_KINDS: dict[str, tuple[str, ...]] = {
    "header": ("http",),
    "jsonpath": ("http",),
    "metric": ("metrics",),
}
_PARAMETERISED_SYNTAX: dict[str, str] = {
    "header": "header NAME",
    "jsonpath": "$JSONPATH",
    "metric": 'metric NAME{label="v"}',
}
#: How many failing values a message names before it says "…".
_MISSES_SHOWN = 3


def available_subjects(kind: str) -> list[str]:
    """The subjects a kind offers, as an author writes them, for messages and docs."""
    plain = sorted(model.SUBJECTS_BY_KIND.get(kind, ()))
    return plain + [
        _PARAMETERISED_SYNTAX[subject_kind]
        for subject_kind, kinds in _PARAMETERISED_KINDS.items()
        if kind in kinds
    ]


def check_subject_for_kind(assertion: Assertion, kind: str) -> None:
    """Raise ``AssertionSyntaxError`` when ``kind`` checks do not measure the subject."""
    subject = assertion.subject
    column = subject_column(assertion.text)
    hint = ""
    if subject.kind == "plain":
        offered = model.SUBJECTS_BY_KIND.get(kind, frozenset())
        if subject.name in offered:
            return
        problem = f"unknown subject {subject.name!r} at column {column} for {kind} checks"
        meant = closest(subject.name, sorted(offered))
        if meant is not None:
            hint = f" — did you mean {meant!r}?"
    else:
        kinds = _PARAMETERISED_KINDS[subject.kind]
        if kind in kinds:
            return
        where = " and ".join(kinds)
        problem = f"{str(subject)!r} at column {column} only works in {where} checks, not {kind}"
    choices = ", ".join(available_subjects(kind)) or "none"
    raise AssertionSyntaxError(
        f"{problem}{hint} ({kind} checks offer: {choices})", text=assertion.text, column=column
    )


@functools.cache
def _default_expectations(kind: str) -> tuple[Assertion, ...]:
    return tuple(parse_assertion(text) for text in model.DEFAULT_EXPECT.get(kind, ()))


def with_default_expectations(kind: str, expect: list[Assertion]) -> list[Assertion]:
    """The kind's defaults first, minus any whose subject ``expect`` already asserts on
    (``status == 401`` replaces ``status < 400``), then ``expect`` as given."""
    asserted = {assertion.subject.key for assertion in expect}
    defaults = [d for d in _default_expectations(kind) if d.subject.key not in asserted]
    return defaults + list(expect)


class _NotMeasured(Exception):
    """The subject is missing from what the probe measured; the message says so."""


@dataclass
class _Measured:
    """The values a subject took, as ``(where, value)`` pairs (``where`` names the JSON node
    or the series). ``many`` when the result lists them instead of showing the one value."""

    values: list[tuple[str, Any]]
    many: bool = False


def _measure(subject: Subject, op: str, subjects: Mapping[str, Any]) -> _Measured:
    if subject.kind == "plain":
        if subject.name in subjects:
            return _Measured([(subject.name, subjects[subject.name])])
        if op == "exists":
            return _Measured([])
        raise _NotMeasured(f"no {subject.name!r} measured")
    if subject.kind == "header":
        headers = subjects.get("headers")
        if not isinstance(headers, Mapping):
            raise _NotMeasured("no response headers measured")
        wanted = subject.name.lower()
        found = [(str(subject), v) for name, v in headers.items() if str(name).lower() == wanted]
        if op == "exists":
            return _Measured(found[:1])
        return _Measured(found[:1] or [(str(subject), None)])
    if subject.kind == "jsonpath":
        return _measure_json(subject, subjects)
    return _measure_metric(subject, subjects)


def _measure_json(subject: Subject, subjects: Mapping[str, Any]) -> _Measured:
    if "json" not in subjects:
        raise _NotMeasured("response body is not JSON")
    from .json_query import QUERY_ERRORS, select  # loaded by the first JSONPath subject

    try:
        matches, many = select(subject.name, subjects["json"])
    except QUERY_ERRORS as error:
        reason = error.args[0] if error.args else "nested too deeply"
        raise _NotMeasured(f"could not evaluate {subject.name}: {reason}") from None
    return _Measured([(readable_path(parts), value) for parts, value in matches], many=many)


def _measure_metric(subject: Subject, subjects: Mapping[str, Any]) -> _Measured:
    samples = subjects.get("metrics")
    if not isinstance(samples, list):
        raise _NotMeasured("no metrics measured")
    series: list[tuple[dict[str, str], Any]] = []
    for sample in samples:
        labels = getattr(sample, "labels", None)
        if (
            getattr(sample, "name", None) == subject.name
            and isinstance(labels, Mapping)
            and all(matcher.matches(labels) for matcher in subject.labels)
        ):
            series.append((dict(labels), getattr(sample, "value", None)))
    # Name each series by the labels that tell the matches apart: {queue="mail"}, not the
    # job/instance labels every one of them shares.
    varying = sorted({name for labels, _ in series for name in labels if _differs(series, name)})
    named = [
        (format_labels([(name, labels.get(name, "")) for name in varying]) or "{}", value)
        for labels, value in series
    ]
    return _Measured(named, many=len(named) > 1)


def _no_series_hint(subject: Subject, subjects: Mapping[str, Any]) -> str:
    """Why a metric selector matched nothing: a misspelt name (the closest ones), or labels
    that no series of that name has."""
    names = {getattr(sample, "name", "") for sample in subjects.get("metrics") or ()}
    if subject.name in names:
        return f" (series named {subject.name} exist, but none with those labels)"
    return did_you_mean(subject.name, sorted(names))


def _differs(series: list[tuple[dict[str, str], Any]], label: str) -> bool:
    return len({labels.get(label) for labels, _ in series}) > 1


def _unmasked(value: Any) -> Any:
    return value


def _actual(assertion: Assertion, measured: _Measured, duration: bool) -> Any:
    if not measured.many:
        return jsonable(measured.values[0][1], duration=duration)
    if assertion.subject.kind == "metric":
        names = [where for where, _ in measured.values]
        if len(set(names)) == len(names):
            return jsonable(dict(measured.values))
    return jsonable([value for _, value in measured.values])


def _explain(
    assertion: Assertion,
    measured: _Measured,
    misses: list[tuple[str, Any, str]],
    duration: bool,
) -> str:
    def phrase(value: Any, reason: str) -> str:
        return describe(value, duration=duration) + (f" ({reason})" if reason else "")

    if not measured.many:
        _, value, reason = misses[0]
        return f"expected {assertion.text}, got {phrase(value, reason)}"
    shown = "; ".join(
        f"{where} = {phrase(v, reason)}" for where, v, reason in misses[:_MISSES_SHOWN]
    )
    more = "; …" if len(misses) > _MISSES_SHOWN else ""
    return (
        f"expected {assertion.text} for every match, but {len(misses)} of "
        f"{len(measured.values)} did not hold: {shown}{more}"
    )


def evaluate(
    assertion: Assertion,
    subjects: Mapping[str, Any],
    *,
    severity: str = "expect",
    mask: Callable[[Any], Any] = _unmasked,
) -> AssertionResult:
    """Judge ``assertion`` against a probe's ``subjects``. Never raises: a subject that was not
    measured, matched nothing or cannot be compared is a miss whose message says which.

    The assertion is judged on the values as measured; what the result shows of them (the
    actual value, the message) is ``mask``-ed first and shortened after, so a secret in a
    long value is masked whole before any cut (SPEC 8).
    """

    def result(ok: bool, actual: Any, message: str = "") -> AssertionResult:
        return AssertionResult(assertion.text, ok, actual, severity, message)

    subject = assertion.subject
    try:
        measured = _measure(subject, assertion.op, subjects)
    except _NotMeasured as missing:
        return result(False, None, str(missing))
    duration = subject.kind == "plain" and subject.name in DURATION_SUBJECTS
    if assertion.op == "exists":
        return _presence(assertion, _shown(measured, mask), subjects, duration, result)
    if not measured.values:
        return result(False, [], _matched_nothing(subject, subjects))
    misses: list[tuple[str, Any, str]] = []
    for where, value in measured.values:
        try:
            ok, reason = holds(assertion.op, value, assertion.value) != assertion.negated, ""
        except Incomparable as error:
            ok, reason = False, str(error)
        if not ok:
            misses.append((where, value, reason))
    shown = _shown(measured, mask)
    actual = _actual(assertion, shown, duration)
    if not misses:
        return result(True, actual)
    shown_misses = [(mask(where), mask(value), reason) for where, value, reason in misses]
    return result(False, actual, _explain(assertion, shown, shown_misses, duration))


def _shown(measured: _Measured, mask: Callable[[Any], Any]) -> _Measured:
    """What a result may show of the measured values: masked (the judging used them whole)."""
    return _Measured(
        [(mask(where), mask(value)) for where, value in measured.values], measured.many
    )


_Result = Callable[..., AssertionResult]


def _presence(
    assertion: Assertion,
    measured: _Measured,
    subjects: Mapping[str, Any],
    duration: bool,
    result: _Result,
) -> AssertionResult:
    """``exists``: the subject is there, whatever its value (``[]``, ``null``, ``0``, ``""``)."""
    subject = assertion.subject
    present = bool(measured.values)
    actual = _actual(assertion, measured, duration) if present else None
    if present != assertion.negated:
        return result(True, actual if present else [])
    if present:
        return result(False, actual, f"expected {assertion.text}, got {describe(actual)}")
    if subject.kind in ("jsonpath", "metric"):
        return result(False, [], _matched_nothing(subject, subjects))
    return result(False, None, f"expected {assertion.text}, got nothing")


def _matched_nothing(subject: Subject, subjects: Mapping[str, Any]) -> str:
    if subject.kind == "metric":
        return f"{subject} matched no series{_no_series_hint(subject, subjects)}"
    return f"{subject} matched nothing"
