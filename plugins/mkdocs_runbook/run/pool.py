"""Worker processes for the checks, seen from the front-end that starts them (SPEC 8, 14).

``WorkerPool(n)`` keeps ``n`` processes running ``worker.py``; ``pool.session(context, …)``
opens one run (a build, a CLI run, a pytest session) whose ``submit`` returns a future per
check. The front-end's process only hands checks out and takes outcomes back (one thread per
worker reads them; frames go out without blocking), so nothing it does (rendering pages,
writing files) can stretch a measurement.

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
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import Future
from types import TracebackType

from ..model import ResolvedCheck
from ..results import RunOutcome
from .probes import ProbeContext
from .wire import CloseSession, frame
from .worker_process import CLOSE_WAIT_S, Job, WorkerProcess, settle, worker_error


class WorkerPool:
    """``processes`` check workers, started on demand (or by ``start``) and restarted when one
    dies. Thread-safe; usable again after ``close``."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        # Re-entrant: a future's callbacks may run while it is held and submit again.
        self.lock = threading.RLock()
        self._workers: list[WorkerProcess] = []
        self._stopping: list[WorkerProcess] = []  # closed without waiting: reaped by the next close
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
        with self.lock:
            return [worker.pid for worker in self._workers]

    def exited(self) -> bool:
        """Whether no worker process is left: none running, and every closed one gone."""
        with self.lock:
            return not self._workers and all(
                worker.process.poll() is not None for worker in self._stopping
            )

    def start(self) -> None:
        """Start every worker now rather than at the first check: a site build does this at
        ``on_config``, so the workers are ready by the time pages are read. A worker that
        cannot be started now is tried again for the first check, which reports why."""
        with self.lock, contextlib.suppress(OSError):
            while len(self._workers) < self.processes:
                self._workers.append(WorkerProcess(self))

    def session(self, context: ProbeContext, *, concurrency: int, per_host: int) -> WorkerSession:
        session = WorkerSession(self, next(self._numbers), context, concurrency, per_host)
        with self.lock:
            self._sessions[session.number] = session
        return session

    def close(self, *, wait: bool = True) -> None:
        """End every worker: their input is closed, they cancel what still runs and exit (or are
        killed after ``CLOSE_WAIT_S``). Checks still running or waiting become errors. Without
        ``wait`` the workers end while the caller goes on; a later ``close`` waits for them."""
        with self.lock:
            workers, self._workers = self._workers, []
            for worker in workers:
                worker.closing = True
                worker.send(None)
            self._stopping += workers
            waiting = [job for s in self._sessions.values() for job in s.drain_locked()]
        for job in waiting:
            settle(job.future, worker_error("the check workers were stopped before it started"))
        if not wait:
            return
        with self.lock:
            stopping, self._stopping = self._stopping, []
        for worker in stopping:
            worker.stop(CLOSE_WAIT_S)

    # -- scheduling (every method ending in _locked runs under self.lock) -------------------

    def _dispatch_locked(self, session: WorkerSession) -> None:
        while session.running < session.concurrency:
            job = session.next_ready_locked()
            if job is None:
                return
            try:
                worker = self._least_busy_locked()
            except OSError as exc:  # no process to be had (out of memory, of descriptors)
                session.release_locked(job)
                settle(job.future, worker_error(f"could not start a check worker: {exc}"))
                continue
            job.deadline = time.monotonic() + job.budget()
            worker.give(job)

    def _least_busy_locked(self) -> WorkerProcess:
        while len(self._workers) < self.processes:
            self._workers.append(WorkerProcess(self))
        worker = min(self._workers, key=lambda w: (len(w.running), w.last_given))
        worker.last_given = next(self._numbers)
        return worker

    def finished(self, worker: WorkerProcess, number: int, outcome: RunOutcome) -> None:
        with self.lock:
            job = worker.running.pop(number, None)
            if job is None:
                return
            job.session.release_locked(job)
            self._dispatch_locked(job.session)
        settle(job.future, outcome)

    def died(self, worker: WorkerProcess, reason: str) -> None:
        with self.lock:
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
            settle(job.future, worker_error(message))

    def _forget(self, session: WorkerSession) -> list[Job]:
        with self.lock:
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
        self._waiting: dict[str, deque[Job]] = defaultdict(deque)
        # (number of the host's first waiting job, host) for hosts that may have room; checked
        # when taken, so an entry made stale by later events is skipped.
        self._ready: list[tuple[int, str]] = []

    def submit(
        self, resolved: ResolvedCheck, secrets: tuple[str, ...], host: str
    ) -> Future[RunOutcome]:
        """Run ``resolved`` in a worker when its slots are free, its outcome masked with
        ``secrets``; ``host`` is what ``per_host`` counts. The future is never left pending:
        an outcome, or an ``error`` one."""
        job = Job(next(self.pool._numbers), self, resolved, secrets, host)
        with self.pool.lock:
            waiting = self._waiting[host]
            waiting.append(job)
            if len(waiting) == 1:
                heapq.heappush(self._ready, (job.number, host))
            self.pool._dispatch_locked(self)
        return job.future

    def close(self) -> None:
        """The run is over: workers drop its connections; a check never sent is an error."""
        for job in self.pool._forget(self):
            settle(job.future, worker_error("the run ended before this check was started"))

    def next_ready_locked(self) -> Job | None:
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

    def release_locked(self, job: Job) -> None:
        self.running -= 1
        self._running_by_host[job.host] -= 1
        waiting = self._waiting.get(job.host)
        if waiting:
            heapq.heappush(self._ready, (waiting[0].number, job.host))

    def drain_locked(self) -> list[Job]:
        jobs = [job for waiting in self._waiting.values() for job in waiting]
        self._waiting.clear()
        self._ready.clear()
        return jobs
