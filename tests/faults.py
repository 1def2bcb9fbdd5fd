"""Misbehaving servers on 127.0.0.1 for fault tests (DESIGN "Tests": faults are first-class).

Each server is a context manager exposing ``.port`` and ``.url``; leaving the ``with`` block
wakes every connection handler and joins every thread, so a test ends with nothing left
running. Raw-socket servers (silent, trickle, big body) speak just enough HTTP to be a
plausible target; the others use ``http.server`` with HTTP/1.0, so each connection ends with
its response.

- ``SilentServer``: accepts and reads, never answers.
- ``TrickleServer``: answers headers at once, then one body byte per ``interval`` seconds.
- ``BigBodyServer``: a generated 50 MiB body, streamed; ``bytes_sent`` tells how much left.
- ``RedirectLoopServer``: ``/a`` → ``/b`` → ``/a`` …
- ``XSSServer``: ``XSS`` in the body, in a header value and in the status reason phrase.
- ``EchoServer``: reflects method, URL, headers and body back as JSON (secret-leak tests).
- ``RefusedPort``: a port nothing listens on.
- ``BlackholePort``: a port where connecting hangs.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from abc import abstractmethod
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, TypeVar

from mkdocs_runbook.demo.serving import ServingThreads

#: A name the resolver rejects locally, without sending a query: it is longer than the
#: 253 characters DNS allows. Tests of "cannot resolve host" use it so they never leave
#: the machine.
UNRESOLVABLE_HOST = ".".join(["a" * 60] * 5) + ".invalid"

#: The payload of the injection tests.
XSS = "<script>alert(1)</script>"

#: How long a blocked handler waits before looking at ``stopping`` again.
_POLL_SECONDS = 0.05

_Server = TypeVar("_Server", bound="LocalServer")


class JoiningTCPServer(socketserver.ThreadingTCPServer):
    """A threaded server whose ``server_close`` joins its handler threads (non-daemon threads
    with ``block_on_close``), and which stays quiet when a client hangs up mid-answer, since
    hanging up is what the probes under test are supposed to do."""

    allow_reuse_address = True
    daemon_threads = False
    block_on_close = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler], owner: LocalServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class LocalServer:
    """A server on an ephemeral 127.0.0.1 port, running in background threads while entered.

    Subclasses pass the request handler class; handlers reach the owning object through
    ``self.server.owner`` and must return soon after ``stopping`` is set.
    """

    scheme = "http"
    host = "127.0.0.1"

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self.stopping = threading.Event()
        self._server = self._make_server(handler)
        self.port: int = self._server.server_address[1]
        self._serving = ServingThreads()

    def _make_server(
        self, handler: type[socketserver.BaseRequestHandler]
    ) -> socketserver.ThreadingTCPServer:
        return JoiningTCPServer(handler, self)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __enter__(self: _Server) -> _Server:
        self._serving.serve(self._server, f"{type(self).__name__}:{self.port}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._serving.stop()


class _RawHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(_POLL_SECONDS)
        self.server.owner.serve(self.request)  # type: ignore[attr-defined]


class RawServer(LocalServer):
    """Base of servers that talk on the bare socket: ``serve(connection)`` per connection.

    ``connections`` counts accepted connections; ``hangups`` counts connections the client
    closed while the server was still talking or waiting (the proof that a probe cleaned up).
    """

    def __init__(self) -> None:
        super().__init__(_RawHandler)
        self.connections = 0
        self.hangups = 0
        self._lock = threading.Lock()

    def serve(self, connection: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        try:
            self.answer(connection)
        except (ConnectionError, BrokenPipeError):
            self._count_hangup()

    def _count_hangup(self) -> None:
        with self._lock:
            self.hangups += 1

    @abstractmethod
    def answer(self, connection: socket.socket) -> None:
        """Talk to one client; raise ``ConnectionError`` (or call ``_count_hangup``) when it
        goes away."""

    def read_request_head(self, connection: socket.socket) -> bool:
        """Read up to the blank line ending the request head; False if the client hung up or
        the server is stopping."""
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self._receive(connection)
            if chunk is None:
                return False
            received += chunk
        return True

    def _receive(self, connection: socket.socket) -> bytes | None:
        """Next bytes from the client; None once it hung up or the server is stopping."""
        while not self.stopping.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                self._count_hangup()
                return None
            return chunk
        return None


class SilentServer(RawServer):
    """Accepts, reads whatever comes, never writes a byte."""

    def answer(self, connection: socket.socket) -> None:
        while self._receive(connection) is not None:
            pass


class TrickleServer(RawServer):
    """Sends the response head at once, then one body byte every ``interval`` seconds."""

    def __init__(self, interval: float = 1.0, length: int = 3600) -> None:
        super().__init__()
        self.interval = interval
        self.length = length

    def answer(self, connection: socket.socket) -> None:
        if not self.read_request_head(connection):
            return
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {self.length}\r\n\r\n"
        )
        connection.sendall(head.encode())
        for _ in range(self.length):
            if self.stopping.wait(self.interval):
                return
            connection.sendall(b".")


class BigBodyServer(RawServer):
    """Streams a generated body of ``size`` bytes (50 MiB by default) without holding it.

    ``bytes_sent`` is how much of the body went out before the client hung up: far less than
    ``size`` proves the client stopped reading early.
    """

    LINE = b"0123456789abcdef" * 4 + b"\n"

    def __init__(self, size: int = 50 * 1024 * 1024) -> None:
        super().__init__()
        self.size = size
        self.bytes_sent = 0

    def answer(self, connection: socket.socket) -> None:
        if not self.read_request_head(connection):
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {self.size}\r\n\r\n"
        connection.sendall(head.encode())
        block = self.LINE * (65536 // len(self.LINE))
        while self.bytes_sent < self.size and not self.stopping.is_set():
            piece = block[: self.size - self.bytes_sent]
            try:
                self.bytes_sent += connection.send(piece)
            except TimeoutError:
                continue


class QuietHTTPHandler(BaseHTTPRequestHandler):
    #: A client that connects and says nothing cannot hold a handler thread past this.
    timeout = 2

    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_body(
        self, status: int, body: bytes, content_type: str, reason: str | None = None
    ) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _RedirectLoopHandler(QuietHTTPHandler):
    def do_GET(self) -> None:
        self.server.owner.hits += 1  # type: ignore[attr-defined]
        following = {"/a": "/b", "/b": "/a"}.get(self.path.split("?", 1)[0])
        if following is None:
            self.send_body(404, b"not found", "text/plain")
            return
        self.send_response(302)
        self.send_header("Location", following)
        self.send_header("Content-Length", "0")
        self.end_headers()


class RedirectLoopServer(LocalServer):
    """``/a`` redirects to ``/b``, which redirects back to ``/a``. ``hits`` counts requests."""

    def __init__(self) -> None:
        super().__init__(_RedirectLoopHandler)
        self.hits = 0


class _XSSHandler(QuietHTTPHandler):
    def do_GET(self) -> None:
        self.send_response(200, XSS)
        self.send_header("X-Injected", XSS)
        self.send_header("Content-Type", "text/html")
        body = XSS.encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class XSSServer(LocalServer):
    """Answers every GET with ``XSS`` as body, as the ``X-Injected`` header and as the reason
    phrase of a 200 status line."""

    def __init__(self) -> None:
        super().__init__(_XSSHandler)


class _EchoHandler(QuietHTTPHandler):
    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        request = {
            "method": self.command,
            "url": self.path,
            "headers": dict(self.headers.items()),
            "body": body,
        }
        self.server.owner.requests.append(request)  # type: ignore[attr-defined]
        payload = json.dumps(request).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name in self.headers:
            self.send_header("X-Echo-Header", name.lower())
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _echo


class EchoServer(LocalServer):
    """Reflects each request (method, URL path and query, headers, body) back as a JSON
    object, and keeps them in ``requests``. The answer also carries one ``X-Echo-Header``
    header per request header, naming it: a header repeated on purpose."""

    def __init__(self) -> None:
        super().__init__(_EchoHandler)
        self.requests: list[dict[str, Any]] = []


class RefusedPort:
    """A 127.0.0.1 port with nothing listening: bound once to get a free number, then closed."""

    def __init__(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
            probe_socket.bind(("127.0.0.1", 0))
            self.port: int = probe_socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RefusedPort:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return


class BlackholePort:
    """A 127.0.0.1 port where connecting hangs: it listens with a backlog of 0, a filler
    connection takes the one queue slot, and nothing ever accepts, so the kernel drops every
    further SYN (the loopback version of a firewall that drops packets)."""

    FILLERS = 4

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._fillers: list[socket.socket] = []

    def __enter__(self) -> BlackholePort:
        for _ in range(self.FILLERS):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", self.port))
            self._fillers.append(filler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for filler in self._fillers:
            filler.close()
        self._listener.close()
