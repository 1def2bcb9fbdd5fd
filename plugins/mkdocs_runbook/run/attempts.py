"""One resolved check run to its outcome: its attempts (retried after a fail, each bounded by
its timeout), judged by the assertions, masked and cut to what outputs show (SPEC 4, 8).

This is what a check worker process does with each check it is given (``worker.py``); the
runner does the same on its own loop when it has no workers. Slots (``concurrency``,
``per_host``) are the caller's.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..assertions import evaluate
from ..errors import CheckDefinitionError, ProbeFailure, ResolveError
from ..model import ResolvedCheck
from ..readable import readable
from ..resolve import URL_KINDS, InvalidTarget, Redactor, check_allowed_host
from ..results import AssertionResult, RunOutcome, Status, iso_utc, utc_now
from ..text import shown_part
from ..units import format_timeout
from .deadlines import within
from .offload import off_loop_if_heavy
from .preparing import masked_traceback, parse_assertions, shown
from .probes import Observation, ProbeContext, probe_for

log = logging.getLogger("mkdocs.plugins.runbook")

VALUE_CAP = 60


async def run_attempts(
    resolved: ResolvedCheck, context: ProbeContext, redactor: Redactor
) -> RunOutcome:
    """Run ``resolved``: attempt, retry after a fail, then mask with ``redactor`` (every secret
    of the run) while the texts are whole, and cut them to what outputs show."""
    refused = _refused_url(resolved, context)
    if refused is not None:
        return shown(refused, redactor)
    # The kind's probe and its libraries load now, not within the first attempt's timeout.
    probe_for(resolved.kind)
    spec = resolved.spec
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        checked_at = iso_utc(utc_now())
        outcome = await _attempt(resolved, context, redactor)
        if outcome.status is not Status.FAIL or attempts > spec.retries:
            break
        await asyncio.sleep(spec.retry_delay)
    outcome.attempts = attempts
    outcome.checked_at = checked_at
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return shown(outcome, redactor)


def _refused_url(resolved: ResolvedCheck, context: ProbeContext) -> RunOutcome | None:
    """An http or metrics check whose URL is invalid or whose host is not allowed: an error
    before any attempt, as ``resolve`` makes one of any other target in the front-end (which
    leaves URLs to this process: httpx, the parser the request uses, loads here)."""
    if resolved.kind not in URL_KINDS:
        return None
    try:
        check_allowed_host(
            resolved.kind,
            resolved.target,
            resolved.params,
            context.allowed_hosts,
            shown=resolved.display_target,
        )
    except ResolveError as exc:
        message = f"{resolved.spec.location}: {exc}"
        return RunOutcome(
            Status.ERROR, message=message, value="invalid check", checked_at=iso_utc(utc_now())
        )
    return None


async def _attempt(
    resolved: ResolvedCheck, context: ProbeContext, redactor: Redactor
) -> RunOutcome:
    probe = probe_for(resolved.kind)

    async def measure_and_judge() -> RunOutcome:
        observation = await probe(resolved, context)
        # Judging (regular expressions, JSONPath over a large body) runs within the attempt's
        # timeout, and off the event loop when the observation is large.
        return await off_loop_if_heavy(_size(observation), judge, resolved, observation, redactor)

    try:
        return await within(resolved.timeout, measure_and_judge())
    except ProbeFailure as exc:
        return RunOutcome(Status.FAIL, message=exc.message, value=exc.value)
    except CheckDefinitionError as exc:  # e.g. a malformed HOST:PORT only the probe can see
        return RunOutcome(Status.ERROR, message=str(exc), value="invalid check")
    except InvalidTarget as exc:
        return RunOutcome(Status.ERROR, message=str(exc), value="invalid target")
    except ResolveError as exc:  # refused at connect time: a redirect, a resolved address
        return RunOutcome(Status.ERROR, message=str(exc), value="host not allowed")
    except asyncio.TimeoutError:
        after = f"timed out after {format_timeout(resolved.timeout)}"
        return RunOutcome(Status.FAIL, message=f"{resolved.display_target}: {after}", value=after)
    except Exception as exc:  # a probe or judging bug must cost one check, never the build
        log.debug("probe %s crashed: %s", resolved.kind, masked_traceback(redactor))
        message = f"internal error in the {resolved.kind} probe: {type(exc).__name__}: {exc}"
        return RunOutcome(Status.ERROR, message=message, value="internal error")


def judge(
    resolved: ResolvedCheck, observation: Observation, redactor: Redactor | None = None
) -> RunOutcome:
    """Evaluate ``expect`` (with the kind's defaults) and ``warn`` against what was observed.

    Measured values are masked with ``redactor`` while whole, before anything shortens them.
    """
    mask = (redactor or Redactor()).value
    expect, warn = parse_assertions(resolved)
    judged = [(a, evaluate(a, observation.subjects, mask=mask)) for a in expect]
    judged += [(a, evaluate(a, observation.subjects, severity="warn", mask=mask)) for a in warn]
    # A probe may say what a miss on one of its subjects means ("output differs at …"): that
    # reads better than the subject's raw value (`output_matches == true`, got false), and
    # the probe's own value ("output differs") is then the badge's.
    explained: set[int] = set()
    for assertion, result in judged:
        meaning = observation.misses.get(assertion.subject.key)
        if meaning and not result.ok:
            result.message = mask(meaning)
            explained.add(id(result))
    results: list[AssertionResult] = [result for _, result in judged]
    missed = [r for r in results if not r.ok and r.severity == "expect"]
    warned = [r for r in results if not r.ok and r.severity == "warn"]
    detail = shown_part(mask(observation.detail))
    if missed or warned:
        first = (missed or warned)[0]
        fallback = f"expected {first.text}" if missed else f"warning: {first.text}"
        return RunOutcome(
            Status.FAIL if missed else Status.WARN,
            message=first.message or fallback,
            value=observation.value if id(first) in explained else _short(first.actual),
            assertions=results,
            detail=detail,
        )
    return RunOutcome(Status.PASS, value=observation.value, assertions=results, detail=detail)


def _short(actual: object) -> str:
    text = readable(actual)
    return text if len(text) <= VALUE_CAP else text[: VALUE_CAP - 1] + "…"


def _size(observation: Observation) -> int:
    """How much an observation holds: the length of its texts and lists."""
    return sum(len(v) for v in observation.subjects.values() if isinstance(v, str | list))
