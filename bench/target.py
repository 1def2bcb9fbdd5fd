"""The benchmark's live target: an HTTP server on 127.0.0.1 that answers every request with
``200 {"status": "ok"}`` after a fixed latency.

It runs on asyncio with h11 doing the HTTP/1.1 parsing, in a thread of the benchmark process,
so a thousand requests can wait out their latency at once without a thread each. The latency
can be changed between scenarios; the server stops itself after ``max_lifetime`` seconds, so a
benchmark that dies half-way never leaves it listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from types import TracebackType

import h11

from mkdocs_runbook.demo.serving import ServingThreads

#: Pending connections the kernel queues before ``accept``: room for a burst of 1,000.
LISTEN_BACKLOG = 2048
_BODY = json.dumps({"status": "ok"}).encode()


class LatencyTarget:
    """``with LatencyTarget(latency=0.1) as target: ... target.url ...``"""

    def __init__(self, latency: float, *, max_lifetime: float = 3600.0) -> None:
        self.latency = latency
        self.max_lifetime = max_lifetime
        self.hits = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._serving = ServingThreads()
        self._startup_error: BaseException | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
        try:
            server = await asyncio.start_server(
                self._connection, "127.0.0.1", 0, backlog=LISTEN_BACKLOG
            )
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.max_lifetime)
        # Kept-alive client connections would outlive the loop: close them (their readers see
        # the end of the stream) and give their handlers a moment to return.
        handlers = list(self._connections.items())
        for _, writer in handlers:
            writer.close()
        if handlers:
            await asyncio.wait([task for task, _ in handlers], timeout=2)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER)
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    connection.receive_data(data)
                    if not data:
                        return
                    continue
                if isinstance(event, h11.Request):
                    await self._answer(connection, writer)
                elif isinstance(event, h11.EndOfMessage):
                    # Keep the connection for the next request unless either side closes it.
                    if (
                        connection.our_state is not h11.DONE
                        or connection.their_state is not h11.DONE
                    ):
                        return
                    connection.start_next_cycle()
                elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
        except (h11.RemoteProtocolError, ConnectionError):
            return
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _answer(self, connection: h11.Connection, writer: asyncio.StreamWriter) -> None:
        self.hits += 1
        await asyncio.sleep(self.latency)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]
        writer.write(connection.send(h11.Response(status_code=200, headers=headers)) or b"")
        writer.write(connection.send(h11.Data(data=_BODY)) or b"")
        writer.write(connection.send(h11.EndOfMessage()) or b"")
        await writer.drain()


@contextlib.contextmanager
def latency(target: LatencyTarget, seconds: float) -> Iterator[LatencyTarget]:
    """Serve with ``seconds`` of latency for the duration of a scenario."""
    previous, target.latency = target.latency, seconds
    try:
        yield target
    finally:
        target.latency = previous
