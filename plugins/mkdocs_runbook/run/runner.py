"""Running checks: all at once on asyncio, bounded by ``concurrency`` and ``per_host``, each
attempt bounded by its ``timeout``, retried after a fail, judged by the assertions (SPEC 4, 8).

A check that is broken, unresolvable or skipped becomes a result without touching the
network; a probe that blows up becomes an ``error`` for that check alone. Two pages using the
same resolved check share one run (``ResolvedCheck.run_key``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..assertions import (
    Assertion,
    check_subject_for_kind,
    evaluate,
    parse_assertion,
    with_default_expectations,
)
from ..errors import CheckDefinitionError, ProbeFailure, ResolveError
from ..model import AssertionSource, BrokenCheck, CheckSpec, ResolvedCheck
from ..resolve import COMMAND_KINDS, CheckCatalog, Redactor, Templates, resolve_check
from ..results import AssertionResult, CheckResult, RunOutcome, Status, iso_utc, utc_now
from ..settings import RunbookSettings
from ..text import shown_part
from ..units import format_timeout
from .cache import ResultCache
from .probes import Observation, ProbeContext, probe_for

if TYPE_CHECKING:
    from .pool import WorkerPool, WorkerSession

log = logging.getLogger("mkdocs.plugins.runbook")

#: always: run every check; cached: reuse a result younger than cache_ttl, else run;
#: never: reuse any cached result, else skip.
CacheMode = Literal["always", "cached", "never"]

VALUE_CAP = 60


@dataclass
class PreparedCheck:
    """A check as far as it gets without running: resolved, or already decided."""

    item: CheckSpec | BrokenCheck
    resolved: ResolvedCheck | None = None
    decided: RunOutcome | None = None

    @property
    def kind(self) -> str:
        if self.resolved is not None:
            return self.resolved.kind
        return (self.item.kind if isinstance(self.item, CheckSpec) else None) or ""

    @property
    def display_target(self) -> str:
        if self.resolved is not None:
            return self.resolved.display_target
        return ""


class CheckRunner:
    """Prepares and runs checks for one environment. Use from one event loop at a time.

    With ``workers`` (what every front-end passes), checks run in the pool's worker processes
    and this object only prepares them, hands them over (``submit``) and keeps the cache; the
    pool holds ``concurrency`` and ``per_host``. Without, they run on the caller's event loop.
    """

    def __init__(
        self,
        settings: RunbookSettings,
        *,
        catalog: CheckCatalog | None = None,
        environ: Mapping[str, str] | None = None,
        cache: ResultCache | None = None,
        mode: CacheMode = "always",
        workers: WorkerPool | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.templates = Templates(settings, environ)
        self.cache = cache or ResultCache(None)
        self.mode = mode
        self.context = ProbeContext(
            allow_commands=settings.allow_commands,
            base_dir=settings.base_dir,
            per_host=settings.per_host,
            allowed_hosts=settings.allowed_hosts,
        )
        self._slots: asyncio.Semaphore | None = None
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._in_flight: dict[str, asyncio.Future[RunOutcome]] = {}
        self._session: WorkerSession | None = None
        if workers is not None:
            self._session = workers.session(
                self.context, concurrency=settings.concurrency, per_host=settings.per_host
            )
        self._submitted: dict[str, Future[RunOutcome]] = {}
        self._resolved_of: dict[str, ResolvedCheck] = {}

    # -- preparing ---------------------------------------------------------------------------

    def prepare(self, item: CheckSpec | BrokenCheck) -> PreparedCheck:
        if isinstance(item, BrokenCheck):
            return PreparedCheck(item, decided=_decided(Status.ERROR, str(item.error)))
        if item.skip is not None:
            return PreparedCheck(item, decided=_decided(Status.SKIP, item.skip))
        if item.command_reason and not self.settings.allow_commands:
            # Not a skip: the author meant a native check, and only they can say which way out.
            return PreparedCheck(item, decided=_decided(Status.ERROR, item.command_reason))
        try:
            resolved = resolve_check(item, self.settings, self.templates, self.catalog)
            if resolved.spec.skip is not None:
                return PreparedCheck(item, resolved, _decided(Status.SKIP, resolved.spec.skip))
            _parse_assertions(resolved)  # fail early: a bad assertion never reaches a target
        except (ResolveError, CheckDefinitionError) as exc:
            message = str(exc)
            if isinstance(exc, ResolveError):
                message = f"{item.location}: {message}"
            return PreparedCheck(item, decided=_decided(Status.ERROR, message))
        except Exception as exc:  # a bug of ours must cost this check, never the build
            log.debug("preparing %s crashed", item.location, exc_info=True)
            message = f"{item.location}: internal error: {type(exc).__name__}: {exc}"
            return PreparedCheck(item, decided=_decided(Status.ERROR, message))
        if resolved.kind in COMMAND_KINDS and not self.settings.allow_commands:
            reason = "commands are disabled (set allow_commands: true to run them)"
            return PreparedCheck(item, resolved, _decided(Status.SKIP, reason))
        return PreparedCheck(item, resolved)

    # -- running -----------------------------------------------------------------------------

    async def run(self, item: CheckSpec | BrokenCheck) -> CheckResult:
        prepared = self.prepare(item)
        return make_result(prepared, await self.outcome(prepared), self.settings.env)

    async def run_all(
        self,
        items: Iterable[CheckSpec | BrokenCheck],
        on_result: Callable[[CheckResult], None] | None = None,
    ) -> list[CheckResult]:
        async def one(item: CheckSpec | BrokenCheck) -> CheckResult:
            result = await self.run(item)
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(item) for item in items)))

    def submit(self, prepared: PreparedCheck) -> Future[RunOutcome]:
        """The outcome of ``prepared`` as a future, for front-ends without an event loop: a
        decided or cached outcome at once, otherwise the worker processes' run of it (one run
        per resolved check, shared by every page that uses it)."""
        if self._session is None:
            raise RuntimeError("submit() needs a runner made with workers")
        if prepared.decided is not None:
            return _finished(prepared.decided)
        resolved = prepared.resolved
        assert resolved is not None
        key = resolved.run_key
        running = self._submitted.get(key)
        if running is None:
            cached = self._from_cache(resolved)
            if cached is not None:
                return _finished(cached)
            if self.mode == "never":
                return _finished(
                    _decided(Status.SKIP, "checks are off (run: never) and no cached result")
                )
            running = self._session.submit(resolved, redactor_for(resolved), _host_key(resolved))
            self._submitted[key] = running
            self._resolved_of[key] = resolved
        return running

    async def outcome(self, prepared: PreparedCheck) -> RunOutcome:
        if self._session is not None:
            # Shielded: a cancelled waiter must not cancel the run other pages share.
            return await asyncio.shield(asyncio.wrap_future(self.submit(prepared)))
        if prepared.decided is not None:
            return prepared.decided
        resolved = prepared.resolved
        assert resolved is not None
        key = resolved.run_key
        # A check this run already started is shared as it is, not "from the cache".
        running = self._in_flight.get(key)
        if running is None:
            cached = self._from_cache(resolved)
            if cached is not None:
                return cached
            if self.mode == "never":
                return _decided(Status.SKIP, "checks are off (run: never) and no cached result")
            running = asyncio.ensure_future(self._run_and_store(resolved))
            self._in_flight[key] = running
        return await asyncio.shield(running)

    def _from_cache(self, resolved: ResolvedCheck) -> RunOutcome | None:
        if self.mode == "always":
            return None
        outcome = self.cache.get(self.cache.key_for(resolved, self.settings.env))
        if outcome is None:
            return None
        if self.mode == "cached" and outcome.age_seconds() > self.settings.cache_ttl:
            return None
        return dataclasses.replace(outcome, cached=True)

    async def _run_and_store(self, resolved: ResolvedCheck) -> RunOutcome:
        # The future stays in _in_flight for the runner's life (one build or one CLI run):
        # a check used on several pages runs once even when the pages come one after another.
        outcome = await self._run_with_retries(resolved)
        self.cache.put(self.cache.key_for(resolved, self.settings.env), outcome)
        return outcome

    async def _run_with_retries(self, resolved: ResolvedCheck) -> RunOutcome:
        async with self._slot(resolved):
            return await run_attempts(resolved, self.context, redactor_for(resolved))

    def _slot(self, resolved: ResolvedCheck) -> _Slots:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.concurrency)
        host = _host_key(resolved)
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(self.settings.per_host)
        return _Slots(self._slots, self._host_slots[host])

    def close(self) -> None:
        """The end of the run: its worker session ends (the workers drop its connections), and
        the outcomes the workers sent go to the cache, which is written."""
        if self._session is not None:
            self._session.close()
        for key, done in self._submitted.items():
            if done.done() and not done.cancelled():
                resolved = self._resolved_of[key]
                self.cache.put(self.cache.key_for(resolved, self.settings.env), done.result())
        self.cache.flush()

    async def aclose(self) -> None:
        await self.context.aclose()
        self.close()


async def run_attempts(
    resolved: ResolvedCheck, context: ProbeContext, redactor: Redactor
) -> RunOutcome:
    """Run one resolved check: its attempts (retried after a fail), judged and redacted. This
    is what a worker process does with each check it is given; slots are the caller's."""
    spec = resolved.spec
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        checked_at = iso_utc(utc_now())
        outcome = await _attempt(resolved, context)
        if outcome.status is not Status.FAIL or attempts > spec.retries:
            break
        await asyncio.sleep(spec.retry_delay)
    outcome.attempts = attempts
    outcome.checked_at = checked_at
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return _redacted(outcome, redactor)


async def _attempt(resolved: ResolvedCheck, context: ProbeContext) -> RunOutcome:
    probe = probe_for(resolved.kind)
    try:
        observation = await asyncio.wait_for(probe(resolved, context), timeout=resolved.timeout)
        return judge(resolved, observation)
    except ProbeFailure as exc:
        return RunOutcome(Status.FAIL, message=exc.message, value=exc.value)
    except CheckDefinitionError as exc:  # e.g. a malformed HOST:PORT only the probe can see
        return RunOutcome(Status.ERROR, message=str(exc), value="invalid check")
    except ResolveError as exc:  # a redirect towards a host that is not allowed
        return RunOutcome(Status.ERROR, message=str(exc), value="host not allowed")
    except asyncio.TimeoutError:
        after = f"timed out after {format_timeout(resolved.timeout)}"
        return RunOutcome(Status.FAIL, message=f"{resolved.display_target}: {after}", value=after)
    except Exception as exc:  # a probe or judging bug must cost one check, never the build
        log.debug("probe %s crashed", resolved.kind, exc_info=True)
        message = f"internal error in the {resolved.kind} probe: {type(exc).__name__}: {exc}"
        return RunOutcome(Status.ERROR, message=message, value="internal error")


class _Slots:
    """Holds a global and a per-host slot; waiting here does not count against a timeout."""

    def __init__(self, overall: asyncio.Semaphore, host: asyncio.Semaphore) -> None:
        self._overall = overall
        self._host = host

    async def __aenter__(self) -> None:
        await self._host.acquire()
        try:
            await self._overall.acquire()
        except BaseException:
            self._host.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._overall.release()
        self._host.release()


def judge(resolved: ResolvedCheck, observation: Observation) -> RunOutcome:
    """Evaluate ``expect`` (with the kind's defaults) and ``warn`` against what was observed."""
    expect, warn = _parse_assertions(resolved)
    results: list[AssertionResult] = [evaluate(a, observation.subjects) for a in expect]
    results += [evaluate(a, observation.subjects, severity="warn") for a in warn]
    missed = [r for r in results if not r.ok and r.severity == "expect"]
    warned = [r for r in results if not r.ok and r.severity == "warn"]
    detail = shown_part(observation.detail)
    if missed:
        first = missed[0]
        return RunOutcome(
            Status.FAIL,
            message=first.message or f"expected {first.text}",
            value=_short(first.actual),
            assertions=results,
            detail=detail,
        )
    if warned:
        first = warned[0]
        message = first.message or f"warning: {first.text}"
        return RunOutcome(
            Status.WARN,
            message=message,
            value=_short(first.actual),
            assertions=results,
            detail=detail,
        )
    return RunOutcome(Status.PASS, value=observation.value, assertions=results, detail=detail)


def _parse_assertions(resolved: ResolvedCheck) -> tuple[list[Assertion], list[Assertion]]:
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


def make_result(prepared: PreparedCheck, outcome: RunOutcome, env: str) -> CheckResult:
    """Attach an outcome (possibly shared by several pages) to one check on one page."""
    item = prepared.item
    # A catalog merge fills in the name and tags; the page keeps its own id and place.
    described = prepared.resolved.spec if prepared.resolved is not None else item
    tags = list(described.tags) if isinstance(described, CheckSpec) else []
    notes = described.notes if isinstance(described, CheckSpec) else ()
    status, message = _with_notes(outcome.status, outcome.message, notes)
    return CheckResult(
        id=item.id,
        name=described.name,
        page=item.page,
        line=item.line,
        kind=prepared.kind,
        target=prepared.display_target,
        status=status,
        message=message,
        value=outcome.value or (outcome.status.value if outcome.status is Status.SKIP else ""),
        duration_ms=outcome.duration_ms,
        checked_at=outcome.checked_at or iso_utc(utc_now()),
        attempts=outcome.attempts,
        assertions=list(outcome.assertions),
        tags=tags,
        env=env,
        cached=outcome.cached,
        detail=outcome.detail,
    )


def _with_notes(status: Status, message: str, notes: tuple[str, ...]) -> tuple[Status, str]:
    """A check read with a warning (a value a YAML comment cut short) is not a clean pass: it
    may have checked something else than the author meant. The warning joins its message."""
    if not notes or status not in (Status.PASS, Status.WARN, Status.FAIL):
        return status, message
    noted = "; ".join(notes)
    if status is Status.PASS:
        return Status.WARN, noted
    return status, f"{message} — {noted}" if message else noted


def _decided(status: Status, message: str) -> RunOutcome:
    value = "skipped" if status is Status.SKIP else "invalid check"
    return RunOutcome(status, message=message, value=value, checked_at=iso_utc(utc_now()))


def _finished(outcome: RunOutcome) -> Future[RunOutcome]:
    future: Future[RunOutcome] = Future()
    future.set_result(outcome)
    return future


def redactor_for(resolved: ResolvedCheck) -> Redactor:
    """What masks the outcome of ``resolved``: its secrets, and its basic-auth credentials in
    the base64 form a target may echo."""
    redactor = Redactor(resolved.secrets)
    basic = resolved.params.get("basic_auth")
    if isinstance(basic, str):
        redactor.add_basic_auth(basic)
    return redactor


def _redacted(outcome: RunOutcome, redactor: Redactor) -> RunOutcome:
    if not redactor:
        return outcome
    outcome.message = redactor.text(outcome.message)
    outcome.value = redactor.text(outcome.value)
    outcome.detail = redactor.text(outcome.detail)
    for result in outcome.assertions:
        result.actual = redactor.value(result.actual)
        result.message = redactor.text(result.message)
        result.text = redactor.text(result.text)
    return outcome


def _short(actual: object) -> str:
    text = actual if isinstance(actual, str) else ("—" if actual is None else str(actual))
    return text if len(text) <= VALUE_CAP else text[: VALUE_CAP - 1] + "…"


def _host_key(resolved: ResolvedCheck) -> str:
    if resolved.kind in COMMAND_KINDS:
        return "<commands>"
    target = resolved.target.split()[-1] if resolved.target.split() else resolved.target
    host = target.split("://", 1)[-1].split("/", 1)[0]
    return host.lower()


def run_sync(
    runner_factory: Callable[[], CheckRunner],
    items: Iterable[CheckSpec | BrokenCheck],
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Run checks from synchronous code (CLI, pytest collection) on a private event loop."""

    async def main() -> list[CheckResult]:
        runner = runner_factory()
        try:
            return await runner.run_all(items, on_result)
        finally:
            await runner.aclose()

    return asyncio.run(main())


def skipped_result(item: CheckSpec | BrokenCheck, reason: str, env: str) -> CheckResult:
    """The result of a check that was not run on purpose (filtered out, checks off)."""
    return make_result(
        PreparedCheck(item, decided=_decided(Status.SKIP, reason)),
        _decided(Status.SKIP, reason),
        env,
    )
