"""The ``tcp`` probe against real sockets on the loopback interface."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from faults import UNRESOLVABLE_HOST, BlackholePort, RefusedPort, SilentServer
from mkdocs_runbook.errors import ProbeFailure, ResolveError
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import HostPolicy, InvalidTarget, parse_address
from mkdocs_runbook.run import Observation, ProbeContext
from mkdocs_runbook.run.probes.network import distinct_addresses, resolve_checked
from mkdocs_runbook.run.probes.tcp import probe
from mkdocs_runbook.units import format_duration


def tcp_check(
    target: str, *, display_target: str | None = None, timeout: float = 5.0
) -> ResolvedCheck:
    return ResolvedCheck(
        spec=CheckSpec(id="port", name="port", page="t.md", line=1),
        kind="tcp",
        target=target,
        display_target=display_target if display_target is not None else target,
        params={},
        timeout=timeout,
    )


def run_probe(check: ResolvedCheck, *, within: float | None = None) -> Observation:
    async def attempt() -> Observation:
        return await asyncio.wait_for(probe(check, ProbeContext()), within)

    return asyncio.run(attempt())


@pytest.fixture
def ipv6_listener() -> Iterator[int]:
    """A listening socket on ::1, or a skip where the machine has no IPv6 loopback."""
    try:
        listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        listener.bind(("::1", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    with listener:
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("db.internal:5432", ("db.internal", 5432)),
        ("127.0.0.1:80", ("127.0.0.1", 80)),
        ("[::1]:22", ("::1", 22)),
        (" localhost:8080 ", ("localhost", 8080)),
    ],
)
def test_parse_address(target: str, expected: tuple[str, int]) -> None:
    endpoint = parse_address(target)
    assert (endpoint.host, endpoint.port) == expected


@pytest.mark.parametrize("target", ["db.internal", "db:port", "db:70000", ":80", "::1:22", "db:0"])
def test_invalid_targets(target: str) -> None:
    with pytest.raises(InvalidTarget, match="expected HOST:PORT"):
        parse_address(target)
    with pytest.raises(InvalidTarget, match="expected HOST:PORT"):
        run_probe(tcp_check(target))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_open_port_is_connected_and_the_connection_closed(host: str) -> None:
    with SilentServer() as server:
        started = time.perf_counter()
        observation = run_probe(tcp_check(f"{host}:{server.port}"))
        spent = time.perf_counter() - started
        deadline = time.monotonic() + 3
        while server.hangups < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.connections == 1
        assert server.hangups == 1, "the probe left the connection open"
    assert observation.subjects["connected"] is True
    # An order, not a bound (nothing here depends on the machine's speed): the probe's
    # measurement, in seconds, lies within the call the test timed around it.
    assert 0 < observation.subjects["latency"] <= spent
    assert observation.value == format_duration(observation.subjects["latency"])


def test_ipv6_literal(ipv6_listener: int) -> None:
    observation = run_probe(tcp_check(f"[::1]:{ipv6_listener}"))
    assert observation.subjects["connected"] is True


def test_refused_port_is_an_observation_not_a_failure() -> None:
    with RefusedPort() as port:
        observation = run_probe(tcp_check(f"127.0.0.1:{port.port}"))
    assert observation.subjects["connected"] is False
    assert observation.value == "refused"
    assert observation.subjects["latency"] >= 0


def test_unresolvable_host_is_a_failure() -> None:
    with pytest.raises(ProbeFailure) as caught:
        run_probe(tcp_check(f"{UNRESOLVABLE_HOST}:5432"))
    assert caught.value.value == "cannot resolve host"
    assert "cannot resolve host" in caught.value.message


@pytest.mark.timeout(30)
def test_hanging_connect_is_bounded_by_the_runner() -> None:
    # The blackholed connect hangs for the kernel's two minutes of SYN retries and the check's
    # own timeout is longer still: reaching the end at all proves the runner's bound cut it.
    with BlackholePort() as port, pytest.raises(asyncio.TimeoutError):
        run_probe(tcp_check(f"127.0.0.1:{port.port}", timeout=600), within=1.0)


def test_resolve_checked_refuses_a_guarded_address_unless_named() -> None:
    async def resolve(host: str, policy: HostPolicy) -> list[str]:
        return distinct_addresses(await resolve_checked(host, 80, policy))

    with pytest.raises(ResolveError, match="link-local"):
        asyncio.run(resolve("2852039166", HostPolicy()))
    # Named in allowed_hosts: resolved (never connected to here: nothing routes there).
    assert asyncio.run(resolve("2852039166", HostPolicy(("169.254.169.254",)))) == [
        "169.254.169.254"
    ]
    assert asyncio.run(resolve("localhost", HostPolicy())) == ["127.0.0.1"]


def test_a_tcp_target_is_connected_only_after_every_address_was_checked() -> None:
    with SilentServer() as server:
        with pytest.raises(ResolveError, match="not in allowed_hosts"):
            asyncio.run(
                probe(tcp_check(f"localhost:{server.port}"), ProbeContext(allowed_hosts=["x"]))
            )
        assert server.connections == 0
