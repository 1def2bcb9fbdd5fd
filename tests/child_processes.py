"""A process's children, seen through ``/proc`` (Linux), with their command lines: how the
tests tell that a check worker or the badge writer is running, without a clock. The MkDocs
hooks the build tests add (run in MkDocs' own process) load it too, through ``HOOK_IMPORT``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: What the command line of each kind of child holds.
WORKER = b"mkdocs_runbook.run.worker"
WRITER = b"file_writer_child.py"

#: The first lines of a hook file that uses this module (MkDocs runs hooks from the site).
HOOK_IMPORT = (
    f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    "from child_processes import WORKER, WRITER, children\n"
)


def children(parent: int | None = None) -> list[tuple[str, bytes]]:
    """The children of ``parent`` (this process by default): process id and command line."""
    mine = str(os.getpid() if parent is None else parent)
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{mine}\n" in status:
            found.append((entry.name, cmdline))
    return found
