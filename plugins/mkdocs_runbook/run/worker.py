"""The check worker: a process of its own that runs the checks a front-end hands it (SPEC 8, 14).

A check measures the target's time only if nothing else runs in the process that measures it:
in MkDocs' interpreter every resumption of a check would wait for a slice of page rendering.
So the front-ends (``pool.WorkerPool``) start this module as ``python -c …`` and talk to it
over its standard input and output, in the frames of ``wire``.

In the worker one asyncio loop reads messages and runs each check as a task
(``runner.run_attempts``); the parent decides how many run at once, so the worker runs every
check it is given straight away. Output and errors of our own code go to standard error; the
protocol has the real standard output to itself. The worker ends when its input ends (the
parent closed it, or died): unfinished checks are cancelled and their connections closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys

from ..resolve import Redactor
from ..results import RunOutcome, Status
from .attempts import run_attempts
from .preparing import masked_traceback
from .probes import ProbeContext
from .wire import LENGTH, CheckDone, CloseSession, OpenSession, RunCheck, frame

log = logging.getLogger("mkdocs.plugins.runbook")


def main() -> None:
    """The worker process: protocol on the standard input and output it was started with."""
    # Ctrl-C in a terminal reaches the whole foreground group; the parent decides when we end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A thread doing CPU work (a library's resolver, a long parse) hands the interpreter back
    # to the loop that takes the timestamps within a millisecond, not the default five.
    sys.setswitchinterval(0.001)
    reading, writing = os.dup(0), os.dup(1)  # duplicates are not inherited by commands
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.close(nothing)
    os.dup2(2, 1)  # a stray print() must not corrupt a frame
    sys.stdout = sys.stderr
    asyncio.run(_serve(reading, writing))


async def _serve(reading: int, writing: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(reading, "rb", buffering=0)
    )
    # The transport buffers what the pipe cannot take yet: writing never blocks the loop.
    transport, _ = await loop.connect_write_pipe(
        asyncio.Protocol, os.fdopen(writing, "wb", buffering=0)
    )
    contexts: dict[int, ProbeContext] = {}
    running: set[asyncio.Task[None]] = set()
    redactors = _Redactors()

    async def run(message: RunCheck) -> None:
        redactor = redactors.get(message.secrets)
        try:
            context = contexts[message.session]
            outcome = await run_attempts(message.resolved, context, redactor)
            data = frame(CheckDone(message.job, outcome))
        except Exception as exc:  # a bug of ours costs this check, never the worker
            log.debug("check worker: %s", masked_traceback(redactor))
            failed = RunOutcome(
                Status.ERROR,
                message=redactor.text(f"internal error in the check worker: {exc!r}"),
                value="internal error",
            )
            data = frame(CheckDone(message.job, failed))
        if not transport.is_closing():
            transport.write(data)

    try:
        while True:
            try:
                (length,) = LENGTH.unpack(await reader.readexactly(LENGTH.size))
                message = pickle.loads(await reader.readexactly(length))
            except asyncio.IncompleteReadError:
                return  # the parent closed our input, or is gone
            if isinstance(message, RunCheck):
                task = asyncio.create_task(run(message))
                running.add(task)
                task.add_done_callback(running.discard)
            elif isinstance(message, OpenSession):
                contexts[message.session] = message.context
            elif isinstance(message, CloseSession):
                closing = contexts.pop(message.session, None)
                if closing is not None:
                    await closing.aclose()
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for context in contexts.values():
            with contextlib.suppress(Exception):
                await context.aclose()
        transport.close()


class _Redactors:
    """The run's redactor, made again only when the run has learnt more secrets (compiling
    its patterns costs more than a check)."""

    def __init__(self) -> None:
        self._secrets: tuple[str, ...] | None = None
        self._redactor = Redactor()

    def get(self, secrets: tuple[str, ...]) -> Redactor:
        if secrets != self._secrets:
            self._secrets, self._redactor = secrets, Redactor(secrets)
        return self._redactor
