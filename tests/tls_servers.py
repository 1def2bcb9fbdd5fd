"""HTTPS servers on 127.0.0.1 with real certificates from ``trustme`` (or ``cryptography`` for
the self-signed one), for the ``http`` and ``tls`` probes.

``TLSServer(kind)`` serves ``/healthz`` (JSON ``{"status": "ok"}``) over TLS at
``https://localhost:PORT``. ``ca_file`` is a PEM file of the CA a test should trust (point
``SSL_CERT_FILE`` at it): the CA that issued the certificate for ``valid``, ``expired`` and
``wrong_host``, and an unrelated CA for ``self_signed`` (whose certificate is its own issuer,
so nothing in the file vouches for it).

====================  ==============================================================
kind                  the certificate served
====================  ==============================================================
``valid``             for ``localhost`` and ``127.0.0.1``, valid for 30 more days
``expired``           for ``localhost`` and ``127.0.0.1``, expired a day ago
``self_signed``       for ``localhost`` and ``127.0.0.1``, signed by its own key
``wrong_host``        for ``wrong-host.example`` only
====================  ==============================================================
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import socketserver
import ssl
import tempfile
from pathlib import Path
from typing import Any, Literal

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from faults import JoiningTCPServer, LocalServer, QuietHTTPHandler

CertificateKind = Literal["valid", "expired", "self_signed", "wrong_host"]

HEALTHZ = {"status": "ok"}

#: How long a client may take for the handshake before the server gives up on it.
_HANDSHAKE_SECONDS = 5


class _HealthzHandler(QuietHTTPHandler):
    def do_GET(self) -> None:
        if self.path == "/healthz":
            self.send_body(200, json.dumps(HEALTHZ).encode(), "application/json")
        else:
            self.send_body(404, b"not found", "text/plain")


class _TLSTCPServer(JoiningTCPServer):
    """Does the TLS handshake in the connection's own thread, so a client that stalls or
    rejects the certificate holds up nobody else."""

    def __init__(
        self,
        handler: type[socketserver.BaseRequestHandler],
        owner: LocalServer,
        context: ssl.SSLContext,
    ) -> None:
        self.ssl_context = context
        super().__init__(handler, owner)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(_HANDSHAKE_SECONDS)
        try:
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: exactly what some tests want
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            tls_socket.close()


class TLSServer(LocalServer):
    """An HTTPS server with a certificate of the given ``kind`` (see the module docstring).

    ``not_after`` is the certificate's expiry, for tests of ``cert_expires_in``;
    ``organization`` the subject's O (and the issuer's, for ``valid``), for hostile names.
    """

    scheme = "https"
    host = "localhost"

    def __init__(self, kind: CertificateKind = "valid", *, organization: str | None = None) -> None:
        self.kind = kind
        self._directory = Path(tempfile.mkdtemp(prefix="runbook-tls-"))
        self.ca_file = self._directory / "ca.pem"
        now = datetime.datetime.now(datetime.timezone.utc)
        self.not_after = now + datetime.timedelta(days=30)
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca = trustme.CA(organization_name=organization)
        ca.cert_pem.write_to_path(str(self.ca_file))
        if kind == "valid":
            ca.issue_cert(
                "localhost", "127.0.0.1", not_after=self.not_after, organization_name=organization
            ).configure_cert(self._context)
        elif kind == "expired":
            self.not_after = now - datetime.timedelta(days=1)
            ca.issue_cert(
                "localhost",
                "127.0.0.1",
                not_before=now - datetime.timedelta(days=30),
                not_after=self.not_after,
            ).configure_cert(self._context)
        elif kind == "wrong_host":
            ca.issue_cert("wrong-host.example", not_after=self.not_after).configure_cert(
                self._context
            )
        elif kind == "self_signed":
            self._load_self_signed(now)
        else:
            raise ValueError(f"unknown certificate kind {kind!r}")
        super().__init__(_HealthzHandler)

    def _make_server(
        self, handler: type[socketserver.BaseRequestHandler]
    ) -> socketserver.ThreadingTCPServer:
        return _TLSTCPServer(handler, self, self._context)

    def _load_self_signed(self, now: datetime.datetime) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(self.not_after)
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        chain_file = self._directory / "self-signed.pem"
        chain_file.write_bytes(
            certificate.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self._context.load_cert_chain(chain_file)

    def __exit__(self, *exc_info: Any) -> None:
        super().__exit__(*exc_info)
        shutil.rmtree(self._directory, ignore_errors=True)
