"""Check results and the run report as plain, serialisable data (SPEC section 6).

A report written by one process can be read back by another (``Report.from_dict``) and
rendered as if the checks had just run there. Reading back checks every field's type: a
malformed or tampered file is a ``ValueError`` naming the field, never a crash later on.

Every text a result carries is made :func:`~mkdocs_runbook.text.printable` when the result is
made (run, read back from a cache or a report): a target's answer or a check's name can then
reach no page, XML file or terminal with a control character or an escape sequence in it,
whichever output writes it, today's or a later one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from .text import printable, printable_value

REPORT_VERSION = 1


class Status(str, Enum):
    """The five outcomes of SPEC section 4, in the order failures-first listings use."""

    FAIL = "fail"
    ERROR = "error"
    WARN = "warn"
    PASS = "pass"
    SKIP = "skip"

    def __str__(self) -> str:
        return self.value


#: Failures first: the order of the status page and of terminal tables.
STATUS_ORDER: dict[Status, int] = {status: rank for rank, status in enumerate(Status)}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime) -> str:
    """``2026-11-23T07:41:03Z``: seconds precision, always UTC, always with the Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@dataclass
class AssertionResult:
    """One evaluated assertion: what was asked, whether it held, what was measured."""

    text: str
    ok: bool
    actual: Any = None
    severity: str = "expect"  # "expect" or "warn"
    message: str = ""

    def __post_init__(self) -> None:
        self.text = printable(self.text)
        self.actual = printable_value(self.actual)
        self.message = printable(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "ok": self.ok,
            "actual": deepcopy(self.actual),  # a JSON value: the caller may change its copy
            "severity": self.severity,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: object) -> AssertionResult:
        fields = _fields(data, "assertion")
        severity = _text(fields, "severity", "expect")
        if severity not in ("expect", "warn"):
            raise ValueError(f"'severity' must be expect or warn, not {severity!r}")
        return cls(
            text=_text(fields, "text", required=True),
            ok=_flag(fields, "ok", required=True),
            actual=fields.get("actual"),
            severity=severity,
            message=_text(fields, "message"),
        )


@dataclass
class CheckResult:
    """The outcome of one check on one page. ``value`` is the short measured value of the badge
    (``42 ms``, ``503``, ``timed out after 5s``); ``target`` is already redacted."""

    id: str
    name: str
    page: str
    line: int
    kind: str
    target: str
    status: Status
    message: str = ""
    value: str = ""
    duration_ms: float = 0.0
    checked_at: str = ""
    attempts: int = 0
    assertions: list[AssertionResult] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    env: str = ""
    cached: bool = False
    #: Extra text for the Result panel (response excerpt, console diff); untrusted, capped.
    detail: str = ""
    #: Where it ran (SPEC 11): the run's zone.
    zone: str = ""

    def __post_init__(self) -> None:
        texts = ("id", "name", "page", "kind", "target", "message", "value", "env", "detail")
        for name in (*texts, "zone"):
            setattr(self, name, printable(getattr(self, name)))
        self.tags = [printable(tag) for tag in self.tags]

    @property
    def key(self) -> str:
        """``page::id``: unique within a site, the pytest node id's tail."""
        return f"{self.page}::{self.id}"

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict, which deep-copies every value through
        # its generic walk: a site's report holds a thousand of these (issue 14).
        data = {name: getattr(self, name) for name in _CHECK_FIELDS}
        data["status"] = self.status.value
        data["duration_ms"] = round(self.duration_ms, 1)
        data["assertions"] = [assertion.to_dict() for assertion in self.assertions]
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: object) -> CheckResult:
        fields = _fields(data, "check")
        return cls(
            id=_text(fields, "id", required=True),
            name=_text(fields, "name", required=True),
            page=_text(fields, "page", required=True),
            line=_integer(fields, "line"),
            kind=_text(fields, "kind"),
            target=_text(fields, "target"),
            status=_status(fields),
            message=_text(fields, "message"),
            value=_text(fields, "value"),
            duration_ms=_number(fields, "duration_ms"),
            checked_at=_moment(fields, "checked_at"),
            attempts=_integer(fields, "attempts"),
            assertions=_assertions(fields),
            tags=_texts(fields, "tags"),
            env=_text(fields, "env"),
            cached=_flag(fields, "cached"),
            detail=_text(fields, "detail"),
            zone=_text(fields, "zone"),
        )


#: What a result's dict holds, in the order of its fields (the report's order).
_CHECK_FIELDS = tuple(each.name for each in fields(CheckResult))


def summarize(results: list[CheckResult]) -> dict[str, int]:
    """Counts by status, every status present (zeros included) in failures-first order."""
    counts = {status.value: 0 for status in Status}
    for result in results:
        counts[result.status.value] += 1
    return counts


def latest(results: list[CheckResult]) -> CheckResult | None:
    """The newest of ``results`` by ``checked_at`` (ISO 8601 UTC sorts as text)."""
    return max(results, key=lambda result: result.checked_at, default=None)


def sort_failures_first(results: list[CheckResult]) -> list[CheckResult]:
    return sorted(results, key=lambda r: (STATUS_ORDER[r.status], r.page, r.line, r.id))


@dataclass
class Report:
    """The JSON report of SPEC section 6."""

    env: str
    started_at: str
    finished_at: str
    checks: list[CheckResult]
    zone: str = ""

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "env": self.env,
            "zone": self.zone,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": self.summary,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: object) -> Report:
        fields = _fields(data, "report")
        if fields.get("version") != REPORT_VERSION:
            raise ValueError(f"unsupported report version {fields.get('version')!r}")
        checks = fields.get("checks", [])
        if not isinstance(checks, list):
            raise ValueError(f"'checks' must be a list, not {_type_name(checks)}")
        return cls(
            env=_text(fields, "env"),
            started_at=_moment(fields, "started_at"),
            finished_at=_moment(fields, "finished_at"),
            checks=[CheckResult.from_dict(check) for check in checks],
            zone=_text(fields, "zone"),
        )


@dataclass
class RunOutcome:
    """What running one resolved check produced, before it is attached to a page."""

    status: Status
    message: str = ""
    value: str = ""
    assertions: list[AssertionResult] = field(default_factory=list)
    attempts: int = 0
    duration_ms: float = 0.0
    checked_at: str = ""
    detail: str = ""
    cached: bool = False

    def __post_init__(self) -> None:
        self.message = printable(self.message)
        self.value = printable(self.value)
        self.detail = printable(self.detail)

    def __copy__(self) -> RunOutcome:
        # What ``copy.copy`` does by default (``__reduce_ex__``), at a fifth of the cost: a
        # cached build copies every outcome it reuses.
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        return copied

    def to_dict(self) -> dict[str, Any]:
        # Field by field, as CheckResult's: the result cache writes one per check a build ran.
        data = {name: getattr(self, name) for name in _OUTCOME_FIELDS}
        data["status"] = self.status.value
        data["assertions"] = [assertion.to_dict() for assertion in self.assertions]
        return data

    @classmethod
    def from_dict(cls, data: object) -> RunOutcome:
        fields = _fields(data, "result")
        return cls(
            status=_status(fields),
            message=_text(fields, "message"),
            value=_text(fields, "value"),
            assertions=_assertions(fields),
            attempts=_integer(fields, "attempts"),
            duration_ms=_number(fields, "duration_ms"),
            checked_at=_moment(fields, "checked_at"),
            detail=_text(fields, "detail"),
        )

    def age_seconds(self, now: datetime | None = None) -> float:
        if not self.checked_at:
            return float("inf")
        return ((now or utc_now()) - parse_iso_utc(self.checked_at)).total_seconds()


#: What an outcome's dict holds (the result cache's entries), in the order of its fields: all
#: but ``cached``, which says where this process got it from.
_OUTCOME_FIELDS = tuple(each.name for each in fields(RunOutcome) if each.name != "cached")


# -- reading results back: every field checked, a wrong one named --------------------------------


def _type_name(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    if value is None:
        return "null"
    return names.get(
        type(value), "a mapping" if isinstance(value, Mapping) else type(value).__name__
    )


def _fields(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"a {what} must be a mapping, not {_type_name(data)}")
    return data


def _present(fields: Mapping[str, Any], key: str, required: bool) -> bool:
    if key in fields:
        return True
    if required:
        raise ValueError(f"'{key}' is missing")
    return False


def _text(fields: Mapping[str, Any], key: str, default: str = "", *, required: bool = False) -> str:
    if not _present(fields, key, required):
        return default
    value = fields[key]
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be text, not {_type_name(value)}")
    return value


def _flag(fields: Mapping[str, Any], key: str, *, required: bool = False) -> bool:
    if not _present(fields, key, required):
        return False
    value = fields[key]
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false, not {_type_name(value)}")
    return value


def _number(fields: Mapping[str, Any], key: str) -> float:
    value = fields.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"'{key}' must be a finite number, not {value!r}")
    return float(value)


def _integer(fields: Mapping[str, Any], key: str) -> int:
    value = fields.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'{key}' must be a whole number, not {value!r}")
    return value


def _texts(fields: Mapping[str, Any], key: str) -> list[str]:
    value = fields.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"'{key}' must be a list of texts")
    return list(value)


def _moment(fields: Mapping[str, Any], key: str) -> str:
    """An ISO 8601 time as text (or empty); anything else would break every age shown."""
    value = _text(fields, key)
    if value:
        try:
            parse_iso_utc(value)
        except ValueError:
            raise ValueError(f"'{key}' must be an ISO 8601 time, not {value!r}") from None
    return value


def _status(fields: Mapping[str, Any]) -> Status:
    value = _text(fields, "status", required=True)
    try:
        return Status(value)
    except ValueError:
        raise ValueError(f"'status' must be one of {', '.join(Status)}, not {value!r}") from None


def _assertions(fields: Mapping[str, Any]) -> list[AssertionResult]:
    value = fields.get("assertions", [])
    if not isinstance(value, list):
        raise ValueError(f"'assertions' must be a list, not {_type_name(value)}")
    return [AssertionResult.from_dict(item) for item in value]
