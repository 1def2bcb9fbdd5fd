"""Check results and the run report as plain, serialisable data (SPEC section 6).

A report written by one process can be read back by another (``Report.from_dict``) and
rendered as if the checks had just run there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssertionResult:
        return cls(
            text=data["text"],
            ok=bool(data["ok"]),
            actual=data.get("actual"),
            severity=data.get("severity", "expect"),
            message=data.get("message", ""),
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

    @property
    def key(self) -> str:
        """``page::id``: unique within a site, the pytest node id's tail."""
        return f"{self.page}::{self.id}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["duration_ms"] = round(self.duration_ms, 1)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            id=data["id"],
            name=data["name"],
            page=data["page"],
            line=int(data.get("line", 0)),
            kind=data.get("kind", ""),
            target=data.get("target", ""),
            status=Status(data["status"]),
            message=data.get("message", ""),
            value=data.get("value", ""),
            duration_ms=float(data.get("duration_ms", 0.0)),
            checked_at=data.get("checked_at", ""),
            attempts=int(data.get("attempts", 0)),
            assertions=[AssertionResult.from_dict(a) for a in data.get("assertions", [])],
            tags=list(data.get("tags", [])),
            env=data.get("env", ""),
            cached=bool(data.get("cached", False)),
            detail=data.get("detail", ""),
        )


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

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "env": self.env,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": self.summary,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        if data.get("version") != REPORT_VERSION:
            raise ValueError(f"unsupported report version {data.get('version')!r}")
        return cls(
            env=data.get("env", ""),
            started_at=data.get("started_at", ""),
            finished_at=data.get("finished_at", ""),
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data.pop("cached")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunOutcome:
        return cls(
            status=Status(data["status"]),
            message=data.get("message", ""),
            value=data.get("value", ""),
            assertions=[AssertionResult.from_dict(a) for a in data.get("assertions", [])],
            attempts=int(data.get("attempts", 0)),
            duration_ms=float(data.get("duration_ms", 0.0)),
            checked_at=data.get("checked_at", ""),
            detail=data.get("detail", ""),
        )

    def age_seconds(self, now: datetime | None = None) -> float:
        if not self.checked_at:
            return float("inf")
        return ((now or utc_now()) - parse_iso_utc(self.checked_at)).total_seconds()
