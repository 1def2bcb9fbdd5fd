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
from .streams import open_stream

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
    """httpcore's network backend, connecting only to addresses ``policy`` accepted, on
    asyncio's own transports (``streams``: cheaper per request than httpcore's anyio one).

    TLS: httpcore starts it on the returned stream with the URL's host name as server name,
    so certificates are verified against the name, not the address; the handshake uses the
    client's own context, ``tls()`` (httpcore holds a stand-in that never shakes hands).
    """

    def __init__(self, policy: HostPolicy, tls: Callable[[], ssl.SSLContext]) -> None:
        self._policy = policy
        self._tls = tls

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
                return await open_stream(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                    tls=self._tls,
                )
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
        await asyncio.sleep(seconds)


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


class _CookiesOfSettingResponses(httpx.Cookies):
    """httpx's cookie jar, which looks only at responses that set a cookie: httpx's own makes
    ``urllib`` copies of every response and its request to find none, more CPU than the rest
    of an http check's own work."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def skip_cookieless_responses(client: httpx.AsyncClient) -> None:
    """``client`` keeps cookies as before, without the cost for responses that set none
    (httpx takes no cookie store class: its jar is replaced by an equal one)."""
    client._cookies = _CookiesOfSettingResponses(client.cookies)
