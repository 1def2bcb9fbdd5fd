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

import copy
import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import CheckDefinitionError, ResolveError
from ..model import BrokenCheck, CheckSpec, ResolvedCheck
from ..resolve import (
    COMMAND_KINDS,
    CheckCatalog,
    Redactor,
    Templates,
    counted_endpoint,
    resolve_check,
)
from ..resolve.hosts import canonical_host
from ..results import CheckResult, RunOutcome, Status, iso_utc, utc_now
from ..settings import RunbookSettings
from .cache import ResultCache
from .preparing import masked_traceback, parse_assertions, shown
from .probes import ProbeContext

# asyncio and ``attempts`` (the probes) load with the first check awaited here (``run``,
# ``run_all``, ``run_sync``): a site build only prepares checks and submits them to the
# worker processes, and never needs them in MkDocs' process.
if TYPE_CHECKING:
    import asyncio

    from .pool import WorkerPool, WorkerSession

log = logging.getLogger("mkdocs.plugins.runbook")

#: always: run every check; cached: reuse a result younger than cache_ttl, else run;
#: never: reuse any cached result, else skip.
CacheMode = Literal["always", "cached", "never"]


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
        self._session: WorkerSession | None = None
        if workers is not None:
            self._session = workers.session(
                self.context, concurrency=settings.concurrency, per_host=settings.per_host
            )
        self._submitted: dict[str, tuple[ResolvedCheck, Future[RunOutcome]]] = {}
        #: How many of ``_submitted``'s first runs are known to be done (``all_submitted_done``).
        self._known_done = 0

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
        return shown(outcome, self.redactor)

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
            parse_assertions(resolved)  # fail early: a bad assertion never reaches a target
        except (ResolveError, CheckDefinitionError) as exc:
            message = str(exc)
            if isinstance(exc, ResolveError):
                message = f"{item.location}: {message}"
            return PreparedCheck(item, decided=_decided(Status.ERROR, message))
        except Exception as exc:  # a bug of ours must cost this check, never the build
            log.debug("preparing %s crashed: %s", item.location, masked_traceback(self.redactor))
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
        import asyncio

        items = list(items)
        self.learn(items)

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
        submitted = self._submitted.get(key)
        if submitted is None:
            cached = self._from_cache(resolved)
            if cached is not None:
                return _finished(cached)
            if self.mode == "never":
                return _finished(
                    _decided(
                        Status.SKIP, "no result: checks are off (run: never) and none is cached"
                    )
                )
            # The worker masks with every secret the run knows by now, and cuts; ``close``
            # masks again with all of them.
            running = self._session.submit(resolved, self.redactor.secrets, _host_key(resolved))
            submitted = self._submitted[key] = (resolved, running)
        return submitted[1]

    def cached_outcome(self, prepared: PreparedCheck) -> RunOutcome | None:
        """What ``submit`` would take from the cache for ``prepared`` now, if anything: for the
        process that prepares a build's pages ahead of it (``run.ahead``)."""
        if prepared.decided is not None or prepared.resolved is None:
            return None
        return self._from_cache(prepared.resolved)

    def submit_cached(self, prepared: PreparedCheck, outcome: RunOutcome) -> Future[RunOutcome]:
        """``submit`` with the cache's ``outcome`` for ``prepared`` taken already, by the
        process that prepared the page ahead (``cached_outcome``): masked again with every
        secret this run knows by now, as ``submit`` masks what it takes."""
        resolved = prepared.resolved
        assert resolved is not None
        submitted = self._submitted.get(resolved.run_key)
        if submitted is not None:  # another page's use of the check runs: it shares that run
            return submitted[1]
        self.redactor.outcome(outcome)
        return _finished(outcome)

    def all_submitted_done(self) -> bool:
        """Whether every check handed to the workers so far has its outcome."""
        # Checks end roughly in the order they were sent: those known done are skipped.
        for _, running in itertools.islice(self._submitted.values(), self._known_done, None):
            if not running.done():
                return False
            self._known_done += 1
        return True

    async def outcome(self, prepared: PreparedCheck) -> RunOutcome:
        import asyncio

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
                return _decided(
                    Status.SKIP, "no result: checks are off (run: never) and none is cached"
                )
            running = asyncio.ensure_future(self._run_and_store(resolved))
            self._in_flight[key] = running
        return await asyncio.shield(running)

    def _from_cache(self, resolved: ResolvedCheck) -> RunOutcome | None:
        if self.mode == "always":
            return None
        outcome = self.cache.get(
            self.cache.key_for(resolved, self.settings.env, self.settings.allowed_hosts)
        )
        if outcome is None:
            return None
        if self.mode == "cached" and outcome.age_seconds() > self.settings.cache_ttl:
            return None
        # A copy to mask and cut: the cached one stays whole. Its texts are clean already, so
        # not made anew (``replace`` would clean every text again).
        reused = copy.copy(outcome)
        reused.cached = True
        return self.shown(reused)

    async def _run_and_store(self, resolved: ResolvedCheck) -> RunOutcome:
        # The future stays in _in_flight for the runner's life (one build or one CLI run):
        # a check used on several pages runs once even when the pages come one after another.
        outcome = self.shown(await self._run_with_retries(resolved))
        self.cache.put(
            self.cache.key_for(resolved, self.settings.env, self.settings.allowed_hosts), outcome
        )
        self._stored.append(outcome)
        return outcome

    async def _run_with_retries(self, resolved: ResolvedCheck) -> RunOutcome:
        from .attempts import run_attempts

        async with self._slot(resolved):
            return await run_attempts(resolved, self.context, self.redactor)

    def _slot(self, resolved: ResolvedCheck) -> _Slots:
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.concurrency)
        host = _host_key(resolved)
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(self.settings.per_host)
        return _Slots(self._slots, self._host_slots[host])

    def close(self) -> None:
        """The end of the run: its worker session ends (the workers drop its connections), the
        outcomes the workers sent go to the cache, and the cache is written."""
        if self._session is not None:
            self._session.close()
        for resolved, done in self._submitted.values():
            if done.done() and not done.cancelled():
                outcome = done.result()
                self.cache.put(
                    self.cache.key_for(resolved, self.settings.env, self.settings.allowed_hosts),
                    outcome,
                )
                self._stored.append(outcome)
        # The run knows all its secrets now; an outcome stored early may hold one that only a
        # later check named.
        for outcome in self._stored:
            self.redactor.outcome(outcome)
        self.cache.flush()

    async def aclose(self) -> None:
        await self.context.aclose()
        self.close()


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


def _finished(outcome: RunOutcome) -> Future[RunOutcome]:
    future: Future[RunOutcome] = Future()
    future.set_result(outcome)
    return future


def _host_key(resolved: ResolvedCheck) -> str:
    """What ``per_host`` counts: the host and port the check connects to (two services on one
    machine are two hosts)."""
    if resolved.kind in COMMAND_KINDS:
        return "<commands>"
    endpoint = counted_endpoint(resolved.kind, resolved.target, resolved.params)
    if endpoint is None:
        return f"<{resolved.kind}>"
    return f"{canonical_host(endpoint.host)}:{endpoint.port}"


def run_sync(
    runner_factory: Callable[[], CheckRunner],
    items: Iterable[CheckSpec | BrokenCheck],
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Run checks from synchronous code (CLI, pytest collection) on a private event loop."""
    import asyncio

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
