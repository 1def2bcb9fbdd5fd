"""Runs one command and, when it ends or is stopped, every process it started (SPEC 8).

Started by the ``run`` probe as ``python -I -S launcher.py UNSET bash -eo pipefail -c SCRIPT``;
standard library only, since ``-I -S`` keeps the package off ``sys.path``. ``UNSET`` names
(comma-separated) variables the command must not get although this process has them: Python
sets ``LC_CTYPE`` in its own environment when it coerces a C locale (PEP 538).

A process group is not enough to find a command's descendants: ``setsid`` and double forks
leave it. So the launcher makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``,
Linux): a descendant whose parent exits is re-parented to the launcher, not to init, and stays
in its process tree. When the command exits, or the launcher gets SIGTERM (the check timed
out), it kills every process of its tree until none is left, reaps them, and exits with the
command's status (re-raising the signal that killed it). If the process that started it dies,
the kernel sends it SIGTERM (``PR_SET_PDEATHSIG``), with the same effect.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
#: How long the launcher keeps killing and reaping before it gives up on a process that will
#: not die (stuck in the kernel); the probe then kills the process group as a last resort.
_CLEANUP_SECONDS = 2.0


class _Stop(Exception):
    """SIGTERM: stop the command and everything it started."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Stop


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _live_descendants(root: int) -> list[int]:
    """Every process under ``root`` in the process tree, zombies left out."""
    children: dict[int, list[int]] = {}
    state: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry.name)
        state[pid] = fields[0]
        children.setdefault(int(fields[1]), []).append(pid)
    found: list[int] = []
    waiting = [root]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child)
    return [pid for pid in found if state.get(pid) != b"Z"]


def _reap() -> bool:
    """Reap what has exited; ``False`` once the launcher has no children left."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def _kill_tree() -> None:
    """SIGKILL every descendant until none is left (a process may fork while we look)."""
    deadline = time.monotonic() + _CLEANUP_SECONDS
    me = os.getpid()
    while time.monotonic() < deadline:
        living = _live_descendants(me)
        for pid in living:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        has_children = _reap()
        if not living and not has_children:
            return
        time.sleep(0.01)


def _execute(command: list[str], unset: list[str]) -> None:
    """In the forked child: become the command; never return."""
    try:
        for name in unset:
            os.environ.pop(name, None)
        # Python ignores SIGPIPE; a shell pipeline must not inherit that.
        for number in (signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        os.execvp(command[0], command)
    except BaseException:
        pass
    os._exit(127)


def main(unset: list[str], command: list[str]) -> None:
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGTERM, _on_sigterm)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    status: int | None = None
    try:
        child = os.fork()
        if child == 0:
            _execute(command, unset)
        while status is None:
            pid, code = os.waitpid(-1, 0)
            if pid == child:
                status = code
    except _Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _kill_tree()
    if status is None:
        os._exit(128 + signal.SIGTERM)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main([name for name in sys.argv[1].split(",") if name], sys.argv[2:])
