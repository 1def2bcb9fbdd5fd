"""The one place connections are made: resolve, check every address, connect to a checked one.

A host is checked twice, by the same ``HostPolicy``: its name (``allowed_hosts``, metadata
names, address literals) before it is looked up, and every address it resolves to before any
socket is opened. The connection then goes to one of those checked addresses, never to the
name again, so a second lookup cannot lead somewhere else (DNS rebinding).

``http`` and ``metrics`` get this through ``GuardedBackend``, the httpcore network backend of the
shared httpx client, so every connection is covered, each redirect hop included. ``tcp``,
``tls`` and the ``dns`` probe's ``server`` call ``resolve_checked`` themselves.

``GuardedBackend`` also gives each TLS handshake its client's real TLS settings, made at the
first handshake: a client of a plain ``http://`` origin never loads the trust store (over a MB
of certificates in memory) unless a redirect leads it to ``https``. httpx and httpcore, which
want a context for every client up front, get a bare one that never makes a handshake.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from ...resolve import HostPolicy

AddressInfo = tuple[int, int, int, str, tuple[Any, ...]]


async def resolve_checked(
    host: str, port: int, policy: HostPolicy, *, socket_type: int = socket.SOCK_STREAM
) -> list[AddressInfo]:
    """``getaddrinfo`` for ``host``, after ``policy`` accepted its name and then every address
    (one refused address refuses the host). Raises ``ResolveError`` for a refused host and
    ``socket.gaierror`` for one that does not resolve."""
    policy.check_name(host)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket_type)
    except UnicodeError:
        # Python's IDNA codec rejects names no DNS server could hold (a label over 63 bytes).
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    for info in infos:
        policy.check_address(host, str(info[4][0]))
    return list(infos)


def distinct_addresses(infos: Iterable[AddressInfo]) -> list[str]:
    """The addresses of ``getaddrinfo`` results in its order, each once."""
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to addresses ``policy`` accepted.

    TLS is unaffected: httpcore starts it on the returned stream with the URL's host name as
    server name, so certificates are verified against the name, not the address.
    """

    def __init__(self, policy: HostPolicy, tls: Callable[[], ssl.SSLContext]) -> None:
        self._policy = policy
        self._tls = tls
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await resolve_checked(host, port, self._policy)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception | None = None
        for address in distinct_addresses(infos):
            try:
                stream = await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _TlsSettingsStream(stream, self._tls)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        if failure is None:
            raise httpcore.ConnectError(f"no address for {host}")
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not a check target")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _TlsSettingsStream(httpcore.AsyncNetworkStream):
    """A connection whose TLS handshake uses its client's settings (``tls()``), whatever
    context httpcore hands over: httpcore's is the bare stand-in of ``guarded_transport``."""

    def __init__(
        self, stream: httpcore.AsyncNetworkStream, tls: Callable[[], ssl.SSLContext]
    ) -> None:
        self._stream = stream
        self._tls = tls

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._stream.start_tls(self._tls(), server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


@functools.cache
def _stand_in_tls() -> ssl.SSLContext:
    """What httpx and httpcore are given as every client's context: no handshake uses it."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def guarded_transport(
    tls: Callable[[], ssl.SSLContext], limits: httpx.Limits, policy: HostPolicy
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connection pool connects through ``GuardedBackend``, its TLS
    handshakes made with ``tls()`` (called at each; it should keep what it makes).

    httpx takes no network backend, so its pool is replaced by an equal one that has ours
    (``tests/test_faults_guards.py`` proves the guard holds on every request).
    """
    stand_in = _stand_in_tls()
    transport = httpx.AsyncHTTPTransport(verify=stand_in, limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=stand_in,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy, tls),
    )
    return transport
