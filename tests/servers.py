"""Real servers on 127.0.0.1 for the tests: an HTTP server whose routes the test defines.

Each route answers with a fixed status, headers and body after an optional delay, and counts
its hits, so a test can assert how often a live target was really contacted.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _BackloggedServer(ThreadingHTTPServer):
    # The default backlog of 5 drops simultaneous connects, and the client's retry then
    # adds a second to a test that runs many checks at once.
    request_queue_size = 128


@dataclass
class Route:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Answer only once this is set (bounded by GATE_SECONDS): a request "in flight" as long
    #: as the test wants, with no clock in the assertion.
    gate: threading.Event | None = None


GATE_SECONDS = 120.0


class RouteServer:
    """``ThreadingHTTPServer`` on an ephemeral port serving ``routes``; unknown paths are 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                server.requests.append((self.command, self.path, dict(self.headers), payload))
                route = server.routes.get(path, Route(status=404, body=b"not found"))
                if route.delay:
                    time.sleep(route.delay)
                if route.gate is not None:
                    route.gate.wait(GATE_SECONDS)
                body = route.body
                headers = dict(route.headers)
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json")
                elif isinstance(body, str):
                    body = body.encode()
                self.send_response(route.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    # A check that stops reading early (a timeout, a read cap) hangs up on us:
                    # the test judges what the check reports, not this write.
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _answer

        self._httpd = _BackloggedServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, path: str, **kwargs: Any) -> str:
        """Define ``path`` and return its full URL."""
        self.routes[path] = Route(**kwargs)
        return self.url + path

    def start(self) -> RouteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RouteServer:
        return self if self._thread.is_alive() else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
