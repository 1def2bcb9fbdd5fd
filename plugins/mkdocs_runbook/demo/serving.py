"""Servers served from background threads: the one helper the demo, the tests' fault and DNS
servers and the benchmark's target share.

``serve`` runs a ``socketserver`` server's loop in a named thread; ``run`` runs any loop that
returns when told to stop (the benchmark's asyncio target). ``stop`` shuts every server down,
closes it and joins every thread, so whoever started them ends with nothing left running.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from types import TracebackType

#: How often a ``serve_forever`` loop looks for ``shutdown``: short, so stopping is prompt.
POLL_SECONDS = 0.05


class ServingThreads:
    """Background threads serving; use as a context manager or call ``stop`` (twice is fine)."""

    def __init__(self, *, daemon: bool = True) -> None:
        self._daemon = daemon
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []

    def serve(self, server: socketserver.BaseServer, name: str) -> None:
        """Serve ``server`` until ``stop``; ``stop`` also closes it."""
        self._servers.append(server)
        self.run(lambda: server.serve_forever(poll_interval=POLL_SECONDS), name)

    def run(self, loop: Callable[[], None], name: str) -> None:
        """Run ``loop`` in a thread; it must return soon after its owner asks it to stop."""
        thread = threading.Thread(target=loop, name=name, daemon=self._daemon)
        thread.start()
        self._threads.append(thread)

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def stop(self, *, join_timeout: float | None = None) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(join_timeout)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> ServingThreads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
