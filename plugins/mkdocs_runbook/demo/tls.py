"""The demo's HTTPS port: a private CA made at start, and a certificate for localhost from it.

The CA is written to ``demo-ca.pem``; ``demo-ca-bundle.pem`` holds the system's CAs plus the
demo's, for ``SSL_CERT_FILE``, so trusting the demo does not distrust everything else.
"""

from __future__ import annotations

import socket
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .app import DemoApp, DemoHTTPServer

#: How long the demo's certificate is valid, like a typical ACME certificate.
CERT_VALIDITY = timedelta(days=90)
#: A client that connects and never finishes the handshake is dropped after this long.
HANDSHAKE_TIMEOUT = 5.0
CA_FILE_NAME = "demo-ca.pem"
#: The optional package the HTTPS port needs (the ``[demo]`` extra installs it).
TLS_PACKAGE = "trustme"
TRUST_BUNDLE_FILE_NAME = "demo-ca-bundle.pem"


class DemoCertificates:
    """A fresh CA and a server certificate for ``identities``, written into ``directory``."""

    def __init__(self, directory: Path, identities: list[str]) -> None:
        # trustme is needed only here: importing it lazily keeps `runbook` usable without it.
        import trustme

        self._ca = trustme.CA(organization_name="demo-target")
        now = datetime.now(timezone.utc)
        self._leaf = self._ca.issue_cert(
            *identities,
            organization_name="demo-target",
            not_before=now - timedelta(minutes=5),
            not_after=now + CERT_VALIDITY,
        )
        self.ca_file = directory / CA_FILE_NAME
        self.trust_bundle_file = directory / TRUST_BUNDLE_FILE_NAME
        ca_pem = self._ca.cert_pem.bytes()
        self.ca_file.write_bytes(ca_pem)
        self.trust_bundle_file.write_bytes(_system_ca_bundle() + ca_pem)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._leaf.configure_cert(context)
        return context


def _system_ca_bundle() -> bytes:
    cafile = ssl.get_default_verify_paths().cafile
    if cafile is None:
        return b""
    bundle = Path(cafile).read_bytes()
    return bundle if bundle.endswith(b"\n") or not bundle else bundle + b"\n"


class TLSDemoHTTPServer(DemoHTTPServer):
    """The same API over HTTPS. The handshake happens on the connection's own thread, so a
    client that connects and stalls cannot hold up the others."""

    def __init__(
        self, address: tuple[str, int], app: DemoApp, *, log_requests: bool, context: ssl.SSLContext
    ) -> None:
        self._context = context
        super().__init__(address, app, log_requests=log_requests, scheme="https")

    def finish_request(self, request: Any, client_address: Any) -> None:
        connection: socket.socket = request
        connection.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls_connection = self._context.wrap_socket(connection, server_side=True)
        except OSError:
            # A failed handshake, or a client (a `tls` check, a port scan) that hung up once it
            # had seen the certificate: nothing to answer.
            return
        try:
            super().finish_request(tls_connection, client_address)
        finally:
            tls_connection.close()
