"""The end of a site build as the author sees it (SPEC 5 ``fail_on``): one summary line, each
failure logged at the level that fits it, and the build stopped when a status in ``fail_on``
occurred (a ``serve`` session keeps serving and warns)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from mkdocs.exceptions import PluginError

from .results import CheckResult, Status, summarize

log = logging.getLogger("mkdocs.plugins.runbook")


def judge_build(
    results: Sequence[CheckResult],
    *,
    env: str,
    fail_on: Sequence[Status],
    strict: bool,
    serve: bool,
) -> None:
    """Log the build's outcome; ``PluginError`` when a status in ``fail_on`` occurred."""
    log.info("runbook: %s", build_summary(results, env))
    # What fail_on lets through is still listed, as warnings. A broken check is the author's
    # mistake, like a broken link, so --strict counts it; a target that is down is not, so
    # under --strict its failure is logged as info and fail_on alone decides.
    fail_level = logging.INFO if strict else logging.WARNING
    for result in results:
        if result.status in fail_on or result.status not in (Status.FAIL, Status.ERROR):
            continue
        level = logging.WARNING if result.status is Status.ERROR else fail_level
        log.log(level, "runbook: %s", failure_line(result))
    failing = [r for r in results if r.status in fail_on]
    if not failing:
        return
    lines = "\n".join(f"  {failure_line(r)}" for r in failing)
    summary = f"{len(failing)} check(s) with a status in fail_on:\n{lines}"
    if serve:
        log.warning(summary)  # a live preview keeps serving; the page shows the failures
        return
    raise PluginError(summary)


def build_summary(results: Sequence[CheckResult], env: str) -> str:
    """``75 checks: 60 pass, 9 fail, 2 error, 4 skip · env local``: one line a build logs."""
    counts = summarize(list(results))
    order = (Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIP)
    said = ", ".join(f"{counts[s.value]} {s.value}" for s in order if counts[s.value])
    checks = "check" if len(results) == 1 else "checks"
    return f"{len(results)} {checks}: {said or 'none'} · env {env}"


def failure_line(result: CheckResult) -> str:
    detail = result.message or result.value
    return f"{result.status.value:5} {result.page}:{result.line} {result.name} — {detail}"
