"""httpcore's connections on asyncio transports (``run.probes.streams``), against real sockets
on 127.0.0.1: what arrives is read in order and bounded while unread, the end and a reset are
told apart, and an idle connection says when its server closed it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterator

import httpcore
import pytest
import trustme

from mkdocs_runbook.run.probes.streams import HIGH_WATER_BYTES, AsyncioStream, open_stream

pytestmark = pytest.mark.pyversions  # asyncio's transports differ between versions

#: Each bounded wait of these tests gives up after this many polls of 10 ms.
POLLS = 1000


@contextlib.contextmanager
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


async def connect(server: socket.socket) -> tuple[AsyncioStream, socket.socket]:
    """Our stream to ``server``, and the server's end of it."""
    port = server.getsockname()[1]
    stream = await open_stream("127.0.0.1", port, timeout=5)
    peer, _ = server.accept()  # the connection is queued already: no wait
    return stream, peer


async def until(condition: object) -> None:
    for _ in range(POLLS):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_a_fast_sender_is_held_back_and_every_byte_arrives_in_order() -> None:
    sent = bytes(range(256)) * (16 * 1024)  # 4 MiB, far more than the connection holds

    async def scenario() -> bytes:
        with listener() as server:
            stream, peer = await connect(server)
            with peer:
                sender = threading.Thread(target=peer.sendall, args=(sent,), daemon=True)
                sender.start()
                # Nobody reads: the stream stops reading from the socket at its bound.
                await until(lambda: stream.buffered_bytes >= HIGH_WATER_BYTES)
                await asyncio.sleep(0.1)  # room for more to arrive, if reading went on
                assert stream.buffered_bytes < 2 * HIGH_WATER_BYTES
                received = bytearray()
                while len(received) < len(sent):
                    chunk = await stream.read(64 * 1024, timeout=10)
                    assert chunk, "the stream ended early"
                    assert len(chunk) <= 64 * 1024
                    received += chunk
                sender.join(10)
            await stream.aclose()
            return bytes(received)

    assert asyncio.run(scenario()) == sent


def test_the_end_of_the_answer_reads_as_empty_and_makes_an_idle_connection_readable() -> None:
    async def scenario() -> list[object]:
        with listener() as server:
            stream, peer = await connect(server)
            seen: list[object] = [stream.get_extra_info("is_readable")]
            peer.sendall(b"HTTP/1.1 200 OK\r\n")
            peer.close()
            await until(lambda: stream.get_extra_info("is_readable"))
            seen += [await stream.read(1024, timeout=5), await stream.read(1024, timeout=5)]
            await stream.aclose()
            return seen

    assert asyncio.run(scenario()) == [False, b"HTTP/1.1 200 OK\r\n", b""]


def test_a_reset_connection_is_a_read_error() -> None:
    async def scenario() -> None:
        with listener() as server:
            stream, peer = await connect(server)
            # Linger 0: closing sends a reset instead of an orderly end.
            peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            peer.close()
            with pytest.raises(httpcore.ReadError) as caught:
                await stream.read(1024, timeout=5)
            assert isinstance(caught.value.__cause__, ConnectionResetError)
            await stream.aclose()

    asyncio.run(scenario())


def test_a_silent_peer_times_the_read_out_and_the_connection_still_works_after() -> None:
    async def scenario() -> bytes:
        with listener() as server:
            stream, peer = await connect(server)
            with peer:
                with pytest.raises(httpcore.ReadTimeout):
                    await stream.read(1024, timeout=0.05)
                await stream.write(b"ping", timeout=5)
                assert peer.recv(4) == b"ping"
                peer.sendall(b"pong")
                answer = await stream.read(1024, timeout=5)
            await stream.aclose()
            return answer

    assert asyncio.run(scenario()) == b"pong"


def test_a_refused_connection_is_a_connect_error_caused_by_the_refusal() -> None:
    with listener() as server:
        port = server.getsockname()[1]  # closed on leaving: nothing listens there any more

    async def scenario() -> None:
        with pytest.raises(httpcore.ConnectError) as caught:
            await open_stream("127.0.0.1", port, timeout=5)
        assert isinstance(caught.value.__cause__, ConnectionRefusedError)

    asyncio.run(scenario())


def test_writing_to_a_closed_stream_is_a_write_error() -> None:
    async def scenario() -> None:
        with listener() as server:
            stream, peer = await connect(server)
            peer.close()
            await until(lambda: stream.get_extra_info("is_readable"))
            with pytest.raises(httpcore.WriteError):
                await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)
            await stream.aclose()

    asyncio.run(scenario())


def _tls_peer(peer: socket.socket, authority: trustme.CA) -> None:
    """The server's end: a TLS handshake with a certificate for ``localhost``, then an echo."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    with contextlib.suppress(OSError), context.wrap_socket(peer, server_side=True) as tls:
        tls.sendall(tls.recv(1024).upper())


@pytest.mark.parametrize("trusted", [True, False])
def test_tls_on_the_connection_is_verified_against_the_host_name(trusted: bool) -> None:
    authority = trustme.CA()
    client_context = ssl.create_default_context()
    if trusted:
        authority.configure_trust(client_context)

    async def scenario() -> bytes:
        with listener() as server:
            stream, peer = await connect(server)
            helper = threading.Thread(target=_tls_peer, args=(peer, authority), daemon=True)
            helper.start()
            try:
                tls = await stream.start_tls(client_context, "localhost", timeout=10)
                await tls.write(b"hello", timeout=5)
                answer = await tls.read(1024, timeout=5)
                assert tls.get_extra_info("ssl_object") is not None
                await tls.aclose()
                return answer
            finally:
                await stream.aclose()
                helper.join(10)
                peer.close()

    if trusted:
        assert asyncio.run(scenario()) == b"HELLO"
    else:
        with pytest.raises(httpcore.ConnectError) as caught:
            asyncio.run(scenario())
        assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
