"""Properties of the assertion language that must hold for any input, not just the examples:
parsing never fails with anything but a located ``AssertionSyntaxError``, and evaluation never
raises and always records JSON-serialisable values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_runbook import model
from mkdocs_runbook.assertions import Assertion, check_subject_for_kind, evaluate, parse_assertion
from mkdocs_runbook.errors import AssertionSyntaxError
from mkdocs_runbook.results import AssertionResult
from mkdocs_runbook.run import MetricSample
from mkdocs_runbook.units import SECONDS_PER_UNIT

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Pieces of the grammar, so random text reaches deep into the parser instead of failing at
# the first character.
FRAGMENTS = [
    "not ", "status", "latency", "exit", "header ", "content-type", "metric ", "up", "{", "}",
    'job="a"', "job=~", ",", "$", ".a", "..b", "[", "]", "[*]", "?@.x > 1", "'", '"', "(", ")",
    "==", "!=", "<", "<=", ">", ">=", "=", "!", "in", "contains", "startswith", "endswith",
    "matches", "exists", " ", "\t", "\n", "/", "\\", "200", "5ms", "1.5s", "50%", "-1", "1e3",
    "true", "null", "ok", "[1, 2]", "x", "é", "[?", "length(@)", "*", "+", "?", "|",
]  # fmt: skip

assertion_like_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=14).map(
    "".join
)


@PROPERTY_SETTINGS
@given(st.one_of(st.text(), assertion_like_text))
def test_any_text_parses_or_raises_a_located_syntax_error(text: str) -> None:
    try:
        assertion = parse_assertion(text)
    except AssertionSyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        assert f"at column {error.column}" in error.message
        assert error.text == text
    else:
        assert isinstance(assertion, Assertion)
        assert assertion.text == text.strip()
        for kind in model.SUBJECTS_BY_KIND:
            try:
                check_subject_for_kind(assertion, kind)
            except AssertionSyntaxError as error:
                assert 1 <= error.column <= len(assertion.text) + 1


@PROPERTY_SETTINGS
@given(
    number=st.integers(min_value=-(10**6), max_value=10**6),
    unit=st.sampled_from(sorted(SECONDS_PER_UNIT)),
)
def test_durations_compare_in_seconds(number: int, unit: str) -> None:
    value = parse_assertion(f"cert_expires_in >= {number}{unit}").value
    assert value == pytest.approx(number * SECONDS_PER_UNIT[unit])


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=16,
)

metric_samples = st.lists(
    st.builds(
        MetricSample,
        name=st.sampled_from(["up", "queue_depth"]),
        labels=st.dictionaries(st.sampled_from(["job", "queue"]), st.sampled_from(["a", "b"])),
        value=st.floats(),
    ),
    max_size=5,
)

subjects_strategy = st.fixed_dictionaries(
    {},
    optional={
        **{name: json_like for name in ("status", "latency", "body", "exit", "stdout")},
        **{name: json_like for name in ("records", "connected", "cert_expires_in", "series")},
        "json": json_like,
        "headers": st.dictionaries(st.sampled_from(["Content-Type", "x-id"]), json_like)
        | json_like,
        "metrics": metric_samples | json_like,
    },
)

SUBJECTS = [
    "status", "latency", "body", "exit", "stdout", "records", "connected", "cert_expires_in",
    "series", "header content-type", "header X-Id", "$", "$.a", "$..a", "$[*]", "$[?@.a > 1]",
    "$[0]", "metric up", 'metric queue_depth{queue="a"}', 'metric up{job="a",queue="b"}',
]  # fmt: skip
OPERATORS_AND_VALUES = [
    *(f"{op} {value}" for op in ("==", "!=", "<", "<=", ">", ">=") for value in (
        "0", "200", "1.5", "500ms", "5%", "true", "null", "ok", "'text'", "[1, a]")),
    "in [1, ok, true, null]", "in []", "contains a", "contains [a, 1]", "startswith a",
    "endswith 1", "matches /a|1/", "matches ^$", "exists",
]  # fmt: skip


def _parses(text: str) -> bool:
    try:
        parse_assertion(text)
    except AssertionSyntaxError:
        return False
    return True


assertions_strategy = (
    st.builds(
        lambda negated, subject, rest: f"{'not ' if negated else ''}{subject} {rest}",
        st.booleans(),
        st.sampled_from(SUBJECTS),
        st.sampled_from(OPERATORS_AND_VALUES),
    )
    .filter(_parses)
    .map(parse_assertion)
)


@PROPERTY_SETTINGS
@given(
    assertion=assertions_strategy,
    subjects=subjects_strategy,
    severity=st.sampled_from(["expect", "warn"]),
)
def test_evaluate_never_raises_and_records_serialisable_values(
    assertion: Assertion, subjects: dict[str, Any], severity: str
) -> None:
    result = evaluate(assertion, subjects, severity=severity)
    assert isinstance(result, AssertionResult)
    assert isinstance(result.ok, bool)
    assert (result.text, result.severity) == (assertion.text, severity)
    json.dumps(result.actual, allow_nan=False)
    assert isinstance(result.message, str)
    assert result.ok or result.message
