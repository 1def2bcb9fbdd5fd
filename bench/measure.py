"""Running one measured build in a fresh child process.

Wall time is taken around the whole child (interpreter start, imports, build), which is what a
user waits for. Peak memory is that of the child *and every process it started* (the plugin's
check workers): their resident sizes are summed every few milliseconds while it runs, and the
largest sum is the peak (``os.wait4`` alone would report the largest single process).
CPU time is the child's and that of every process it waited for (``os.wait4``: the plugin's
check workers, its page-parsing child and its badge writer), user and system: on a machine
whose other cores are busy, a build waits for that much CPU, not only for its own thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SERVE_REBUILD_SCRIPT = BENCH_DIR / "serve_rebuild.py"


class BuildFailed(RuntimeError):
    """A benchmarked build did not succeed: its numbers would mean nothing."""


#: How often the process tree's memory is summed, and how often it is looked for new members.
RSS_SAMPLE_S = 0.01
TREE_SCAN_S = 0.1
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class TreeMemory:
    """The peak of the summed resident memory of a process and its descendants, sampled on a
    thread while it runs (Linux ``/proc``)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join(timeout=5)
        return self.peak_bytes / (1024 * 1024)

    def _sample(self) -> None:
        members = [self.pid]
        scanned = 0.0
        while not self._done.is_set():
            if time.monotonic() - scanned > TREE_SCAN_S:
                members = _tree(self.pid)
                scanned = time.monotonic()
            self.peak_bytes = max(self.peak_bytes, sum(_resident(pid) for pid in members))
            self._done.wait(RSS_SAMPLE_S)


def _resident(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_bytes().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0  # gone already


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from every process's parent in ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    members, pending = [], [root]
    while pending:
        pid = pending.pop()
        members.append(pid)
        pending.extend(children.get(pid, []))
    return members


@dataclass(frozen=True)
class ChildRun:
    wall_s: float
    peak_rss_mb: float
    stdout: str
    #: User and system CPU of the child and its waited-for descendants.
    cpu_s: float = 0.0


def child_environment(bytecode_dir: Path) -> dict[str, str]:
    """The children's environment. Bytecode is cached under ``bytecode_dir`` (outside the repo)
    even when the caller's environment sets ``PYTHONDONTWRITEBYTECODE``: otherwise every build
    would compile the editable plugin from source, a cost no installed copy has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBOOK_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
    return env


def run_child(
    command: list[str], *, cwd: Path, env: dict[str, str], timeout: float, what: str
) -> ChildRun:
    """Run ``command`` to completion and measure it; raise ``BuildFailed`` on a non-zero exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        memory = TreeMemory(process.pid)
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            _, wait_status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        peak_mb = memory.stop()
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
    if process.returncode != 0:
        killed = " (killed after the timeout)" if process.returncode < 0 else ""
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        raise BuildFailed(f"{what} exited with {process.returncode}{killed}:\n{tail}")
    # Linux reports ru_maxrss in KiB: the largest process, in case sampling missed a spike.
    return ChildRun(
        wall_s=wall,
        peak_rss_mb=max(peak_mb, usage.ru_maxrss / 1024),
        stdout=stdout,
        cpu_s=usage.ru_utime + usage.ru_stime,
    )


def mkdocs_build(config_file: Path, *, env: dict[str, str], timeout: float) -> ChildRun:
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config_file)]
    return run_child(
        command,
        cwd=config_file.parent,
        env=env,
        timeout=timeout,
        what=f"mkdocs build of {config_file}",
    )


def runbook_check(
    site_root: Path, report: Path, *, env: dict[str, str], timeout: float
) -> ChildRun:
    """``runbook check`` of a site's docs, its JSON report written to ``report``."""
    runbook = Path(sys.executable).parent / "runbook"
    command = [str(runbook), "check", "docs", "--format", "json", "-o", str(report)]
    return run_child(
        command, cwd=site_root, env=env, timeout=timeout, what=f"runbook check of {site_root}"
    )


def serve_rebuilds(
    config_file: Path, page: Path, *, rebuilds: int, env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """Time ``rebuilds`` serve-style rebuilds after prose edits, in a fresh child process."""
    command = [
        sys.executable,
        str(SERVE_REBUILD_SCRIPT),
        str(config_file),
        str(page),
        "--rebuilds",
        str(rebuilds),
    ]
    run = run_child(
        command,
        cwd=config_file.parent,
        env=env,
        timeout=timeout,
        what=f"serve rebuilds of {config_file}",
    )
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = run.peak_rss_mb
    return result
