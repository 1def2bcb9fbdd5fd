"""``make demo``: the demo service plus ``mkdocs serve`` of the runbooks that check it.

    python -m mkdocs_runbook.demo.serve_site --port 8080 --addr 127.0.0.1:8000

The service runs in this process; ``mkdocs serve`` runs as a child with the environment of
``DemoService.environment()`` (``RUNBOOK_DEMO_CA``, ``SSL_CERT_FILE``, ``RUNBOOK_DEMO_URL``,
``DEMO_API_TOKEN``, ...), so the site's checks trust the demo's certificate and find it on
whatever ports it got.

When the site has the regions runbook (``docs/runbooks/regions.md``), two more demo targets
stand for two regions (``eu-west`` healthy from ``--regions-port``, 8090 by default;
``us-east``, its database down, four ports up): each is checked by ``runbook check --zone``
into ``.cache/runbook/zones/``, before the site is served and then every
``--regions-interval`` seconds, as each region's CI runner would; the site imports the
reports. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from .cli import add_arguments, print_banner, start_or_explain
from .service import DemoService
from .zones import REGIONS_PAGE, REPORTS_DIR, RegionRunner, regional_targets

#: Where the regions' targets start when the demo has its default port (8080): 8090 and 8094.
REGIONS_PORT_OFFSET = 10

#: How long the demo gets to answer its first /healthz before we give up.
READY_TIMEOUT_SECONDS = 5.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mkdocs_runbook.demo.serve_site",
        description="Start the demo service, then `mkdocs serve` the site whose runbooks "
        "check it. Ctrl-C stops both.",
    )
    add_arguments(parser)
    parser.add_argument(
        "--addr",
        default="127.0.0.1:8000",
        help="where `mkdocs serve` listens (default: 127.0.0.1:8000)",
    )
    parser.add_argument(
        "-f",
        "--config-file",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's configuration (default: mkdocs.yml in the current directory)",
    )
    parser.add_argument(
        "--regions-port",
        type=int,
        help="first port of the two regional demo targets (default: --port + 10, or free "
        "ports with --port 0)",
    )
    parser.add_argument(
        "--regions-interval",
        type=float,
        default=60.0,
        help="seconds between the regions' check runs (default: 60)",
    )
    args = parser.parse_args(argv)
    if not args.config_file.is_file():
        print(
            f"serve_site: no MkDocs configuration at {args.config_file}. Run this from the "
            "directory that holds mkdocs.yml (the repository root for `make demo`), "
            "or pass -f PATH/TO/mkdocs.yml.",
            file=sys.stderr,
        )
        return 2

    forwarder = _SignalForwarder()
    with forwarder:
        service = start_or_explain(args)
        if service is None:
            return 2
        try:
            _wait_until_answering(f"{service.url}/healthz")
            print_banner(service, sys.stdout)
            environment = _child_environment(service)
            with ExitStack() as regions:
                site_dir = args.config_file.resolve().parent
                if (site_dir / REGIONS_PAGE).is_file():
                    _start_regions(regions, args, site_dir, environment)
                command = [sys.executable, "-m", "mkdocs", "serve"]
                command += ["-a", args.addr, "-f", str(args.config_file)]
                # Its own session: Ctrl-C reaches this process alone, which passes it on once.
                child = subprocess.Popen(command, env=environment, start_new_session=True)
                returncode = forwarder.run(child)
        finally:
            service.stop()
    return 0 if forwarder.signals_forwarded else returncode


def _start_regions(
    stack: ExitStack, args: argparse.Namespace, site_dir: Path, environment: dict[str, str]
) -> None:
    """The regional targets, checked once before the site is served, then on a schedule."""
    first_port = args.regions_port
    if first_port is None:
        first_port = args.port + REGIONS_PORT_OFFSET if args.port else 0
    try:
        services = stack.enter_context(regional_targets(first_port, quiet=args.quiet))
    except OSError as error:
        print(
            f"serve_site: the regional targets cannot listen from port {first_port}: "
            f"{error.strerror or error}; runbooks/regions.md shows no results. Choose other "
            "ports with --regions-port.",
            file=sys.stderr,
        )
        return
    for zone, regional in services.items():
        print(f"  region  {zone:8} {regional.url} (db {regional.db_address})")
    runner = RegionRunner(
        services,
        site_dir=site_dir,
        reports_dir=site_dir / REPORTS_DIR,
        environment=environment,
        interval=args.regions_interval,
    )
    runner.run_once()
    print(f"Regions checked into {REPORTS_DIR}/ (runbooks/regions.md shows them)", flush=True)
    runner.start()
    stack.callback(runner.stop)


class _SignalForwarder:
    """Passes SIGINT and SIGTERM on to the child; a second one kills it outright."""

    def __init__(self) -> None:
        self.signals_forwarded = 0
        self._child: subprocess.Popen[bytes] | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> _SignalForwarder:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._forward)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def run(self, child: subprocess.Popen[bytes]) -> int:
        self._child = child
        if self.signals_forwarded:
            child.send_signal(signal.SIGINT)
        return child.wait()

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.signals_forwarded += 1
        if self._child is None:
            return
        if self.signals_forwarded == 1:
            self._child.send_signal(signum)
        else:
            self._child.kill()


def _wait_until_answering(url: str) -> None:
    # No proxies: a proxy from the environment must not stand between us and localhost.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        try:
            with opener.open(url, timeout=1.0):
                return
        except OSError as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demo service did not answer at {url}: {error}") from None
        time.sleep(0.05)


def _child_environment(service: DemoService) -> dict[str, str]:
    """The demo's addresses, and this Python's scripts first on PATH: the project's own
    runbooks run ``runbook`` itself to show its messages and exit codes."""
    scripts = str(Path(sys.executable).parent)
    path = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    return {**os.environ, **service.environment(), "PATH": path}


if __name__ == "__main__":
    raise SystemExit(main())
