"""``runbook demo-target`` and ``python -m mkdocs_runbook.demo``: run the demo in the foreground."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from .dns import DNS_HOST
from .service import DEFAULT_TOKEN, DemoService
from .state import COMPONENTS
from .tls import TLS_PACKAGE

#: How to get the HTTPS port: the extra from a clone or a built wheel.
TLS_HINT = "pip install trustme, or install mkdocs-runbook with its [demo] extra"
TOKEN_VARIABLE = "DEMO_API_TOKEN"
DEFAULT_PORT = 8080
MAX_PORT = 65535


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options, for ``runbook demo-target`` and the demo's own entry points."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, reachable from this machine only)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"HTTP port (default: {DEFAULT_PORT}); 0 picks free ports for all four",
    )
    parser.add_argument(
        "--db-port",
        type=_port,
        help="database stand-in port (default: --port + 1, or a free port with --port 0)",
    )
    parser.add_argument(
        "--tls-port",
        type=_port,
        help="HTTPS port (default: --port + 2, or a free port with --port 0)",
    )
    parser.add_argument(
        "--dns-port",
        type=_port,
        help="UDP port of the DNS responder for the zone demo.test., on 127.0.0.1 whatever "
        "--host is (default: --port + 3, or a free port with --port 0)",
    )
    parser.add_argument(
        "--token",
        help=f"bearer token for /api/ops/queues (default: ${TOKEN_VARIABLE}, else {DEFAULT_TOKEN})",
    )
    parser.add_argument(
        "--break",
        dest="broken",
        action="append",
        default=[],
        choices=COMPONENTS,
        metavar="COMPONENT",
        help=f"start with COMPONENT down; repeatable. One of: {', '.join(COMPONENTS)}",
    )
    parser.add_argument(
        "--cert-dir",
        type=Path,
        help="where to write demo-ca.pem and demo-ca-bundle.pem (default: a temporary "
        "directory, removed on exit)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")


def service_from_args(args: argparse.Namespace) -> DemoService:
    """A (not yet started) service configured by ``add_arguments``' options.

    Raises ``ValueError`` when ``--port`` leaves no room for the derived ports."""
    return DemoService(
        host=args.host,
        port=args.port,
        db_port=_derived_port(args.port, args.db_port, offset=1, option="--db-port"),
        tls_port=_derived_port(args.port, args.tls_port, offset=2, option="--tls-port"),
        dns_port=_derived_port(args.port, args.dns_port, offset=3, option="--dns-port"),
        token=args.token or os.environ.get(TOKEN_VARIABLE) or DEFAULT_TOKEN,
        broken=args.broken,
        log_requests=not args.quiet,
        cert_dir=args.cert_dir,
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Run the demo until SIGINT or SIGTERM; 0 then, 2 when it cannot start."""
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        service = start_or_explain(args)
        if service is None:
            return 2
        try:
            print_banner(service, sys.stdout)
            print("Ctrl-C stops the demo.", flush=True)
            stop_requested.wait()
        finally:
            service.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def start_or_explain(args: argparse.Namespace) -> DemoService | None:
    """The started service, or None after telling the user on stderr why it could not start."""
    try:
        return service_from_args(args).start()
    except ValueError as error:
        message = str(error)
    except OSError as error:
        message = (
            f"cannot listen on {args.host}: {error.strerror or error}. Is another demo running? "
            "Choose other ports with --port (and --db-port, --tls-port, --dns-port), or --port 0 "
            "for free ones"
        )
    print(f"demo-target: {message}", file=sys.stderr)
    return None


def print_banner(service: DemoService, stream: TextIO) -> None:
    lines = [f"demo-target {service.version}", f"  http    {service.url}"]
    if service.has_tls:
        lines.append(f"  https   {service.tls_url}")
    else:
        lines.append(f"  https   off: it needs the {TLS_PACKAGE!r} package ({TLS_HINT})")
    lines += [
        f"  db      {service.db_address}",
        f"  dns     {service.dns_address} (zone demo.test.)",
    ]
    if service.has_tls:
        lines.append(f"  ca      {service.ca_file}")
    lines.append(f"  token   {service.token if service.token == DEFAULT_TOKEN else '(as given)'}")
    if service.broken:
        lines.append(f"  broken  {', '.join(service.broken)}")
    if service.has_tls:
        lines.append(
            f"Trust the demo's certificate: export SSL_CERT_FILE={service.trust_bundle_file}"
        )
    lines += [
        f"Break and heal: curl -X POST {service.url}/admin/break/db "
        f"(and /admin/heal/db; components: {', '.join(COMPONENTS)})",
        f"Ask its DNS: dig @{DNS_HOST} -p {service.dns_port} api.demo.test",
    ]
    stream.write("\n".join(lines) + "\n")
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mkdocs_runbook.demo",
        description="A small service on localhost that behaves like a production stack "
        "(API, database, cache, queue), for trying runbook checks against.",
    )
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"port {port} is outside 0-{MAX_PORT}")
    return port


def _derived_port(port: int, explicit: int | None, *, offset: int, option: str) -> int:
    if explicit is not None:
        return explicit
    if port == 0:
        return 0
    if port + offset > MAX_PORT:
        raise ValueError(f"--port {port} leaves no room for {option} (--port + {offset}); set it")
    return port + offset
