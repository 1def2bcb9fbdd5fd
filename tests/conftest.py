from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from servers import RouteServer
from tls_servers import CertificateKind, TLSServer


@pytest.fixture
def http_server() -> Iterator[RouteServer]:
    """A live HTTP server on 127.0.0.1 whose routes the test sets with ``http_server.route``."""
    server = RouteServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tls_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[CertificateKind], TLSServer]]:
    """Start ``TLSServer(kind)`` servers (see ``tls_servers``) for the test and trust the CA of
    the latest one through ``SSL_CERT_FILE``, which ``ProbeContext.ssl_context`` reads."""
    with contextlib.ExitStack() as running:

        def start(kind: CertificateKind) -> TLSServer:
            server = running.enter_context(TLSServer(kind))
            monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
            return server

        yield start
