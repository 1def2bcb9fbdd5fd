"""``runbook`` with every socket it opens toward a peer recorded, for the guard tests.

Usage: ``python audited_cli.py LOG_FILE runbook-arguments...``. A Python audit hook sees each
``socket.connect``/``sendto`` before the system call is made, so the log proves where the
process tried to connect, whatever library did it. The checks run in check worker processes,
which are started here with the same hook; each writes its own log beside ``LOG_FILE``
(``LOG_FILE`` stem + ``.worker-PID.json``, see ``worker_logs``). A log is JSON: a list of
``[event, host, port]``.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from pathlib import Path
from typing import Any

_attempts: list[list[Any]] = []


def _record(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
        address = args[-1]
        if isinstance(address, tuple) and len(address) >= 2:
            _attempts.append([event, str(address[0]), int(address[1])])


def _audit_into(log: Path) -> None:
    atexit.register(lambda: log.write_text(json.dumps(_attempts), encoding="utf-8"))
    sys.addaudithook(_record)


def worker_logs(log: Path) -> list[Path]:
    """The logs the check workers of a run audited with ``log`` wrote."""
    return sorted(log.parent.glob(f"{log.stem}.worker-*.json"))


def worker(log: str) -> None:
    """A check worker process, audited like the command line that started it."""
    path = Path(log)
    _audit_into(path.with_name(f"{path.stem}.worker-{os.getpid()}.json"))
    from mkdocs_runbook.run import worker_process

    # The worker's own bootstrap, after the hook: the package folder is still argv[1].
    exec(worker_process.BOOTSTRAP)


def main() -> int:
    log = Path(sys.argv[1])
    _audit_into(log)
    from mkdocs_runbook.cli import main as runbook
    from mkdocs_runbook.run import worker_process

    here = str(Path(__file__).resolve().parent)
    worker_process.BOOTSTRAP = (
        f"import sys; sys.path.insert(0, {here!r}); import audited_cli; "
        f"audited_cli.worker({str(log)!r})"
    )
    return runbook(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
