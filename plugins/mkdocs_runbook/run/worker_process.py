"""One check worker process, seen from the front-end: the process, its pipes and the thread
that talks to it (``pool.WorkerPool`` decides what it runs).

Frames go out as far as the pipe takes them at once, the rest when it has room, so the
front-end never blocks on a worker; outcomes come in on the thread, which also notices a worker
that died (its output ends) or stopped answering (a check long past its timeout: killed).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import ResolvedCheck
from ..results import RunOutcome, Status, iso_utc, utc_now
from .wire import BOOTSTRAP, CheckDone, FrameReader, OpenSession, RunCheck, frame

if TYPE_CHECKING:
    from .pool import WorkerPool, WorkerSession

#: check may take before its worker is taken for stuck and killed.
STUCK_GRACE_S = 30.0
#: How long a closing worker has to finish cleanly before it is killed.
CLOSE_WAIT_S = 5.0
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


@dataclass(eq=False)
class Job:
    """One check handed to the pool: where it stands and the future of its outcome."""

    number: int
    session: WorkerSession
    resolved: ResolvedCheck
    secrets: tuple[str, ...]
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


class WorkerProcess:
    """One worker process and the thread that talks to it."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.running: dict[int, Job] = {}
        self.sessions: set[int] = set()
        self.last_given = 0
        self.closing = False
        self._stuck = ""
        #: Frames the worker's input could not take yet, and whether to close it after them
        #: (both under the pool's lock).
        self._pending = bytearray()
        self._close_input = False
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP, _PACKAGE_PARENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: a Ctrl-C in the terminal is the front-end's to handle.
            start_new_session=True,
        )
        self.pid = self.process.pid
        assert self.process.stdin is not None
        self._input: int | None = self.process.stdin.fileno()
        os.set_blocking(self._input, False)
        # A byte here wakes the thread when frames are left for it to write.
        self._wake_reader, self._wake_writer = os.pipe()
        os.set_blocking(self._wake_writer, False)
        name = f"runbook-worker-{self.pid}"
        threading.Thread(target=self._talk, name=name, daemon=True).start()

    def give(self, job: Job) -> None:
        """Send ``job`` (under the pool's lock), opening its session here first if needed."""
        session = job.session
        if session.number not in self.sessions:
            self.sessions.add(session.number)
            self.send(frame(OpenSession(session.number, session.context)))
        self.running[job.number] = job
        self.send(frame(RunCheck(job.number, session.number, job.resolved, job.secrets)))

    def send(self, data: bytes | None) -> None:
        """Write a frame now, as far as the pipe takes it, and leave the rest to the thread
        (``None``: close the worker's input after what is left). Under the pool's lock; never
        blocks. Writing here, not on a thread of its own, spares each check a wait for the
        interpreter lock, which MkDocs holds while it renders."""
        if data is None:
            self._close_input = True
        elif self._pending:
            self._pending += data
        else:
            self._pending += data[self._write_some(data) :]
        if self._pending:
            with contextlib.suppress(BlockingIOError):  # full: a wake-up is pending anyway
                os.write(self._wake_writer, b"\0")
        elif self._close_input:
            self._shut_input()

    def _write_some(self, data: bytes | bytearray) -> int:
        if self._input is None:
            return len(data)  # the worker's input is gone: nothing reaches it any more
        try:
            return os.write(self._input, data)
        except BlockingIOError:
            return 0
        except OSError:  # the worker is gone; its output ends too, and the thread says so
            self._shut_input()
            return len(data)

    def _shut_input(self) -> None:
        if self._input is not None and self.process.stdin is not None:
            self.process.stdin.close()
        self._input = None

    def _flush(self) -> None:
        with self.pool.lock:
            del self._pending[: self._write_some(self._pending)]
            if not self._pending and self._close_input:
                self._shut_input()

    def _talk(self) -> None:
        """Read outcomes, write what ``send`` could not, watch for a stuck worker."""
        pipe = self.process.stdout
        assert pipe is not None
        output = pipe.fileno()
        frames = FrameReader()
        try:
            while True:
                with self.pool.lock:
                    writing = [self._input] if self._pending and self._input is not None else []
                readable, writable, _ = select.select(
                    [output, self._wake_reader], writing, [], self._patience()
                )
                if self._wake_reader in readable:
                    os.read(self._wake_reader, 1 << 12)
                if writable:
                    self._flush()
                if output not in readable:
                    self._kill_if_stuck()
                    continue
                data = os.read(output, 1 << 16)
                if not data:
                    break
                for message in frames.feed(data):
                    if isinstance(message, CheckDone):
                        self.pool.finished(self, message.job, message.outcome)
        except Exception as exc:  # a broken frame: the worker is unusable
            self._stuck = f"unreadable answer: {type(exc).__name__}"
            self.process.kill()
        finally:
            pipe.close()
            with self.pool.lock:  # from here on ``send`` drops what it is given
                self._shut_input()
                self._pending.clear()
                os.close(self._wake_reader)
                os.close(self._wake_writer)
        self.pool.died(self, self._end_reason())

    def _patience(self) -> float:
        """Seconds until the first running check is overdue (at most one)."""
        with self.pool.lock:
            deadlines = [job.deadline for job in self.running.values()]
        return max(0.05, min([1.0, *(d - time.monotonic() for d in deadlines)]))

    def _kill_if_stuck(self) -> None:
        now = time.monotonic()
        with self.pool.lock:
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


def worker_error(message: str) -> RunOutcome:
    return RunOutcome(
        Status.ERROR, message=message, value="worker died", checked_at=iso_utc(utc_now())
    )


def settle(future: Future[RunOutcome], outcome: RunOutcome) -> None:
    # A waiter that gave up (pytest -x, Ctrl-C) may have cancelled it.
    with contextlib.suppress(InvalidStateError):
        future.set_result(outcome)
