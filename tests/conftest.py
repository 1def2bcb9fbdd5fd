from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import dns.resolver
import httpx
import pytest

from postgres import PostgresServer, postgres_bin_dir
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


#: What the libraries' own default timeouts become under ``patient_library_timeouts``: far
#: longer than the bound of any test that uses it.
PATIENT_SECONDS = 600.0


class _PatientAsyncClient(httpx.AsyncClient):
    def __init__(self, **options: Any) -> None:
        options.setdefault("timeout", PATIENT_SECONDS)
        super().__init__(**options)


@pytest.fixture
def patient_library_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's and dnspython's own default timeouts (5 s each) made ``PATIENT_SECONDS``.

    A probe that forgot to pass its check's timeout to the library would otherwise still end
    after the library's 5 s, with the same message: only a clock could tell. With this, it
    waits on a hung target until the test's own ``pytest.mark.timeout`` fails it, so a
    timeout test proves the check's timeout was honoured without reading a clock."""
    monkeypatch.setattr(httpx, "AsyncClient", _PatientAsyncClient)
    reset = dns.resolver.BaseResolver.reset

    def patient_reset(resolver: dns.resolver.BaseResolver) -> None:
        reset(resolver)
        resolver.lifetime = PATIENT_SECONDS

    monkeypatch.setattr(dns.resolver.BaseResolver, "reset", patient_reset)


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this test process (see ``postgres``), removed at the end."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL's initdb/pg_ctl are not installed here; `make test` installs Debian's "
            "postgresql package (as root), or run: apt-get install postgresql"
        )
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A URL (with the password) of a new, empty database of its own."""
    return postgres_server.create_database(f"runbook_{uuid.uuid4().hex[:12]}")
