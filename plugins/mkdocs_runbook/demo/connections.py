"""The connections a server has open, so that stopping it (or breaking it) can cut them.

``shutdown()`` only stops a socketserver accepting; a client on a kept-alive connection
would go on being answered by a stopped service.
"""

from __future__ import annotations

import socket
import threading


class OpenConnections:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.add(connection)

    def discard(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)

    def cut_all(self) -> None:
        """Shut every open connection down; the threads serving them then see end of file."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            try:
                # The plain socket's shutdown, also for TLS: it cuts the TCP connection under
                # the TLS layer without touching the TLS object another thread is reading.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
            except OSError:
                continue  # already closed by its client
