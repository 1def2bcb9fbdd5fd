"""The ``run`` probe: a command check, run as ``bash -eo pipefail -c SCRIPT`` (SPEC 1.2, 8).

Only with ``allow_commands``. The command gets no stdin, the runbook's base directory as its
working directory, the check's environment (``ResolvedCheck.environment``: the minimal one,
``pass_env``, ``env:`` and its template values; never the whole environment of the build)
and a session of its own. The event loop reads its stdout and stderr as they come and the
probe keeps at most ``READ_CAP_BYTES`` of each, so a chatty command neither blocks on a full
pipe nor fills memory.

Nothing the command started may outlive the check, nor hold its pipes open: bash runs under
``launcher``, a subreaper that kills every descendant (those that left the process group with
``setsid`` or a double fork too) when bash exits or when the attempt is cancelled (timeout,
SIGTERM to the launcher). The process group is killed as well, as a last resort.

This uses asyncio's protocol API rather than ``asyncio.subprocess.Process``, whose ``wait()``
(before Python 3.12) returns only once the pipes close, which a background child can put
off forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ...errors import ProbeFailure
from ...model import ResolvedCheck
from ...resolve import base_environment
from ...units import format_duration
from . import READ_CAP_BYTES, Observation, ProbeContext

#: Once stopped, the launcher kills the command's tree within about this long; past it (a
#: process stuck in the kernel), the process group is killed and the output abandoned.
_CLEANUP_GRACE_SECONDS = 3.0
_LAUNCHER = Path(__file__).with_name("launcher.py")


@dataclass
class CommandRun:
    """A finished ``bash -eo pipefail -c`` run: its return code (negative: killed by that
    signal) and the kept part of each output (stderr is empty when merged into stdout)."""

    returncode: int
    stdout: CappedOutput
    stderr: CappedOutput
    latency: float


async def run_bash(
    script: str,
    context: ProbeContext,
    *,
    merge_stderr: bool = False,
    environment: Mapping[str, str] | None = None,
) -> CommandRun:
    """Run ``script`` as the SPEC runs commands; shared by the ``run`` and ``console`` probes.

    ``environment`` is the process's whole environment (default: the minimal one). On return
    and on cancellation alike, everything the command started is killed.
    """
    if not context.base_dir.is_dir():
        raise ProbeFailure(
            f"cannot run the command: its working directory {context.base_dir} does not exist",
            value="cannot start",
        )
    env = dict(base_environment(os.environ) if environment is None else environment)
    if shutil.which("bash", path=env.get("PATH", os.defpath)) is None:
        raise ProbeFailure("cannot run the command: bash is not installed", value="cannot start")
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    transport, command = await loop.subprocess_exec(
        lambda: _CommandProtocol(merge_stderr),
        sys.executable,
        "-I",
        "-S",
        str(_LAUNCHER),
        "" if "LC_CTYPE" in env else "LC_CTYPE",
        "bash",
        "-eo",
        "pipefail",
        "-c",
        script,
        cwd=context.base_dir,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
        start_new_session=True,
    )

    try:
        await command.exited.wait()
        latency = time.perf_counter() - started
    finally:
        await _stop(transport, command)

    returncode = transport.get_returncode()
    assert returncode is not None  # ``exited`` is set only once the return code is known
    return CommandRun(returncode, command.stdout, command.stderr, latency)


async def _stop(transport: asyncio.SubprocessTransport, command: _CommandProtocol) -> None:
    """End the launcher and everything the command started; it may still be running (the
    attempt was cancelled) or have exited after killing the tree itself."""
    pid = transport.get_pid()
    if transport.get_returncode() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(command.exited.wait(), _CLEANUP_GRACE_SECONDS)
    # Killing the group too closes pipes that a process the launcher could not reach holds.
    _kill_group(pid)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(command.finished(), _CLEANUP_GRACE_SECONDS)
    transport.close()


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    if not context.allow_commands:
        raise ProbeFailure("commands are disabled (allow_commands: false)", value="commands off")
    run = await run_bash(check.target, context, environment=check.environment)
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
            output.labelled(label)
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

    def labelled(self, label: str) -> str:
        """``label:``, a note when more was discarded, and the whole kept output: the runner
        masks secrets in it before it shortens it for the page."""
        note = ""
        if self.truncated:
            cap_mib = READ_CAP_BYTES // (1024 * 1024)
            note = f"({label} was longer than {cap_mib} MiB; the rest was discarded)\n"
        return f"{label}:\n{note}{self.text()}"


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
