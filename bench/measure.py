"""Running one measured build in a fresh child process.

Wall time is taken around the whole child (interpreter start, imports, build), which is what a
user waits for. Peak memory comes from ``os.wait4`` on that child alone, so every run has its own
peak RSS (``getrusage(RUSAGE_CHILDREN)`` would only give the maximum over all children so far).
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


@dataclass(frozen=True)
class ChildRun:
    wall_s: float
    peak_rss_mb: float
    stdout: str


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
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            _, wait_status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
    if process.returncode != 0:
        killed = " (killed after the timeout)" if process.returncode < 0 else ""
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        raise BuildFailed(f"{what} exited with {process.returncode}{killed}:\n{tail}")
    # Linux reports ru_maxrss in KiB.
    return ChildRun(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024, stdout=stdout)


def mkdocs_build(config_file: Path, *, env: dict[str, str], timeout: float) -> ChildRun:
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config_file)]
    return run_child(
        command,
        cwd=config_file.parent,
        env=env,
        timeout=timeout,
        what=f"mkdocs build of {config_file}",
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
