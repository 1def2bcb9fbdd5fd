"""The ``tcp`` probe: can a connection be opened to ``HOST:PORT`` (``[::1]:PORT`` for IPv6)?

A refused connection is an answer, not a failure: ``connected`` is ``false``, so a runbook
can assert that a port is closed (``connected == false``). An unresolvable host or an
unreachable network is a ``ProbeFailure``. Nothing is sent; the socket is closed at once.
The target is read by the parser that vetted it, and only addresses the host policy accepted
are connected to (``network.resolve_checked``).
"""

from __future__ import annotations

import asyncio
import socket
import time

from ...errors import ProbeFailure
from ...model import ResolvedCheck
from ...resolve import parse_address
from ...units import format_duration
from . import Observation, ProbeContext
from .network import resolve_checked


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    endpoint = parse_address(check.target, what="tcp target", shown=check.display_target)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    try:
        addresses = await resolve_checked(endpoint.host, endpoint.port, context.host_policy)
    except socket.gaierror:
        raise ProbeFailure(
            f"cannot resolve host: DNS has no address for it ({check.display_target})",
            value="cannot resolve host",
        ) from None

    # Every address in turn, like ``open_connection`` does, but keeping each error: "refused"
    # must hold for all of them (localhost is often both ::1 and 127.0.0.1).
    errors: list[OSError] = []
    for family, socket_type, protocol, _, address in addresses:
        connection = socket.socket(family, socket_type, protocol)
        try:
            connection.setblocking(False)
            # The connect alone: resolving the name is not the target's time (SPEC 8).
            connecting = time.perf_counter()
            await loop.sock_connect(connection, address)
            latency = time.perf_counter() - connecting
        except OSError as exc:
            errors.append(exc)
            continue
        finally:
            connection.close()
        return Observation(
            subjects={"connected": True, "latency": latency}, value=format_duration(latency)
        )

    latency = time.perf_counter() - started
    if errors and all(isinstance(error, ConnectionRefusedError) for error in errors):
        return Observation(subjects={"connected": False, "latency": latency}, value="refused")
    reason = next((error.strerror for error in errors if error.strerror), "no address to try")
    raise ProbeFailure(f"cannot connect: {reason} ({check.display_target})", value="cannot connect")
