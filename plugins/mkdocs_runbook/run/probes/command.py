"""The ``run`` probe: a command check, run as ``bash -eo pipefail -c SCRIPT`` (SPEC 1.2, 8).

Only with ``allow_commands``. The command gets no stdin, the runbook's base directory as its
working directory and a process group of its own. The event loop reads its stdout and stderr
as they come and the probe keeps at most ``READ_CAP_BYTES`` of each, so a chatty command
neither blocks on a full pipe nor fills memory. When the command exits, or the attempt is
cancelled (timeout), the whole process group is killed: background children a script
started must not outlive the check, nor hold its pipes open.

This uses asyncio's protocol API rather than ``asyncio.subprocess.Process``, whose ``wait()``
(before Python 3.12) returns only once the pipes close, which a background child can put
off forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass

from ...errors import ProbeFailure
from ...model import ResolvedCheck
from ...text import cut
from ...units import format_duration
from . import READ_CAP_BYTES, Observation, ProbeContext

#: After the group is killed, exit and end of output come at once, unless a process escaped
#: the group (``setsid``) while holding the pipes; past this, its output is abandoned.
_CLEANUP_GRACE_SECONDS = 1.0


@dataclass
class CommandRun:
    """A finished ``bash -eo pipefail -c`` run: its return code (negative: killed by that
    signal) and the kept part of each output (stderr is empty when merged into stdout)."""

    returncode: int
    stdout: CappedOutput
    stderr: CappedOutput
    latency: float


async def run_bash(script: str, context: ProbeContext, *, merge_stderr: bool = False) -> CommandRun:
    """Run ``script`` as the SPEC runs commands; shared by the ``run`` and ``console`` probes.

    On return and on cancellation alike, the command's whole process group is killed.
    """
    if not context.base_dir.is_dir():
        raise ProbeFailure(
            f"cannot run the command: its working directory {context.base_dir} does not exist",
            value="cannot start",
        )
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    try:
        transport, command = await loop.subprocess_exec(
            lambda: _CommandProtocol(merge_stderr),
            "bash",
            "-eo",
            "pipefail",
            "-c",
            script,
            cwd=context.base_dir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ProbeFailure(
            "cannot run the command: bash is not installed", value="cannot start"
        ) from None

    try:
        await command.exited.wait()
        latency = time.perf_counter() - started
    finally:
        # On success and on cancellation alike: nothing the command started may outlive the
        # attempt, and killing the group also closes pipes that background children hold.
        _kill_group(transport.get_pid())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(command.finished(), _CLEANUP_GRACE_SECONDS)
        transport.close()

    returncode = transport.get_returncode()
    assert returncode is not None  # ``exited`` is set only once the return code is known
    return CommandRun(returncode, command.stdout, command.stderr, latency)


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    if not context.allow_commands:
        raise ProbeFailure("commands are disabled (allow_commands: false)", value="commands off")
    run = await run_bash(check.target, context)
    exit_code, stdout, stderr, latency = run.returncode, run.stdout, run.stderr, run.latency
    return Observation(
        subjects={
            "exit": exit_code,
            "stdout": stdout.text(),
            "stderr": stderr.text(),
            "latency": latency,
        },
        value=f"exit {exit_code}" if exit_code else format_duration(latency),
        detail="\n".join(
            output.excerpt(label)
            for label, output in (("stdout", stdout), ("stderr", stderr))
            if output.kept
        ),
    )


class CappedOutput:
    """One output pipe: everything is received, the first ``READ_CAP_BYTES`` are kept."""

    def __init__(self) -> None:
        self.kept = bytearray()
        self.truncated = False

    def receive(self, data: bytes) -> None:
        room = READ_CAP_BYTES - len(self.kept)
        if len(data) > room:
            self.truncated = True
        if room > 0:
            self.kept += data[:room]

    def text(self) -> str:
        return self.kept.decode(errors="replace")

    def excerpt(self, label: str) -> str:
        """``label:`` and what a page shows of the output, saying when more was cut."""
        excerpt = cut(self.text())
        if self.truncated and not excerpt.endswith("…"):
            excerpt += "…"
        if self.truncated:
            cap_mib = READ_CAP_BYTES // (1024 * 1024)
            excerpt += f"\n({label} was longer than {cap_mib} MiB; the rest was discarded)"
        return f"{label}:\n{excerpt}"


class _CommandProtocol(asyncio.SubprocessProtocol):
    """Collects both output pipes and tells when the process exited and the pipes closed."""

    def __init__(self, merge_stderr: bool = False) -> None:
        self.stdout = CappedOutput()
        self.stderr = CappedOutput()
        self.exited = asyncio.Event()
        self._open_pipes = {1} if merge_stderr else {1, 2}
        self._pipes_closed = asyncio.Event()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        output = self.stdout if fd == 1 else self.stderr
        output.receive(data.encode() if isinstance(data, str) else data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open_pipes.discard(fd)
        if not self._open_pipes:
            self._pipes_closed.set()

    def process_exited(self) -> None:
        self.exited.set()

    async def finished(self) -> None:
        """Until the process has exited and both pipes reached their end."""
        await self.exited.wait()
        await self._pipes_closed.wait()


def _kill_group(process_group: int) -> None:
    """SIGKILL every process in the group (the command was started as its leader)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process_group, signal.SIGKILL)
