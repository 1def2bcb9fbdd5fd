"""A TCP port standing for the stack's database.

Up, it accepts connections, greets with a one-line banner and answers ``SELECT 1`` and
``PING``, which is all a ``tcp`` check or ``nc`` needs. Down, it stops listening, so
connections are refused just as when a real database has gone. The port stays bound (but not
listening) while down: a refused connection, and nobody else can take the port meanwhile.
"""

from __future__ import annotations

import socketserver
import threading

from .connections import OpenConnections
from .serving import ServingThreads
from .state import Health

BANNER = b"demo-db 16.2 (PostgreSQL stand-in) ready for connections\r\n"
#: An idle session is closed after this many seconds, so forgotten clients never pile up.
SESSION_IDLE_TIMEOUT = 30.0
MAX_LINE_BYTES = 1024


class _Session(socketserver.StreamRequestHandler):
    timeout = SESSION_IDLE_TIMEOUT
    server: _DatabaseServer

    def setup(self) -> None:
        super().setup()
        self.server.sessions.add(self.connection)

    def finish(self) -> None:
        self.server.sessions.discard(self.connection)
        super().finish()

    def handle(self) -> None:
        try:
            self.wfile.write(BANNER)
            while line := self.rfile.readline(MAX_LINE_BYTES):
                command = line.strip().rstrip(b";").lower()
                if command in (b"quit", b"\\q", b"exit"):
                    self.wfile.write(b"bye\r\n")
                    return
                self.wfile.write(_answer(command))
        except OSError:
            # Idle timeout, a client that vanished, or the database being broken under it.
            return


def _answer(command: bytes) -> bytes:
    if command == b"select 1":
        return b"1\r\n"
    if command == b"ping":
        return b"PONG\r\n"
    if not command:
        return b""
    return b"ERROR: the demo database understands SELECT 1, PING and QUIT\r\n"


class _DatabaseServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Session, bind_and_activate=False)
        self.sessions = OpenConnections()


class DatabaseStandIn:
    """The database port. ``bind`` reserves it; ``serve``/``refuse`` follow the db's health."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._server = _DatabaseServer((host, port))
        self._serving = ServingThreads()
        self._lock = threading.Lock()
        self._closed = False
        self.port = port

    def bind(self) -> None:
        self._server.server_bind()
        self.port = self._server.server_address[1]

    def on_health_change(self, component: str, health: Health) -> None:
        if component != "db":
            return
        if health is Health.DOWN:
            self.refuse()
        else:
            self.serve()

    def serve(self) -> None:
        with self._lock:
            if self._serving.running or self._closed:
                return
            self._server.server_activate()
            self._serving.serve(self._server, f"demo-db:{self.port}")

    def refuse(self) -> None:
        """Stop listening and drop open sessions; the port stays bound, so connects fail."""
        with self._lock:
            if not self._serving.running:
                return
            self._stop_serving()
            self._server = _DatabaseServer((self._host, self.port))
            self._server.server_bind()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._serving.running:
                self._stop_serving()
            else:
                self._server.server_close()

    def _stop_serving(self) -> None:
        self._serving.stop()  # shuts the server down, closes it, joins its thread
        self._server.sessions.cut_all()
