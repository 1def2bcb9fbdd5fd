"""HTTP servers that count the requests they hold at once, to prove ``per_host`` and
``concurrency`` by counting, never by a clock (DESIGN "Tests").

Several ``InFlightServer``s (one per port, so one per host as the runner counts hosts) share
an ``InFlightCounter``, told how many requests a run that respects its bounds has in flight
at most (``expected``; the test starts more checks than that). The first requests are held
until that many are in flight, so a run that respects its bound reaches it exactly and cannot
pass it; the wave is then held a little longer (``linger``), so that a run that does *not*
respect its bound shows its extra requests, and released; later requests pass at once. No
assertion reads a clock: ``max_total`` and ``max_by_server`` are what tests assert on.

A run that never reaches ``expected`` (its bound is lower than it should be) is released
after ``patience`` seconds instead of hanging, and shows a maximum below the expected one.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class InFlightCounter:
    def __init__(self, *, expected: int, linger: float = 0.3, patience: float = 20.0) -> None:
        self.expected = expected
        self.linger = linger
        self.patience = patience
        self.in_flight = 0
        self.max_total = 0
        self.by_server: Counter[str] = Counter()
        self.max_by_server: Counter[str] = Counter()
        self.released = False
        self._condition = threading.Condition()

    def hold(self, server: str) -> None:
        """Count one request in, hold it as described above, count it out."""
        with self._condition:
            self.in_flight += 1
            self.by_server[server] += 1
            self.max_total = max(self.max_total, self.in_flight)
            self.max_by_server[server] = max(self.max_by_server[server], self.by_server[server])
            self._condition.notify_all()
            if not self.released:
                self._condition.wait_for(
                    lambda: self.released or self.in_flight >= self.expected,
                    timeout=self.patience,
                )
                # Extra requests of a run that ignores its bound arrive now and are counted.
                self._condition.wait_for(
                    lambda: self.released or self.in_flight > self.expected,
                    timeout=self.linger,
                )
                self.released = True
                self._condition.notify_all()
            self.in_flight -= 1
            self.by_server[server] -= 1


class InFlightServer:
    """``GET`` anything: held by the shared counter, then ``200 ok``. A context manager."""

    def __init__(self, counter: InFlightCounter, name: str) -> None:
        self.counter = counter
        self.name = name

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                counter.hold(name)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> InFlightServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
