"""The benchmark's live targets: HTTP servers on 127.0.0.1 (one port per "host") that answer
every request with ``200 {"status": "ok"}`` after a fixed latency, and time their own part.

They run on one asyncio loop, with h11 doing the HTTP/1.1 parsing, in a thread of the
benchmark process, so a thousand requests can wait out their latency at once without a thread
each. Each server works at the protocol level, so the moment a request's first bytes arrive
is taken before anything else runs for it: the *server time* of a request runs from there to
the moment its whole answer has been handed to the socket. The fidelity scenario compares
it with the latency the checks show. The latency can be changed between scenarios; the servers
stop themselves after ``max_lifetime`` seconds, so a benchmark that dies half-way never
leaves them listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from types import TracebackType

import h11

from mkdocs_runbook.demo.serving import ServingThreads

#: Pending connections the kernel queues before ``accept``: room for a burst of 1,000.
LISTEN_BACKLOG = 2048
_BODY = json.dumps({"status": "ok"}).encode()
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


class LatencyTarget:
    """``with LatencyTarget(latency=0.1, ports=50) as target: ... target.urls ...``"""

    def __init__(self, latency: float, *, ports: int = 1, max_lifetime: float = 3600.0) -> None:
        self.latency = latency
        self.ports: list[int] = []
        self.hits = 0
        #: Seconds each request took the server, by request target (``/readyz?page=…``).
        self.server_times: dict[str, float] = {}
        self._wanted_ports = ports
        self.max_lifetime = max_lifetime
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._serving = ServingThreads()
        self._startup_error: BaseException | None = None
        self._connections: set[_Connection] = set()

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def take_server_times(self) -> dict[str, float]:
        """The server times recorded since the last call."""
        taken, self.server_times = self.server_times, {}
        return taken

    def __enter__(self) -> LatencyTarget:
        self._serving.run(self._serve, "bench-target")
        if not self._ready.wait(timeout=10) or self._startup_error is not None:
            raise RuntimeError(f"the benchmark target did not start: {self._startup_error}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own (lifetime)
                self._loop.call_soon_threadsafe(self._stop.set)
        self._serving.stop(join_timeout=10)

    def _serve(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        servers: list[asyncio.Server] = []
        try:
            for _ in range(self._wanted_ports):
                server = await self._loop.create_server(
                    lambda: _Connection(self), "127.0.0.1", 0, backlog=LISTEN_BACKLOG
                )
                servers.append(server)
                self.ports.append(server.sockets[0].getsockname()[1])
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=self.max_lifetime)
        for server in servers:
            server.close()
        # Kept-alive client connections would outlive the loop: close them.
        for connection in list(self._connections):
            connection.close()


class _Connection(asyncio.Protocol):
    """One client connection: requests in, one answer per request after the latency."""

    def __init__(self, target: LatencyTarget) -> None:
        self.target = target
        self.h11 = h11.Connection(h11.SERVER)
        self.transport: asyncio.Transport | None = None
        self.arrived = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.target._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.target._connections.discard(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if not self.arrived:
            self.arrived = time.perf_counter()  # before anything else this request costs
        self.h11.receive_data(data)
        try:
            event = self.h11.next_event()
        except h11.RemoteProtocolError:
            self.close()
            return
        if isinstance(event, h11.Request):
            self.target.hits += 1
            path = event.target.decode("ascii", "replace")
            arrived = self.arrived
            answer_at = arrived + self.target.latency
            loop = asyncio.get_running_loop()
            loop.call_at(
                loop.time() + (answer_at - time.perf_counter()), self._answer, path, arrived
            )

    def _answer(self, path: str, arrived: float) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        connection = self.h11
        while connection.their_state is not h11.DONE:  # a GET's end of message
            if connection.next_event() in (h11.NEED_DATA, h11.PAUSED):
                self.close()
                return
        data = connection.send(h11.Response(status_code=200, headers=_HEADERS)) or b""
        data += connection.send(h11.Data(data=_BODY)) or b""
        data += connection.send(h11.EndOfMessage()) or b""
        self.transport.write(data)
        self.target.server_times[path] = time.perf_counter() - arrived
        self.arrived = 0.0
        if connection.our_state is h11.DONE and connection.their_state is h11.DONE:
            connection.start_next_cycle()
        else:
            self.close()


@contextlib.contextmanager
def latency(target: LatencyTarget, seconds: float) -> Iterator[LatencyTarget]:
    """Serve with ``seconds`` of latency for the duration of a scenario."""
    previous, target.latency = target.latency, seconds
    try:
        yield target
    finally:
        target.latency = previous
