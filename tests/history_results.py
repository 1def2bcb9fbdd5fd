"""Results as the history tests record them: one http check's result at a moment."""

from __future__ import annotations

from datetime import datetime

from mkdocs_runbook.results import CheckResult, Status, iso_utc


def stored_result(
    check_id: str,
    status: Status,
    at: datetime,
    *,
    page: str = "ops.md",
    name: str | None = None,
    cached: bool = False,
    message: str = "",
) -> CheckResult:
    """A result of ``check_id`` on ``page`` with ``status`` at ``at`` (a skip made no attempt)."""
    return CheckResult(
        id=check_id,
        name=name if name is not None else f"Check {check_id}",
        page=page,
        line=3,
        kind="http",
        target="GET http://127.0.0.1/x",
        status=status,
        value="42 ms" if status is Status.PASS else "503",
        message=message,
        duration_ms=12.345,
        checked_at=iso_utc(at),
        attempts=0 if status is Status.SKIP else 1,
        cached=cached,
    )
