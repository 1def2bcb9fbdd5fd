"""``runbook`` with every socket the process opens toward a peer recorded, for the guard tests.

Usage: ``python audited_cli.py LOG_FILE runbook-arguments...``. A Python audit hook sees each
``socket.connect``/``sendto`` before the system call is made, so the log proves where the
process tried to connect, whatever library did it. The log is JSON: a list of
``[event, host, port]``.
"""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path
from typing import Any

_attempts: list[list[Any]] = []


def _record(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
        address = args[-1]
        if isinstance(address, tuple) and len(address) >= 2:
            _attempts.append([event, str(address[0]), int(address[1])])


def main() -> int:
    log = Path(sys.argv[1])
    atexit.register(lambda: log.write_text(json.dumps(_attempts), encoding="utf-8"))
    sys.addaudithook(_record)
    from mkdocs_runbook.cli import main as runbook

    return runbook(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
