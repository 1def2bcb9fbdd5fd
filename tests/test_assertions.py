"""The assertion language (SPEC section 3): parsing, kind validation, defaults, evaluation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mkdocs_runbook import model
from mkdocs_runbook.assertions import (
    Assertion,
    Subject,
    available_subjects,
    check_subject_for_kind,
    evaluate,
    parse_assertion,
    with_default_expectations,
)
from mkdocs_runbook.assertions.regex import Regex, iregexp
from mkdocs_runbook.assertions.syntax import LabelMatcher
from mkdocs_runbook.errors import AssertionSyntaxError, CheckDefinitionError
from mkdocs_runbook.run import MetricSample

# --- parsing: subjects ------------------------------------------------------------------------


def test_plain_subject_operator_and_number() -> None:
    assertion = parse_assertion("status == 200")
    assert assertion == Assertion("status == 200", False, Subject("plain", "status"), "==", 200)


def test_not_negates_and_text_is_trimmed() -> None:
    assertion = parse_assertion("  not exit == 0  ")
    assert assertion.negated is True
    assert assertion.text == "not exit == 0"
    assert assertion.subject == Subject("plain", "exit")


def test_identifier_starting_with_not_is_not_negation() -> None:
    assertion = parse_assertion("nothing == 1")
    assert assertion.negated is False
    assert assertion.subject.name == "nothing"


def test_header_subject_keeps_name_and_keys_case_insensitively() -> None:
    assertion = parse_assertion("header Content-Type startswith application/json")
    assert assertion.subject == Subject("header", "Content-Type")
    assert assertion.subject.key == "header content-type"
    assert assertion.value == "application/json"


def test_jsonpath_subject_with_spaces_and_quotes_inside_a_filter() -> None:
    assertion = parse_assertion('$.items[?@.name == "a b" && @.size > 3].size >= 4')
    assert assertion.subject == Subject("jsonpath", '$.items[?@.name == "a b" && @.size > 3].size')
    assert (assertion.op, assertion.value) == (">=", 4)


def test_jsonpath_bracket_notation_with_a_space_in_the_name() -> None:
    assertion = parse_assertion("$['a b'][0] == x")
    assert assertion.subject.name == "$['a b'][0]"
    assert assertion.subject.key == "$['a b'][0]"


def test_metric_subject_with_label_matchers_and_a_sorted_key() -> None:
    assertion = parse_assertion("metric queue_depth{queue=\"mail\", env='prod'} < 100")
    assert assertion.subject == Subject(
        "metric",
        "queue_depth",
        (LabelMatcher("queue", "=", "mail"), LabelMatcher("env", "=", "prod")),
    )
    assert assertion.subject.key == 'metric queue_depth{env="prod",queue="mail"}'
    assert str(assertion.subject) == 'metric queue_depth{queue="mail",env="prod"}'


def test_every_prometheus_label_matcher_parses() -> None:
    assertion = parse_assertion(
        'metric http_requests_total{code=~"5..", path!="/healthz", job !~ "test|dev", a = "b"} == 0'
    )
    assert assertion.subject.labels == (
        LabelMatcher("code", "=~", "5.."),
        LabelMatcher("path", "!=", "/healthz"),
        LabelMatcher("job", "!~", "test|dev"),
        LabelMatcher("a", "=", "b"),
    )
    assert str(assertion.subject) == (
        'metric http_requests_total{code=~"5..",path!="/healthz",job!~"test|dev",a="b"}'
    )


def test_metric_subject_without_labels() -> None:
    assertion = parse_assertion("metric up == 1")
    assert assertion.subject == Subject("metric", "up")
    assert assertion.subject.key == "metric up"


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("status==200", "==", 200),
        ("latency<1s", "<", 1.0),
        ("$.a!=3", "!=", 3),
        ("exit>=1", ">=", 1),
    ],
)
def test_symbol_operators_need_no_spaces(text: str, op: str, value: Any) -> None:
    assertion = parse_assertion(text)
    assert (assertion.op, assertion.value) == (op, value)


# --- parsing: values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("500ms", 0.5),
        ("5s", 5.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("30d", 2_592_000.0),
        ("1.5s", 1.5),
        ("250 ms", 0.25),
    ],
)
def test_duration_units_become_seconds(written: str, seconds: float) -> None:
    assert parse_assertion(f"latency < {written}").value == pytest.approx(seconds)


def test_percent_is_a_fraction() -> None:
    assert parse_assertion("$.error_ratio < 5%").value == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("written", "value"),
    [("200", 200), ("-1", -1), ("0.25", 0.25), ("1e3", 1000.0), ("true", True), ("false", False)],
)
def test_numbers_and_booleans(written: str, value: Any) -> None:
    parsed = parse_assertion(f"$.x == {written}").value
    assert parsed == value
    assert type(parsed) is type(value)


def test_null() -> None:
    assert parse_assertion("$.error == null").value is None


def test_quoted_strings_keep_spaces_and_escapes() -> None:
    assert parse_assertion('$.msg == "all good, \\"really\\""').value == 'all good, "really"'
    assert parse_assertion("$.msg == ' padded '").value == " padded "
    assert parse_assertion("$.code == '200'").value == "200"


def test_bare_string_is_the_rest_of_the_text_trimmed() -> None:
    assert parse_assertion("$.message == all  good   ").value == "all  good"
    assert parse_assertion("$.status == ok").value == "ok"


def test_list_of_values() -> None:
    assert parse_assertion("$.status in [ok, degraded, 200]").value == ("ok", "degraded", 200)
    assert parse_assertion("$.s in ['a, b', \"c\", true, 5s]").value == ("a, b", "c", True, 5.0)
    assert parse_assertion("status in []").value == ()


def test_text_operators_keep_a_bare_value_as_written() -> None:
    assert parse_assertion("stdout contains 5s").value == "5s"
    assert parse_assertion("stdout endswith true").value == "true"


def test_exists_has_no_value() -> None:
    assertion = parse_assertion("header x-request-id exists")
    assert (assertion.op, assertion.value) == ("exists", None)


def test_regex_values_are_compiled_at_parse_time() -> None:
    slashed = parse_assertion(r"stdout matches /ok\s+\d+/").value
    assert isinstance(slashed, Regex)
    assert slashed.pattern == r"ok\s+\d+"
    assert parse_assertion(r"$.path matches /^\/api\//").value.search("/api/v1")
    assert parse_assertion("body matches [0-9]+ items").value.pattern == "[0-9]+ items"
    assert parse_assertion("body matches 'a b'").value.pattern == "a b"


def test_a_leading_slash_is_only_a_regex_for_matches() -> None:
    assert parse_assertion("$.path == /api/v1").value == "/api/v1"


def test_zero_needs_no_unit_for_durations() -> None:
    assert parse_assertion("cert_expires_in > 0").value == 0


# --- parsing: errors --------------------------------------------------------------------------

SYNTAX_ERRORS = [
    ("latency << 5s", "unexpected '<' at column 10", 10),
    ("  latency << 5s", "unexpected '<' at column 12", 12),
    ("status === 200", "unexpected '=' at column 10 — did you mean '=='?", 10),
    ("status = 200", "unexpected '=' at column 8 — did you mean '=='?", 8),
    ("status => 200", "unexpected '=' at column 8 — did you mean '>='?", 8),
    ("status <> 200", "unexpected '>' at column 9 — did you mean '!='?", 9),
    ("status equals 200", "unknown operator 'equals' at column 8 — did you mean '=='?", 8),
    ("body contain x", "unknown operator 'contain' at column 6 — did you mean 'contains'?", 6),
    (
        "status 200",
        "expected an operator (== != <= >= < > in contains startswith endswith matches exists"
        " empty)"
        " at column 8, found '200'",
        8,
    ),
    ("status", "expected an operator after 'status' at column 7", 7),
    ("status ==", "missing value after '==' at column 10", 10),
    ("status ==   ", "missing value after '==' at column 10", 10),
    ("", "empty assertion at column 1 — write SUBJECT OP VALUE, like 'status == 200'", 1),
    ("   ", "empty assertion at column 1 — write SUBJECT OP VALUE, like 'status == 200'", 1),
    ("not", "expected a subject after 'not' at column 4", 4),
    (
        "== 200",
        "expected a subject (status, latency, header NAME, $.path, metric NAME, …)"
        " at column 1, found '='",
        1,
    ),
    (
        "not not status == 1",
        "unexpected 'not' at column 5 — 'not' goes once, before the subject",
        5,
    ),
    (
        "status not in [200]",
        "unexpected 'not' at column 8 — put it first: 'not status in [200]'",
        8,
    ),
    ('status == "ok', 'unterminated string at column 11 (no closing ")', 11),
    ("$.a in [1, 2", "unterminated list at column 8 (no closing ']')", 8),
    ("$.a in [1,,2]", "empty item in list at column 11", 11),
    ("$.a in [[1]]", "lists cannot be nested at column 9", 9),
    ("body matches /ab", "unterminated regular expression at column 14 (no closing '/')", 14),
    (
        "body matches /a(b/",
        "invalid regular expression (missing ), unterminated subpattern) at column 16",
        16,
    ),
    (
        "body matches a(b",
        "invalid regular expression (missing ), unterminated subpattern) at column 15",
        15,
    ),
    ("$.a[ == 1", "unterminated '[' in JSONPath at column 4", 4),
    ("$.a.$b == 1", "invalid JSONPath '$.a.$b': expected a shorthand selector at column 5", 5),
    ("$. == 1", "invalid JSONPath '$.': expected a shorthand selector at column 3", 3),
    ('$[?@.name == "a] == 1', 'unterminated string at column 14 (no closing ")', 14),
    ("header == x", "expected a header name after 'header' at column 8", 8),
    ("metric == 1", "expected a metric name after 'metric' at column 8", 8),
    ('metric up{job="a"', "unterminated label list at column 10 (no closing '}')", 10),
    (
        'metric up{job=~"a(b"} > 0',
        "invalid label regex 'a(b': missing ), unterminated subpattern at column 16",
        16,
    ),
    (
        'metric up{job~"a"} > 0',
        "expected a label matcher (= != =~ !~) after label 'job' at column 14",
        14,
    ),
    ("$.issues empty now", "unexpected 'now' at column 16: 'empty' takes no value", 16),
    ("metric up{job=a} > 0", 'expected a quoted label value like "mail" at column 15', 15),
    ("status in 200", "'in' needs a list like [200, 204] at column 11", 11),
    ("latency < [1s]", "'<' compares with one value, not a list at column 11", 11),
    ("latency < 500", "latency is a duration: 500 at column 11 needs a unit, like 500ms", 11),
    (
        "cert_expires_in > 14",
        "cert_expires_in is a duration: 14 at column 19 needs a unit, like 14d",
        19,
    ),
    ("header x exists now", "unexpected 'now' at column 17: 'exists' takes no value", 17),
    ('$.a == "x" y', "unexpected 'y' at column 12 after the closing quote", 12),
    ("$.a == [1] x", "unexpected 'x' at column 12 after the list", 12),
]


@pytest.mark.parametrize(("text", "message", "column"), SYNTAX_ERRORS)
def test_syntax_errors_name_the_column(text: str, message: str, column: int) -> None:
    with pytest.raises(AssertionSyntaxError) as raised:
        parse_assertion(text)
    assert raised.value.message == message
    assert raised.value.column == column
    assert raised.value.text == text


def test_syntax_error_is_a_check_definition_error_that_takes_a_location() -> None:
    with pytest.raises(CheckDefinitionError) as raised:
        parse_assertion("latency << 5s")
    raised.value.located("docs/ops.md", 12)
    assert str(raised.value) == "docs/ops.md:12: unexpected '<' at column 10"


# --- subjects per kind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (kind, subject)
        for kind, subjects in model.SUBJECTS_BY_KIND.items()
        for subject in sorted(subjects)
    ],
)
def test_every_plain_subject_is_accepted_for_its_kind(kind: str, subject: str) -> None:
    check_subject_for_kind(parse_assertion(f"{subject} exists"), kind)


@pytest.mark.parametrize(
    "text", ["header content-type exists", "$.a exists", 'metric up{job="x"} == 1']
)
def test_parameterised_subjects_are_accepted_for_their_kind(text: str) -> None:
    kind = "metrics" if text.startswith("metric") else "http"
    check_subject_for_kind(parse_assertion(text), kind)


def test_unknown_subject_suggests_and_lists_what_the_kind_offers() -> None:
    with pytest.raises(AssertionSyntaxError) as raised:
        check_subject_for_kind(parse_assertion("stauts == 200"), "http")
    assert raised.value.message == (
        "unknown subject 'stauts' at column 1 for http checks — did you mean 'status'?"
        " (http checks offer: body, cert_expires_in, latency, status, header NAME, $JSONPATH)"
    )
    assert raised.value.column == 1


@pytest.mark.parametrize(
    ("text", "kind", "message", "column"),
    [
        (
            "header content-type exists",
            "tcp",
            "'header content-type' at column 1 only works in http checks, not tcp"
            " (tcp checks offer: connected, latency)",
            1,
        ),
        (
            "not $.ok exists",
            "run",
            "'$.ok' at column 5 only works in http checks, not run"
            " (run checks offer: exit, latency, stderr, stdout)",
            5,
        ),
        (
            "metric up == 1",
            "http",
            "'metric up' at column 1 only works in metrics checks, not http (http checks offer:"
            " body, cert_expires_in, latency, status, header NAME, $JSONPATH)",
            1,
        ),
        (
            "status == 0",
            "run",
            "unknown subject 'status' at column 1 for run checks"
            " (run checks offer: exit, latency, stderr, stdout)",
            1,
        ),
    ],
)
def test_subjects_outside_their_kind_are_errors(
    text: str, kind: str, message: str, column: int
) -> None:
    with pytest.raises(AssertionSyntaxError) as raised:
        check_subject_for_kind(parse_assertion(text), kind)
    assert raised.value.message == message
    assert raised.value.column == column


def test_available_subjects_of_metrics() -> None:
    assert available_subjects("metrics") == ["latency", "series", 'metric NAME{label="v"}']


# --- default expectations ---------------------------------------------------------------------


def _texts(assertions: list[Assertion]) -> list[str]:
    return [assertion.text for assertion in assertions]


@pytest.mark.parametrize(
    ("kind", "expect", "result"),
    [
        ("http", [], ["status < 400"]),
        ("http", ["status == 401"], ["status == 401"]),
        ("http", ["not status == 500"], ["not status == 500"]),
        ("http", ["latency < 1s"], ["status < 400", "latency < 1s"]),
        ("run", ["exit == 3"], ["exit == 3"]),
        ("run", ["stdout contains ok"], ["exit == 0", "stdout contains ok"]),
        ("console", ["exit == 1"], ["output_matches == true", "exit == 1"]),
        ("tcp", ["latency < 1s"], ["connected == true", "latency < 1s"]),
        (
            "dns",
            ["addresses contains 10.0.0.1"],
            ["not records empty", "addresses contains 10.0.0.1"],
        ),
        ("dns", ["records empty"], ["records empty"]),
        ("tls", ["cert_expires_in > 14d"], ["cert_expires_in > 14d"]),
        ("metrics", ["metric up == 1"], ["series > 0", "metric up == 1"]),
    ],
)
def test_default_expectations_unless_expect_asserts_on_the_same_subject(
    kind: str, expect: list[str], result: list[str]
) -> None:
    parsed = [parse_assertion(text) for text in expect]
    assert _texts(with_default_expectations(kind, parsed)) == result


# --- evaluation -------------------------------------------------------------------------------

HTTP: dict[str, Any] = {
    "status": 503,
    "latency": 0.812,
    "body": '{"status": "down"}',
    "headers": {"content-type": "application/json; charset=utf-8", "content-length": "12"},
    "json": {
        "status": "down",
        "version": "2.10.1",
        "enabled": "true",
        "id": 42,
        "ratio": 0.04,
        "checks": {"db": "up", "cache": "down"},
        "items": [{"name": "a", "size": 1}, {"name": "b", "size": 5}, {"name": "c", "size": 9}],
        "tags": ["blue", "green"],
        "error": None,
    },
}


def _check(text: str, subjects: dict[str, Any] = HTTP) -> Any:
    return evaluate(parse_assertion(text), subjects)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("status == 503", True),
        ("status == 200", False),
        ("status != 200", True),
        ("status != 503", False),
        ("status < 600", True),
        ("status < 503", False),
        ("status <= 503", True),
        ("status <= 502", False),
        ("status > 500", True),
        ("status > 503", False),
        ("status >= 503", True),
        ("status >= 504", False),
        ("status in [502, 503]", True),
        ("status in [200, 204]", False),
        ("status in []", False),
        ("body contains down", True),
        ("body contains up", False),
        ("$.tags contains green", True),
        ("$.tags contains red", False),
        ("$.tags contains [blue, green]", True),
        ("$.tags contains [blue, red]", False),
        ("$.checks contains db", True),
        ("$.checks contains queue", False),
        ("header content-type startswith application/json", True),
        ("header content-type startswith text/", False),
        ("header content-type endswith utf-8", True),
        ("header content-type endswith ascii", False),
        ("status startswith 5", True),
        ("status startswith 2", False),
        (r"body matches /\"status\":\s*\"down\"/", True),
        ("body matches /^up/", False),
        ("$.version matches ^2\\.", True),
        ("$.version matches ^3\\.", False),
        ("status matches ^5\\d\\d$", True),
        ("$.tags matches ^gr", True),
        ("$.tags matches ^red", False),
        ("header content-length exists", True),
        ("header x-request-id exists", False),
        ("$.error exists", True),
        ("$.missing exists", False),
        ("$.status exists", True),
        ("$.error empty", True),
        ("$.status empty", False),
        ("not $.status empty", True),
        ("$.tags empty", False),
        ("$.checks empty", False),
    ],
)
def test_every_operator_passes_and_fails(text: str, ok: bool) -> None:
    assert _check(text).ok is ok


def test_not_negates_the_predicate() -> None:
    assert _check("not status == 200").ok is True
    assert _check("not status == 503").ok is False
    assert _check("not header x-request-id exists").ok is True


@pytest.mark.parametrize(
    ("text", "subjects", "ok"),
    [
        ("latency < 500ms", {"latency": 0.4}, True),
        ("latency < 500ms", {"latency": 0.6}, False),
        ("latency < 2s", {"latency": 1.9}, True),
        ("latency > 1m", {"latency": 59.0}, False),
        ("latency < 1h", {"latency": 3599.0}, True),
        ("cert_expires_in > 30d", {"cert_expires_in": 31 * 86400.0}, True),
        ("cert_expires_in > 30d", {"cert_expires_in": 29 * 86400.0}, False),
        ("$.ratio < 5%", HTTP, True),
        ("$.ratio < 4%", HTTP, False),
    ],
)
def test_units_compare_in_seconds_and_fractions(
    text: str, subjects: dict[str, Any], ok: bool
) -> None:
    assert _check(text, subjects).ok is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("header content-length == 12", True),
        ("header content-length > 11", True),
        ("header content-length < 12", False),
        ("$.enabled == true", True),
        ("$.enabled != false", True),
        ("$.id == '42'", True),
        ("$.id == 42.0", True),
        ("$.id in ['41', '42']", True),
        ("$.version >= 2.10.0", True),
        ("$.version < 2.9", False),
    ],
)
def test_numbers_booleans_and_text_coerce(text: str, ok: bool) -> None:
    assert _check(text).ok is ok


def test_boolean_subjects() -> None:
    assert _check("connected == true", {"connected": True}).ok is True
    assert _check("connected == true", {"connected": False}).ok is False
    assert _check("connected == 1", {"connected": True}).ok is False


def test_text_orders_character_by_character() -> None:
    assert _check("tls_version >= TLSv1.2", {"tls_version": "TLSv1.3"}).ok is True
    assert _check("tls_version >= TLSv1.2", {"tls_version": "TLSv1.1"}).ok is False


def test_header_lookup_is_case_insensitive_both_ways() -> None:
    assert _check("header Content-Length == 12").ok is True
    mixed = {"headers": {"X-Request-ID": "abc"}}
    assert _check("header x-request-id == abc", mixed).ok is True


def test_messages_explain_a_miss_in_words() -> None:
    status = _check("status < 400")
    assert (status.ok, status.actual, status.message) == (
        False,
        503,
        "expected status < 400, got 503",
    )
    state = _check("$.status in [ok, degraded]")
    assert state.message == "expected $.status in [ok, degraded], got 'down'"
    assert state.actual == "down"
    missing = _check("header x-request-id exists")
    assert missing.message == "expected header x-request-id exists, got nothing"
    assert missing.actual is None


def test_a_passing_assertion_records_its_actual_value_and_no_message() -> None:
    result = _check("status == 503")
    assert (result.ok, result.actual, result.message, result.text) == (
        True,
        503,
        "",
        "status == 503",
    )


def test_severity_is_recorded() -> None:
    result = evaluate(parse_assertion("status == 200"), HTTP, severity="warn")
    assert result.severity == "warn"


def test_durations_are_shown_with_units() -> None:
    result = _check("latency < 500ms")
    assert result.actual == "812 ms"
    assert result.message == "expected latency < 500ms, got 812 ms"
    expired = _check("cert_expires_in > 0d", {"cert_expires_in": -3 * 86400.0})
    assert expired.actual == "-3 d"
    assert expired.message == "expected cert_expires_in > 0d, got -3 d"
    # A local answer in microseconds is under a millisecond, not "0 ms" (not measured).
    assert _check("latency < 1ms", {"latency": 0.0002}).actual == "<1 ms"
    assert _check("latency < 1ms", {"latency": 0.0006}).actual == "1 ms"


def test_long_text_is_cut_to_2048_characters() -> None:
    result = _check("body contains nope", {"body": "x" * 5000})
    assert result.actual == "x" * 2048 + "…"
    assert len(result.message) < 300


def test_a_large_structure_is_shown_as_cut_json() -> None:
    document = {"rows": [{"n": n} for n in range(1000)]}
    result = _check("$ exists", {"json": document})
    assert result.ok is True
    assert isinstance(result.actual, str)
    assert result.actual.startswith('{"rows": [{"n": 0}')
    assert len(result.actual) == 2049


def test_a_subject_the_probe_did_not_measure_is_a_miss() -> None:
    result = _check("exit == 0", {"stdout": ""})
    assert (result.ok, result.actual, result.message) == (False, None, "no 'exit' measured")
    assert _check("not cert_expires_in exists", {"status": 200}).ok is True


@pytest.mark.parametrize("value", [[], None, 0, "", {}, False])
def test_exists_means_the_path_is_there_whatever_the_value(value: object) -> None:
    document = {"ingestion": {"issues": value}}
    assert _check("$.ingestion.issues exists", {"json": document}).ok is True
    missed = _check("not $.ingestion.issues exists", {"json": document})
    assert missed.ok is False
    assert missed.message.startswith("expected not $.ingestion.issues exists, got ")
    assert _check("records exists", {"records": value}).ok is True


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        ([], True),
        ({}, True),
        ("", True),
        (None, True),
        ([0], False),
        ({"a": 1}, False),
        ("x", False),
    ],
)
def test_empty_is_null_or_no_text_items_or_keys(value: object, empty: bool) -> None:
    document = {"ingestion": {"issues": value}}
    assert _check("$.ingestion.issues empty", {"json": document}).ok is empty
    assert _check("not $.ingestion.issues empty", {"json": document}).ok is not empty
    assert _check("records empty", {"records": value}).ok is empty


def test_empty_on_a_number_is_a_miss_with_a_reason_and_on_nothing_a_miss() -> None:
    result = _check("$.id empty")
    assert (result.ok, result.message) == (
        False,
        "expected $.id empty, got 42 ('empty' applies to text, a list or an object, not a number)",
    )
    assert _check("not $.id empty").ok is False
    assert _check("$.missing empty").message == "$.missing matched nothing"
    assert _check("not $.missing empty").ok is False
    assert _check("$.items[*].name empty").ok is False


def test_rfc9535_length_works_inside_filters() -> None:
    assert _check("$.items[?length(@.name) == 1].size > 0").actual == [1, 5, 9]
    assert _check("not $.items[?length(@.name) > 1] exists").ok is True
    assert _check("not $[?length(@) == 0] exists", {"json": {"a": [1], "b": "x"}}).ok is True


def test_incomparable_values_miss_with_a_reason_even_negated() -> None:
    ordered = _check("$.items > 3")
    assert ordered.ok is False
    assert ordered.message.endswith("(cannot order a list against a number)")
    assert _check("not $.items > 3").ok is False
    assert _check("not $.checks matches x").message.endswith(
        "('matches' needs text, not an object)"
    )
    assert _check("$.id contains 4").message.endswith(
        "('contains' looks inside text, a list or an object, not a number)"
    )


# --- JSONPath ---------------------------------------------------------------------------------


def test_every_match_must_hold() -> None:
    result = _check("$.items[*].size > 3")
    assert result.ok is False
    assert result.actual == [1, 5, 9]
    assert result.message == (
        "expected $.items[*].size > 3 for every match, but 1 of 3 did not hold: $.items[0].size = 1"
    )
    assert _check("$.items[*].size > 0").ok is True


def test_a_filter_selects_what_must_hold() -> None:
    result = _check("$.items[?@.size > 3].name in [b, c]")
    assert (result.ok, result.actual) == (True, ["b", "c"])


def test_a_query_that_can_select_many_reports_a_list_even_for_one_match() -> None:
    assert _check("$.items[?@.size > 6].name == c").actual == ["c"]
    assert _check("$.items[2].name == c").actual == "c"


def test_matching_nothing_is_a_miss_except_for_not_exists() -> None:
    nothing = _check("$.missing == 1")
    assert (nothing.ok, nothing.actual, nothing.message) == (
        False,
        [],
        "$.missing matched nothing",
    )
    assert _check("$.missing exists").ok is False
    assert _check("not $.missing == 1").ok is False
    assert _check("not $.missing exists").ok is True
    assert _check("not $.status exists").ok is False


def test_many_misses_are_summarised() -> None:
    document = {"n": list(range(10))}
    result = _check("$.n[*] > 100", {"json": document})
    assert result.message == (
        "expected $.n[*] > 100 for every match, but 10 of 10 did not hold:"
        " $.n[0] = 0; $.n[1] = 1; $.n[2] = 2; …"
    )


def test_a_body_that_is_not_json() -> None:
    result = _check("$.status == ok", {"status": 200, "body": "<html>"})
    assert (result.ok, result.message) == (False, "response body is not JSON")


def test_json_null_and_scalars_at_the_root() -> None:
    assert _check("$ == null", {"json": None}).ok is True
    assert _check("$ == 3", {"json": 3}).ok is True


def test_a_json_string_document_is_not_parsed_again() -> None:
    # The body was the JSON text "[1]": a string, which has no elements to select.
    assert _check("$ == '[1]'", {"json": "[1]"}).ok is True
    result = _check("$[0] exists", {"json": "[1]"})
    assert (result.ok, result.message) == (False, "$[0] matched nothing")


# --- metrics ----------------------------------------------------------------------------------

METRICS: dict[str, Any] = {
    "series": 4,
    "metrics": [
        MetricSample("queue_depth", {"queue": "mail", "job": "api"}, 3.0),
        MetricSample("queue_depth", {"queue": "sms", "job": "api"}, 7.0),
        MetricSample("up", {"job": "api"}, 1.0),
        MetricSample("ratio", {}, 0.25),
    ],
}


def test_metric_label_matchers_select_series() -> None:
    mail = _check('metric queue_depth{queue="mail"} < 5', METRICS)
    assert (mail.ok, mail.actual) == (True, 3)
    both = _check('metric queue_depth{job="api"} < 5', METRICS)
    assert both.ok is False
    assert both.actual == {'{queue="mail"}': 3, '{queue="sms"}': 7}
    assert both.message == (
        'expected metric queue_depth{job="api"} < 5 for every match, but 1 of 2 did not'
        ' hold: {queue="sms"} = 7'
    )


def test_every_label_matcher_must_match() -> None:
    result = _check('metric queue_depth{queue="mail", job="db"} exists', METRICS)
    assert (result.ok, result.message) == (
        False,
        'metric queue_depth{queue="mail",job="db"} matched no series (series named queue_depth'
        " exist, but none with those labels)",
    )
    assert _check('not metric queue_depth{job="db"} exists', METRICS).ok is True


@pytest.mark.parametrize(
    ("selector", "queues"),
    [
        ('{queue=~"mail|sms"}', ["mail", "sms"]),
        ('{queue=~"ma"}', []),  # anchored: the whole value must match, as in Prometheus
        ('{queue=~"m.*"}', ["mail"]),
        ('{queue!~"m.*"}', ["sms"]),
        ('{queue!="mail"}', ["sms"]),
        ('{queue!="mail", job=~"a.i"}', ["sms"]),
        ('{missing=""}', ["mail", "sms"]),  # a label a series lacks is empty
        ('{missing!=""}', []),
        ('{missing=~".*"}', ["mail", "sms"]),
    ],
)
def test_prometheus_label_matchers_select_series(selector: str, queues: list[str]) -> None:
    result = _check(f"metric queue_depth{selector} > 0", METRICS)
    if not queues:
        assert (result.ok, result.actual) == (False, [])
    elif len(queues) == 1:
        [queue] = queues
        assert result.actual == {"mail": 3, "sms": 7}[queue]
    else:
        assert result.actual == {'{queue="mail"}': 3, '{queue="sms"}': 7}


def test_a_label_regex_cannot_run_away() -> None:
    """RE2 matches in linear time: a pattern that backtracks forever in `re` returns at once."""
    hostile = [MetricSample("m", {"path": "a" * 5000 + "!"}, 1.0)]
    result = _check('metric m{path=~"(a+)+$"} exists', {"metrics": hostile})
    assert result.ok is False


def test_a_metric_name_that_matches_nothing_suggests_the_closest() -> None:
    result = _check("metric queue_dept > 0", METRICS)
    assert result.message == "metric queue_dept matched no series — did you mean 'queue_depth'?"
    assert _check("metric zzz exists", METRICS).message == "metric zzz matched no series"


def test_metric_without_labels_and_fractional_values() -> None:
    assert _check("metric up == 1", METRICS).ok is True
    assert _check("metric ratio <= 25%", METRICS).actual == 0.25
    assert _check("series > 0", METRICS).ok is True


def test_no_metrics_measured() -> None:
    result = _check("metric up == 1", {"status": 200})
    assert (result.ok, result.message) == (False, "no metrics measured")


def test_actual_values_are_json_serialisable() -> None:
    subjects = {
        "json": {"x": [float("nan"), float("inf"), 1.5]},
        "metrics": [MetricSample("m", {"a": "1"}, float("nan"))],
    }
    for text in ["$.x[*] > 0", "$.x exists", "metric m == 1"]:
        json.dumps(_check(text, subjects).actual, allow_nan=False)
    assert _check("$.x exists", subjects).actual == ["NaN", "+Inf", 1.5]


# -- linear-time regular expressions (assertions.regex) -----------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("^active$", "active\n", True),  # $ before a final newline, as in Python
        ("^active$", "active\n\n", False),
        (r"\d+ ok", "12 ok", True),
        ("(?i)OK", "ok", True),
        ("(a+)+$", "a" * 100_000 + "!", False),
        ("(x+x+)+y", "x" * 100_000, False),
    ],
)
def test_regex_search(pattern: str, text: str, found: bool) -> None:
    assert Regex(pattern).search(text) is found


def test_regexes_compare_by_pattern() -> None:
    assert Regex("a+") == Regex("a+")
    assert Regex("a+") != Regex("b+")


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("a.c", "abc", True),
        ("a.c", "a\nc", False),  # I-Regexp's dot excludes line breaks
        ("[.]", ".", True),
        (r"a\.c", "abc", False),
        ("(a+)+$", "a" * 10_000 + "!", False),
    ],
)
def test_iregexp_for_jsonpath_functions(pattern: str, text: str, matched: bool) -> None:
    compiled = iregexp(pattern)
    assert compiled is not None
    assert (compiled.fullmatch(text) is not None) is matched


def test_an_iregexp_re2_cannot_compile_is_no_match() -> None:
    assert iregexp(r"(a)\1") is None
