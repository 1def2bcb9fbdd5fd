"""Reading one assertion, ``[not] SUBJECT OP VALUE`` (SPEC section 3), into an ``Assertion``.

Every mistake is an ``AssertionSyntaxError`` whose message says ``at column N`` (1-based,
within the text as given) and, where there is one, a suggestion. JSONPath subjects and regex
values are compiled here, so a bad one is reported when the page is read, not when it runs.
The value literals are read by ``assertion_literals``; ``assertions`` is the public face.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import AssertionSyntaxError
from ..text import closest
from .literals import NUMBER, Cursor, scalar
from .regex import compile_regex, full_match

SYMBOL_OPERATORS: tuple[str, ...] = ("==", "!=", "<=", ">=", "<", ">")
WORD_OPERATORS: tuple[str, ...] = (
    "in",
    "contains",
    "startswith",
    "endswith",
    "matches",
    "exists",
    "empty",
)
#: Operators that take no value: ``$.issues empty``, ``header x-request-id exists``.
VALUELESS_OPERATORS: frozenset[str] = frozenset({"exists", "empty"})
ORDERED_OPERATORS: frozenset[str] = frozenset({"<", "<=", ">", ">="})
#: Operators whose bare value stays text: ``stdout contains 5s`` looks for the characters "5s".
TEXT_OPERATORS: frozenset[str] = frozenset({"contains", "startswith", "endswith"})
#: Subjects measured in seconds (shown as durations), with the unit authors usually mean.
DURATION_SUBJECTS: dict[str, str] = {"latency": "ms", "cert_expires_in": "d"}

#: What authors type from other languages, and the operator they meant.
_OPERATOR_TYPOS: dict[str, str] = {
    "=": "==",
    "===": "==",
    "!": "!=",
    "!==": "!=",
    "<>": "!=",
    "=<": "<=",
    "=>": ">=",
    "is": "==",
    "eq": "==",
    "equals": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "has": "contains",
    "includes": "contains",
}

_NOT = re.compile(r"not(?=\s|$)")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_WORD = re.compile(r"\w+")
_OPERATOR_RUN = re.compile(r"[=!<>]+")
# RFC 9110 token characters, minus "!" when it starts "!=" (so `header x!=y` splits sensibly).
_HEADER_NAME = re.compile(r"(?:[A-Za-z0-9#$%&'*+\-.^_`|~]|!(?!=))+")
_METRIC_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _quote_label(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def format_labels(labels: Sequence[tuple[str, str]]) -> str:
    """``{queue="mail",env="prod"}`` in Prometheus notation; empty text for no labels."""
    if not labels:
        return ""
    return "{" + ",".join(f"{name}={_quote_label(value)}" for name, value in labels) + "}"


#: Prometheus' label matchers: equal, not equal, regex match, regex non-match.
LABEL_OPERATORS: tuple[str, ...] = ("=~", "!~", "!=", "=")


@dataclass(frozen=True)
class LabelMatcher:
    """``queue=~"mail|sms"``: selects series by one label as Prometheus does. A series without
    the label has it empty, and a regex must match the whole value."""

    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        return full_match(self.value, actual) == (self.op == "=~")

    def __str__(self) -> str:
        return f"{self.name}{self.op}{_quote_label(self.value)}"


@dataclass(frozen=True)
class Subject:
    """What an assertion looks at: a plain subject, a header, a JSONPath query or a metric."""

    kind: Literal["plain", "header", "jsonpath", "metric"]
    name: str
    labels: tuple[LabelMatcher, ...] = ()

    @property
    def key(self) -> str:
        """Identity for "asserts on the same subject" (SPEC 2: it replaces the default)."""
        if self.kind == "header":
            return f"header {self.name.lower()}"
        if self.kind == "metric":
            return f"metric {self.name}{_matchers(sorted(self.labels, key=str))}"
        return self.name

    def __str__(self) -> str:
        if self.kind == "header":
            return f"header {self.name}"
        if self.kind == "metric":
            return f"metric {self.name}{_matchers(self.labels)}"
        return self.name


def _matchers(labels: Sequence[LabelMatcher]) -> str:
    return "{" + ",".join(map(str, labels)) + "}" if labels else ""


@dataclass(frozen=True)
class Assertion:
    """One parsed assertion. ``value`` is a number (durations in seconds, ``%`` as a fraction),
    bool, ``None``, text, a tuple of those (lists), a linear-time ``Regex`` (``matches``), or
    ``None`` for ``exists`` and ``empty``. ``text`` is the assertion as written, trimmed."""

    text: str
    negated: bool
    subject: Subject
    op: str
    value: Any


def subject_column(text: str) -> int:
    """The 1-based column where the subject of a well-formed ``text`` starts."""
    match = re.match(r"\s*(?:not\s+)?", text)
    return (match.end() if match else 0) + 1


# An assertion is immutable and pages repeat the same ones (``status == 200``) many times.
@functools.lru_cache(maxsize=1024)
def parse_assertion(text: str) -> Assertion:
    """Parse ``[not] SUBJECT OP VALUE``; raises ``AssertionSyntaxError`` pointing at a column."""
    return _Reader(text).assertion()


class _Reader(Cursor):
    """Reads the subject and operator; the value readers come from ``Cursor``."""

    def assertion(self) -> Assertion:
        self.skip_space()
        if self.at_end():
            raise self.fail("empty assertion", 0, " — write SUBJECT OP VALUE, like 'status == 200'")
        negated = _NOT.match(self.text, self.pos) is not None
        if negated:
            self.pos += 3
            self.skip_space()
            if self.at_end():
                raise self.fail("expected a subject after 'not'", self.pos)
        subject = self.subject()
        op = self.operator(subject)
        value = self.value(subject, op)
        return Assertion(self.text.strip(), negated, subject, op, value)

    # --- subject ----------------------------------------------------------------------------

    def subject(self) -> Subject:
        start = self.pos
        if self.text[start] == "$":
            return Subject("jsonpath", self.jsonpath())
        identifier = _IDENTIFIER.match(self.text, start)
        if identifier is None:
            raise self.fail(
                "expected a subject (status, latency, header NAME, $.path, metric NAME, …)",
                start,
                f", found {self.text[start]!r}",
            )
        self.pos = identifier.end()
        name = identifier.group()
        if name == "not":
            raise self.fail("unexpected 'not'", start, " — 'not' goes once, before the subject")
        if name == "header":
            return Subject("header", self.parameter(_HEADER_NAME, "a header name after 'header'"))
        if name == "metric":
            metric = self.parameter(_METRIC_NAME, "a metric name after 'metric'")
            return Subject("metric", metric, self.label_matchers())
        return Subject("plain", name)

    def parameter(self, pattern: re.Pattern[str], what: str) -> str:
        keyword_end = self.pos
        self.skip_space()
        match = pattern.match(self.text, self.pos) if self.pos > keyword_end else None
        if match is None:
            raise self.fail(f"expected {what}", self.pos)
        self.pos = match.end()
        return match.group()

    def label_matchers(self) -> tuple[LabelMatcher, ...]:
        name_end = self.pos
        self.skip_space()
        if self.peek() != "{":
            self.pos = name_end
            return ()
        opening = self.pos
        self.pos += 1
        labels: list[LabelMatcher] = []
        while True:
            self.skip_space()
            if self.at_end():
                raise self.fail("unterminated label list", opening, " (no closing '}')")
            if self.peek() == "}":
                self.pos += 1
                return tuple(labels)
            labels.append(self.label_matcher())
            self.skip_space()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() not in ("}", ""):
                raise self.unexpected(self.pos, " in the label list")

    def label_matcher(self) -> LabelMatcher:
        label = _LABEL_NAME.match(self.text, self.pos)
        if label is None:
            raise self.fail("expected a label name", self.pos)
        self.pos = label.end()
        self.skip_space()
        op = next((op for op in LABEL_OPERATORS if self.text.startswith(op, self.pos)), "")
        if not op:
            raise self.fail(
                f"expected a label matcher (= != =~ !~) after label {label.group()!r}", self.pos
            )
        self.pos += len(op)
        self.skip_space()
        if self.at_end() or self.peek() not in "\"'":
            raise self.fail('expected a quoted label value like "mail"', self.pos)
        value_start = self.pos
        value = self.quoted()
        if op in ("=~", "!~"):
            try:
                compile_regex(value)
            except ValueError as error:
                raise self.fail(f"invalid label regex {value!r}: {error}", value_start) from None
        return LabelMatcher(label.group(), op, value)

    def jsonpath(self) -> str:
        """Scan to the end of the path: whitespace or an operator outside brackets and quotes
        (filters like ``[?@.size > 3]`` contain both), then let the library judge it."""
        start = index = self.pos
        open_brackets: list[int] = []
        while index < len(self.text):
            char = self.text[index]
            if open_brackets and char in "\"'":
                self.pos = index
                self.quoted()
                index = self.pos
                continue
            if not open_brackets and (char.isspace() or char in "=!<>"):
                break
            if char == "[" or (open_brackets and char == "("):
                open_brackets.append(index)
            elif open_brackets and char in "])":
                open_brackets.pop()
            index += 1
        if open_brackets:
            raise self.fail("unterminated '[' in JSONPath", open_brackets[0])
        path = self.text[start:index]
        # The JSONPath library loads here, at the first JSONPath subject (see json_query).
        from .json_query import QUERY_ERRORS, compile_jsonpath, error_offset

        try:
            compile_jsonpath(path)
        except QUERY_ERRORS as error:
            reason = error.args[0] if error.args else "too deeply nested"
            offset = error_offset(path, error)
            raise self.fail(f"invalid JSONPath {path!r}: {reason}", start + offset) from None
        self.pos = index
        return path

    # --- operator ---------------------------------------------------------------------------

    def operator(self, subject: Subject) -> str:
        subject_end = self.pos
        self.skip_space()
        if self.at_end():
            raise self.fail(f"expected an operator after {str(subject)!r}", subject_end)
        run = _OPERATOR_RUN.match(self.text, self.pos)
        if run is not None:
            return self.symbol_operator(run.group())
        word = _WORD.match(self.text, self.pos)
        if word is None or word.group() not in WORD_OPERATORS:
            raise self.unknown_operator(word.group() if word else self.text[self.pos])
        self.pos = word.end()
        return word.group()

    def symbol_operator(self, run: str) -> str:
        longest = next((op for op in SYMBOL_OPERATORS if run.startswith(op)), "")
        if longest == run:
            self.pos += len(run)
            return run
        hint = f" — did you mean {_OPERATOR_TYPOS[run]!r}?" if run in _OPERATOR_TYPOS else ""
        raise self.fail(f"unexpected {run[len(longest)]!r}", self.pos + len(longest), hint)

    def unknown_operator(self, found: str) -> AssertionSyntaxError:
        if found == "not":
            before, after = self.text[: self.pos].strip(), self.text[self.pos + 3 :].strip()
            return self.fail(
                "unexpected 'not'", self.pos, f" — put it first: 'not {before} {after}'"
            )
        meant = _OPERATOR_TYPOS.get(found.lower()) or closest(found.lower(), WORD_OPERATORS)
        if meant is not None:
            return self.fail(f"unknown operator {found!r}", self.pos, f" — did you mean {meant!r}?")
        operators = " ".join(SYMBOL_OPERATORS + WORD_OPERATORS)
        return self.fail(f"expected an operator ({operators})", self.pos, f", found {found!r}")

    # --- value ------------------------------------------------------------------------------

    def value(self, subject: Subject, op: str) -> Any:
        op_end = self.pos
        if op in VALUELESS_OPERATORS:
            self.expect_end(f": '{op}' takes no value")
            return None
        self.skip_space()
        if self.at_end():
            raise self.fail(f"missing value after {op!r}", op_end)
        if op == "matches":
            return self.regex()
        first = self.text[self.pos]
        if op == "in" and first != "[":
            raise self.fail("'in' needs a list like [200, 204]", self.pos)
        if first == "[":
            if op in ORDERED_OPERATORS or op in ("startswith", "endswith"):
                raise self.fail(f"{op!r} compares with one value, not a list", self.pos)
            return self.list_value()
        if first in "\"'":
            text = self.quoted()
            self.expect_end(" after the closing quote")
            return text
        start = self.pos
        bare = self.text[start:].strip()
        self.pos = len(self.text)
        if op in TEXT_OPERATORS:
            return bare
        value = scalar(bare)
        # `latency < 500` almost always means milliseconds, yet would compare with 500 seconds.
        unitless = NUMBER.fullmatch(bare)
        if (
            subject.kind == "plain"
            and subject.name in DURATION_SUBJECTS
            and unitless is not None
            and unitless.group(2) is None
            and value != 0
        ):
            usual = f"{bare}{DURATION_SUBJECTS[subject.name]}"
            raise self.fail(
                f"{subject.name} is a duration: {bare}", start, f" needs a unit, like {usual}"
            )
        return value
