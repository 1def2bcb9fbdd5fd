"""Running checks: all at once on asyncio, bounded by ``concurrency`` and ``per_host``, each
attempt bounded by its ``timeout``, retried after a fail, judged by the assertions (SPEC 4, 8).

A check that is broken, unresolvable or skipped becomes a result without touching the
network; a probe that blows up becomes an ``error`` for that check alone. Two pages using the
same resolved check share one run (``ResolvedCheck.run_key``).

Secrets (SPEC 8): the runner is the one place results leave from, so it masks them. Every
outcome is masked with the run's redactor (every secret any check of the run names, and the
``pass_env`` values) while its texts are still whole, then shortened to what outputs show
(``text.cut``); the assertions mask measured values before they shorten them. Every result is
masked again when it is made (``result``), and the cache once more before it is written, when
the run knows all its secrets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..assertions import (
    Assertion,
    check_subject_for_kind,
    evaluate,
    parse_assertion,
    with_default_expectations,
)
from ..errors import CheckDefinitionError, ProbeFailure, ResolveError
from ..model import AssertionSource, BrokenCheck, CheckSpec, ResolvedCheck
from ..readable import readable
from ..resolve import (
    COMMAND_KINDS,
    CheckCatalog,
    InvalidTarget,
    Redactor,
    Templates,
    resolve_check,
    target_endpoint,
)
from ..resolve.hosts import canonical_host
from ..results import AssertionResult, CheckResult, RunOutcome, Status, iso_utc, utc_now
from ..settings import RunbookSettings
from ..text import cut, shown_part
from ..units import format_timeout
from .cache import ResultCache
from .offload import off_loop_if_heavy
from .probes import Observation, ProbeContext, probe_for

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
    """Prepares and runs checks for one environment. Use from one event loop at a time."""

    def __init__(
        self,
        settings: RunbookSettings,
        *,
        catalog: CheckCatalog | None = None,
        environ: Mapping[str, str] | None = None,
        cache: ResultCache | None = None,
        mode: CacheMode = "always",
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.templates = Templates(settings, environ)
        #: Every secret of the run: what every outcome and result is masked with.
        self.redactor: Redactor = self.templates.redactor
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
        self._stored: list[RunOutcome] = []

    # -- secrets -----------------------------------------------------------------------------

    def learn(self, items: Iterable[CheckSpec | BrokenCheck]) -> None:
        """Mask the secrets ``items`` name from now on, before any of them runs: a result
        must not show a secret that only a later check of the run names."""
        for item in items:
            self.templates.note_references(item.source)
            if isinstance(item, CheckSpec):
                texts = [item.target or "", *(a.text for a in (*item.expect, *item.warn))]
                self.templates.note_references("\n".join(texts) + repr(item.params))

    def result(self, prepared: PreparedCheck, outcome: RunOutcome) -> CheckResult:
        """The result of ``prepared`` on its page, masked with every secret of the run."""
        result = make_result(prepared, outcome, self.settings.env, self.settings.zone)
        return self.redactor.result(result)

    def shown(self, outcome: RunOutcome) -> RunOutcome:
        """``outcome`` masked while whole, then cut to what outputs show (in place)."""
        self.redactor.outcome(outcome)
        outcome.message = cut(outcome.message)
        outcome.value = cut(outcome.value)
        outcome.detail = shown_part(outcome.detail)
        return outcome

    # -- preparing ---------------------------------------------------------------------------

    def prepare(self, item: CheckSpec | BrokenCheck) -> PreparedCheck:
        self.learn([item])
        prepared = self._prepare(item)
        if prepared.decided is not None:
            self.shown(prepared.decided)
        return prepared

    def _prepare(self, item: CheckSpec | BrokenCheck) -> PreparedCheck:
        if isinstance(item, BrokenCheck):
            return PreparedCheck(item, decided=_decided(Status.ERROR, str(item.error)))
        if item.skip is not None:
            return PreparedCheck(item, decided=_decided(Status.SKIP, item.skip))
        if item.zones and self.settings.zone not in item.zones:
            return PreparedCheck(item, decided=_decided(Status.SKIP, _zone_reason(item.zones)))
        if item.command_reason and not self.settings.allow_commands:
            # Not a skip: the author meant a native check, and only they can say which way out.
            return PreparedCheck(item, decided=_decided(Status.ERROR, item.command_reason))
        try:
            resolved = resolve_check(item, self.settings, self.templates, self.catalog)
            if resolved.spec.skip is not None:
                return PreparedCheck(item, resolved, _decided(Status.SKIP, resolved.spec.skip))
            zones = resolved.spec.zones  # a catalog entry's zones, unless the page says its own
            if zones and self.settings.zone not in zones:
                return PreparedCheck(item, resolved, _decided(Status.SKIP, _zone_reason(zones)))
            _parse_assertions(resolved)  # fail early: a bad assertion never reaches a target
        except (ResolveError, CheckDefinitionError) as exc:
            message = str(exc)
            if isinstance(exc, ResolveError):
                message = f"{item.location}: {message}"
            return PreparedCheck(item, decided=_decided(Status.ERROR, message))
        except Exception as exc:  # a bug of ours must cost this check, never the build
            log.debug("preparing %s crashed: %s", item.location, self._traceback())
            message = f"{item.location}: internal error: {type(exc).__name__}: {exc}"
            return PreparedCheck(item, decided=_decided(Status.ERROR, message))
        if resolved.kind in COMMAND_KINDS and not self.settings.allow_commands:
            reason = "commands are disabled (set allow_commands: true to run them)"
            return PreparedCheck(item, resolved, _decided(Status.SKIP, reason))
        return PreparedCheck(item, resolved)

    # -- running -----------------------------------------------------------------------------

    async def run(self, item: CheckSpec | BrokenCheck) -> CheckResult:
        prepared = self.prepare(item)
        return self.result(prepared, await self.outcome(prepared))

    async def run_all(
        self,
        items: Iterable[CheckSpec | BrokenCheck],
        on_result: Callable[[CheckResult], None] | None = None,
    ) -> list[CheckResult]:
        items = list(items)
        self.learn(items)

        async def one(item: CheckSpec | BrokenCheck) -> CheckResult:
            result = await self.run(item)
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(item) for item in items)))

    async def outcome(self, prepared: PreparedCheck) -> RunOutcome:
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
                return _decided(
                    Status.SKIP, "no result: checks are off (run: never) and none is cached"
                )
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
        return self.shown(dataclasses.replace(outcome, cached=True))

    async def _run_and_store(self, resolved: ResolvedCheck) -> RunOutcome:
        # The future stays in _in_flight for the runner's life (one build or one CLI run):
        # a check used on several pages runs once even when the pages come one after another.
        outcome = self.shown(await self._run_with_retries(resolved))
        self.cache.put(self.cache.key_for(resolved, self.settings.env), outcome)
        self._stored.append(outcome)
        return outcome

    async def _run_with_retries(self, resolved: ResolvedCheck) -> RunOutcome:
        spec = resolved.spec
        started = time.perf_counter()
        async with self._slot(resolved):
            attempts = 0
            while True:
                attempts += 1
                checked_at = iso_utc(utc_now())
                outcome = await self._attempt(resolved)
                if outcome.status is not Status.FAIL or attempts > spec.retries:
                    break
                await asyncio.sleep(spec.retry_delay)
        outcome.attempts = attempts
        outcome.checked_at = checked_at
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        return outcome

    async def _attempt(self, resolved: ResolvedCheck) -> RunOutcome:
        probe = probe_for(resolved.kind)

        async def measure_and_judge() -> RunOutcome:
            observation = await probe(resolved, self.context)
            # Judging (regular expressions, JSONPath over a large body) runs within the
            # attempt's timeout, and off the event loop when the observation is large.
            return await off_loop_if_heavy(
                _size(observation), judge, resolved, observation, self.redactor
            )

        try:
            return await asyncio.wait_for(measure_and_judge(), timeout=resolved.timeout)
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
            return RunOutcome(
                Status.FAIL, message=f"{resolved.display_target}: {after}", value=after
            )
        except Exception as exc:  # a probe or judging bug must cost one check, never the build
            log.debug("probe %s crashed: %s", resolved.kind, self._traceback())
            message = f"internal error in the {resolved.kind} probe: {type(exc).__name__}: {exc}"
            return RunOutcome(Status.ERROR, message=message, value="internal error")

    def _traceback(self) -> str:
        """The exception being handled, as text, masked (for debug logs)."""
        return self.redactor.text(traceback.format_exc())

    def _slot(self, resolved: ResolvedCheck) -> _Slots:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.concurrency)
        host = _host_key(resolved)
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(self.settings.per_host)
        return _Slots(self._slots, self._host_slots[host])

    async def aclose(self) -> None:
        await self.context.aclose()
        # The run knows all its secrets now; an outcome stored early may hold one that only a
        # later check named.
        for outcome in self._stored:
            self.redactor.outcome(outcome)
        self.cache.flush()


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


def judge(
    resolved: ResolvedCheck, observation: Observation, redactor: Redactor | None = None
) -> RunOutcome:
    """Evaluate ``expect`` (with the kind's defaults) and ``warn`` against what was observed.

    Measured values are masked with ``redactor`` while whole, before anything shortens them.
    """
    mask = (redactor or Redactor()).value
    expect, warn = _parse_assertions(resolved)
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


def make_result(
    prepared: PreparedCheck, outcome: RunOutcome, env: str, zone: str = ""
) -> CheckResult:
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
        zone=zone,
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


def _zone_reason(zones: list[str]) -> str:
    """SPEC 11's skip reason: ``runs in zone eu-private, us-private``."""
    return f"runs in zone {', '.join(zones)}"


def _decided(status: Status, message: str) -> RunOutcome:
    value = "skipped" if status is Status.SKIP else "invalid check"
    return RunOutcome(status, message=message, value=value, checked_at=iso_utc(utc_now()))


def _short(actual: object) -> str:
    text = readable(actual)
    return text if len(text) <= VALUE_CAP else text[: VALUE_CAP - 1] + "…"


def _size(observation: Observation) -> int:
    """How much an observation holds: the length of its texts and lists."""
    return sum(len(v) for v in observation.subjects.values() if isinstance(v, str | list))


def _host_key(resolved: ResolvedCheck) -> str:
    """What ``per_host`` counts: the host and port the check connects to, read by its kind's
    parser (two services on one machine are two hosts)."""
    if resolved.kind in COMMAND_KINDS:
        return "<commands>"
    try:
        endpoint = target_endpoint(resolved.kind, resolved.target, resolved.params)
    except InvalidTarget:
        endpoint = None
    if endpoint is None:
        return f"<{resolved.kind}>"
    return f"{canonical_host(endpoint.host)}:{endpoint.port}"


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


def skipped_result(
    item: CheckSpec | BrokenCheck, reason: str, env: str, zone: str = ""
) -> CheckResult:
    """The result of a check that was not run on purpose (filtered out, checks off)."""
    return make_result(
        PreparedCheck(item, decided=_decided(Status.SKIP, reason)),
        _decided(Status.SKIP, reason),
        env,
        zone,
    )
