"""httpcore's connections on asyncio's own transports (``network.GuardedBackend`` opens them).

httpcore's own backend goes through anyio: each read and write of a request opens a cancel
scope and yields to the loop once more, each read pauses and resumes reading on the socket (a
system call each), and asking an idle connection whether the server closed it builds a table
of socket details. In the check worker that was a large part of an http check's CPU, spent on
the loop that timestamps every other check. Here a connection is an ``asyncio.Protocol``
whose buffer is bounded (reading pauses at ``HIGH_WATER_BYTES``, so a body streamed faster
than it is read never piles up), and TLS is asyncio's ``start_tls`` on the same protocol.
Errors are httpcore's (``ReadError``, ``ConnectTimeout``…), with the cause chained, as
httpcore's own backend raises them.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore

from ..deadlines import within

#: Received bytes a connection holds before it stops reading from the socket.
HIGH_WATER_BYTES = 256 * 1024


class _Connection(asyncio.Protocol):
    """What arrived on one connection, and the one read or write waiting for more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.ended = False  # the peer closed, or the connection was lost
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.waiter: asyncio.Future[bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) >= HIGH_WATER_BYTES and not self.reading_paused:
            self.reading_paused = True
            assert self.transport is not None
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> None:
        self.ended = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(True)

    async def wait(self, timeout: float | None) -> bool:
        """Until something happens on the connection (``True``) or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            happened: bool = await waiter
            return happened
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, plain or TLS, as httpcore reads and writes it."""

    def __init__(
        self,
        transport: asyncio.Transport,
        connection: _Connection,
        tls: Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        self._transport = transport
        self._connection = connection
        self._tls = tls
        connection.transport = transport

    @property
    def buffered_bytes(self) -> int:
        """Bytes received and not read yet."""
        return len(self._connection.received)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        while not connection.received and not connection.ended:
            if not await connection.wait(timeout):
                raise httpcore.ReadTimeout("timed out reading")
        received = connection.received
        if not received:
            if connection.error is not None:
                raise httpcore.ReadError(str(connection.error)) from connection.error
            return b""
        if len(received) <= max_bytes:
            data = bytes(received)
            received.clear()
        else:
            data = bytes(received[:max_bytes])
            del received[:max_bytes]
        if connection.reading_paused and len(received) < HIGH_WATER_BYTES // 2:
            connection.reading_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        connection = self._connection
        if connection.ended or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed") from connection.error
        self._transport.write(buffer)
        while connection.writing_paused and not connection.ended:
            if not await connection.wait(timeout):
                raise httpcore.WriteTimeout("timed out writing")
        if connection.error is not None:
            raise httpcore.WriteError(str(connection.error)) from connection.error

    async def aclose(self) -> None:
        # At once, unsent data dropped: httpcore closes a connection it is done with or gives
        # up on, and a peer that reads nothing must not keep it open.
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        if self._tls is not None:  # the client's own settings: httpcore has a stand-in
            ssl_context = self._tls()
        handshake = loop.start_tls(
            self._transport, self._connection, ssl_context, server_hostname=server_hostname
        )
        try:
            tls_transport = await within(timeout, handshake)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except OSError as exc:  # ssl.SSLError is one
            self._transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        if tls_transport is None:  # the connection was closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        return AsyncioStream(tls_transport, self._connection, self._tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of an idle connection: anything received, or its end, means the server
            # closed it (or broke the protocol). The loop reads the socket, so no system call.
            return bool(self._connection.received) or self._connection.ended
        name = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }.get(info)
        return None if name is None else self._transport.get_extra_info(name)


async def open_stream(
    address: str,
    port: int,
    *,
    timeout: float | None,
    local_address: str | None = None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    tls: Callable[[], ssl.SSLContext] | None = None,
) -> AsyncioStream:
    """A TCP connection to the IP ``address``. Raises ``httpcore.ConnectError`` or
    ``httpcore.ConnectTimeout``. With ``tls``, a TLS handshake on it uses ``tls()``'s context,
    whatever context it is asked with (``network.guarded_transport`` makes a client's context
    at its first handshake only)."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        for option in socket_options or ():
            sock.setsockopt(*option)
        if local_address:
            sock.bind((local_address, 0))
        await within(timeout, loop.sock_connect(sock, (address, port)))
        transport, connection = await loop.create_connection(_Connection, sock=sock)
    except (TimeoutError, asyncio.TimeoutError) as exc:
        sock.close()
        raise httpcore.ConnectTimeout("timed out connecting") from exc
    except OSError as exc:
        sock.close()
        raise httpcore.ConnectError(str(exc)) from exc
    except BaseException:  # cancelled: the socket must not outlive the attempt
        sock.close()
        raise
    return AsyncioStream(transport, connection, tls)
