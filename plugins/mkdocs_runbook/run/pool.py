"""Worker processes for the checks, seen from the front-end that starts them (SPEC 8, 14).

``WorkerPool(n)`` keeps ``n`` processes running ``worker.py``; ``pool.session(context, …)``
opens one run (a build, a CLI run, a pytest session) whose ``submit`` returns a future per
check. The front-end's process only hands checks out and takes outcomes back, on two threads
per worker (one writes frames, one reads them), so it never blocks on a pipe and nothing it
does (rendering pages, writing files) can stretch a measurement.

The session holds ``concurrency`` and ``per_host`` for all its workers together: a check is
sent to a worker only when both a slot of the run and a slot of its host are free, so the
bounds hold whatever the number of processes. Waiting checks go out in the order they came,
as soon as their host has room; the least busy worker takes each.

A worker that dies (killed, out of memory, a crash of the interpreter) costs the checks it was
running: each becomes an ``error`` saying the check worker died. The checks still waiting go
to a fresh worker. A worker that stops answering (a check well past its timeout) is killed the
same way, so no run waits for ever.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from ..model import ResolvedCheck
from ..resolve import Redactor
from ..results import RunOutcome, Status, iso_utc, utc_now
from .probes import ProbeContext
from .worker import BOOTSTRAP, CheckDone, CloseSession, FrameReader, OpenSession, RunCheck, frame

#: Beyond its own budget (every attempt's timeout and the delays between them), how long a
#: check may take before its worker is taken for stuck and killed.
STUCK_GRACE_S = 30.0
#: How long a closing worker has to finish cleanly before it is killed.
CLOSE_WAIT_S = 5.0
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


@dataclass(eq=False)
class _Job:
    number: int
    session: WorkerSession
    resolved: ResolvedCheck
    redactor: Redactor
    host: str
    future: Future[RunOutcome] = field(default_factory=Future)
    deadline: float = 0.0

    def budget(self) -> float:
        spec = self.resolved.spec
        return (
            self.resolved.timeout * (spec.retries + 1)
            + spec.retry_delay * spec.retries
            + STUCK_GRACE_S
        )


class WorkerPool:
    """``processes`` check workers, started on demand (or by ``start``) and restarted when one
    dies. Thread-safe; usable again after ``close``."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        # Re-entrant: a future's callbacks may run while it is held and submit again.
        self._lock = threading.RLock()
        self._workers: list[_Worker] = []
        self._stopping: list[_Worker] = []  # closed without waiting: reaped by the next close
        self._sessions: dict[int, WorkerSession] = {}
        self._numbers = itertools.count(1)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers running now."""
        with self._lock:
            return [worker.pid for worker in self._workers]

    def start(self) -> None:
        """Start every worker now rather than at the first check: a site build does this at
        ``on_config``, so the workers are ready by the time pages are read."""
        with self._lock:
            while len(self._workers) < self.processes:
                self._workers.append(_Worker(self))

    def session(self, context: ProbeContext, *, concurrency: int, per_host: int) -> WorkerSession:
        session = WorkerSession(self, next(self._numbers), context, concurrency, per_host)
        with self._lock:
            self._sessions[session.number] = session
        return session

    def close(self, *, wait: bool = True) -> None:
        """End every worker: their input is closed, they cancel what still runs and exit (or are
        killed after ``CLOSE_WAIT_S``). Checks still running or waiting become errors. Without
        ``wait`` the workers end while the caller goes on; a later ``close`` waits for them."""
        with self._lock:
            workers, self._workers = self._workers, []
            for worker in workers:
                worker.closing = True
                worker.send(None)
            self._stopping += workers
            waiting = [job for s in self._sessions.values() for job in s.drain_locked()]
        for job in waiting:
            _settle(job.future, _worker_error("the check workers were stopped before it started"))
        if not wait:
            return
        with self._lock:
            stopping, self._stopping = self._stopping, []
        for worker in stopping:
            worker.stop(CLOSE_WAIT_S)

    # -- scheduling (every method ending in _locked runs under self._lock) -------------------

    def _dispatch_locked(self, session: WorkerSession) -> None:
        while session.running < session.concurrency:
            job = session.next_ready_locked()
            if job is None:
                return
            try:
                worker = self._least_busy_locked()
            except OSError as exc:  # no process to be had (out of memory, of descriptors)
                session.release_locked(job)
                _settle(job.future, _worker_error(f"could not start a check worker: {exc}"))
                continue
            job.deadline = time.monotonic() + job.budget()
            worker.give(job)

    def _least_busy_locked(self) -> _Worker:
        while len(self._workers) < self.processes:
            self._workers.append(_Worker(self))
        worker = min(self._workers, key=lambda w: (len(w.running), w.last_given))
        worker.last_given = next(self._numbers)
        return worker

    def _finished(self, worker: _Worker, number: int, outcome: RunOutcome) -> None:
        with self._lock:
            job = worker.running.pop(number, None)
            if job is None:
                return
            job.session.release_locked(job)
            self._dispatch_locked(job.session)
        _settle(job.future, outcome)

    def _died(self, worker: _Worker, reason: str) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            lost = list(worker.running.values())
            worker.running.clear()
            for job in lost:
                job.session.release_locked(job)
            for session in list(self._sessions.values()):
                self._dispatch_locked(session)
        for job in lost:
            message = f"check worker died ({reason}) before this check finished"
            _settle(job.future, _worker_error(message))

    def _forget(self, session: WorkerSession) -> list[_Job]:
        with self._lock:
            self._sessions.pop(session.number, None)
            for worker in self._workers:
                if session.number in worker.sessions:
                    worker.sessions.discard(session.number)
                    worker.send(frame(CloseSession(session.number)))
            return session.drain_locked()


class WorkerSession:
    """One run's checks in the pool: ``submit`` each, then ``close``."""

    def __init__(
        self,
        pool: WorkerPool,
        number: int,
        context: ProbeContext,
        concurrency: int,
        per_host: int,
    ) -> None:
        self.pool = pool
        self.number = number
        self.context = context
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, per_host)
        self.running = 0
        self._running_by_host: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, deque[_Job]] = defaultdict(deque)
        # (number of the host's first waiting job, host) for hosts that may have room; checked
        # when taken, so an entry made stale by later events is skipped.
        self._ready: list[tuple[int, str]] = []

    def submit(self, resolved: ResolvedCheck, redactor: Redactor, host: str) -> Future[RunOutcome]:
        """Run ``resolved`` in a worker when its slots are free; ``host`` is what ``per_host``
        counts. The future is never left pending: an outcome, or an ``error`` one."""
        job = _Job(next(self.pool._numbers), self, resolved, redactor, host)
        with self.pool._lock:
            waiting = self._waiting[host]
            waiting.append(job)
            if len(waiting) == 1:
                heapq.heappush(self._ready, (job.number, host))
            self.pool._dispatch_locked(self)
        return job.future

    def close(self) -> None:
        """The run is over: workers drop its connections; a check never sent is an error."""
        for job in self.pool._forget(self):
            _settle(job.future, _worker_error("the run ended before this check was started"))

    def next_ready_locked(self) -> _Job | None:
        while self._ready:
            number, host = heapq.heappop(self._ready)
            waiting = self._waiting.get(host)
            if not waiting or waiting[0].number != number:
                continue  # stale
            if self._running_by_host[host] >= self.per_host:
                continue  # pushed again when one of the host's checks finishes
            job = waiting.popleft()
            if waiting:
                heapq.heappush(self._ready, (waiting[0].number, host))
            else:
                del self._waiting[host]
            if job.future.cancelled():
                continue
            self.running += 1
            self._running_by_host[job.host] += 1
            return job
        return None

    def release_locked(self, job: _Job) -> None:
        self.running -= 1
        self._running_by_host[job.host] -= 1
        waiting = self._waiting.get(job.host)
        if waiting:
            heapq.heappush(self._ready, (waiting[0].number, job.host))

    def drain_locked(self) -> list[_Job]:
        jobs = [job for waiting in self._waiting.values() for job in waiting]
        self._waiting.clear()
        self._ready.clear()
        return jobs


class _Worker:
    """One worker process and the two threads that talk to it."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.running: dict[int, _Job] = {}
        self.sessions: set[int] = set()
        self.last_given = 0
        self.closing = False
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._stuck = ""
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP, _PACKAGE_PARENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: a Ctrl-C in the terminal is the front-end's to handle.
            start_new_session=True,
        )
        self.pid = self.process.pid
        for target, name in ((self._write, "writer"), (self._read, "reader")):
            threading.Thread(
                target=target, name=f"runbook-worker-{self.pid}-{name}", daemon=True
            ).start()

    def give(self, job: _Job) -> None:
        """Send ``job`` (under the pool's lock), opening its session here first if needed."""
        session = job.session
        if session.number not in self.sessions:
            self.sessions.add(session.number)
            self.send(frame(OpenSession(session.number, session.context)))
        self.running[job.number] = job
        self.send(frame(RunCheck(job.number, session.number, job.resolved, job.redactor)))

    def send(self, data: bytes | None) -> None:
        """Queue a frame (``None``: close the worker's input); never blocks."""
        self._outbox.put(data)

    def _write(self) -> None:
        pipe = self.process.stdin
        assert pipe is not None
        descriptor = pipe.fileno()
        try:
            while (data := self._outbox.get()) is not None:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
        except OSError:
            pass  # the worker is gone; the reader sees it and tells the pool
        finally:
            pipe.close()

    def _read(self) -> None:
        pipe = self.process.stdout
        assert pipe is not None
        descriptor = pipe.fileno()
        frames = FrameReader()
        try:
            while True:
                readable, _, _ = select.select([descriptor], [], [], self._patience())
                if not readable:
                    self._kill_if_stuck()
                    continue
                data = os.read(descriptor, 1 << 16)
                if not data:
                    break
                for message in frames.feed(data):
                    if isinstance(message, CheckDone):
                        self.pool._finished(self, message.job, message.outcome)
        except Exception as exc:  # a broken frame: the worker is unusable
            self._stuck = f"unreadable answer: {type(exc).__name__}"
            self.process.kill()
        finally:
            pipe.close()
        self.pool._died(self, self._end_reason())

    def _patience(self) -> float:
        """Seconds until the first running check is overdue (at most one)."""
        with self.pool._lock:
            deadlines = [job.deadline for job in self.running.values()]
        return max(0.05, min([1.0, *(d - time.monotonic() for d in deadlines)]))

    def _kill_if_stuck(self) -> None:
        now = time.monotonic()
        with self.pool._lock:
            overdue = any(job.deadline < now for job in self.running.values())
        if overdue and not self._stuck:
            self._stuck = f"no answer {STUCK_GRACE_S:g} s past a check's timeout: stopped"
            self.process.kill()

    def _end_reason(self) -> str:
        try:
            code = self.process.wait(timeout=CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if self._stuck:
            return self._stuck
        if self.closing:
            return "stopped at the end of the run"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def stop(self, patience: float) -> None:
        try:
            self.process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _worker_error(message: str) -> RunOutcome:
    return RunOutcome(
        Status.ERROR, message=message, value="worker died", checked_at=iso_utc(utc_now())
    )


def _settle(future: Future[RunOutcome], outcome: RunOutcome) -> None:
    # A waiter that gave up (pytest -x, Ctrl-C) may have cancelled it.
    with contextlib.suppress(InvalidStateError):
        future.set_result(outcome)
