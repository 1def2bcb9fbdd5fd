"""The ``tls`` probe: a TLS handshake to ``HOST:PORT``, verified against the system trust store.

``server_name`` (default: the host) is sent as SNI and is the name the certificate must cover.
Subjects: ``cert_expires_in`` (seconds until the leaf's notAfter), ``cert_subject`` and
``cert_issuer`` as distinguished names, most specific first (``CN=api.example.com, O=Acme``),
``tls_version`` (``TLSv1.3``) and ``latency`` (connect and handshake).

A handshake the trust store rejects is a ``ProbeFailure`` saying why: expired, unknown issuer,
hostname mismatch… For the two an operator most needs the details of, a second handshake
that tolerates just that one fault reads the certificate, so the message can say when it
expired or which names it covers.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from datetime import datetime, timezone
from typing import Any

from ...errors import ProbeFailure
from ...model import ResolvedCheck
from ...resolve import parse_address
from ...units import format_duration
from . import Observation, ProbeContext
from .network import distinct_addresses, resolve_checked

#: OpenSSL's X509_V_FLAG_NO_CHECK_TIME, which the ssl module has no name for: verify the chain
#: and the host name but not the dates, to read an expired certificate.
_NO_CHECK_TIME = 0x200000

# OpenSSL X509_V_ERR_* codes (``SSLCertVerificationError.verify_code``).
_UNABLE_TO_GET_ISSUER_CERT = 2
_CERT_NOT_YET_VALID = 9
_CERT_HAS_EXPIRED = 10
_DEPTH_ZERO_SELF_SIGNED_CERT = 18
_SELF_SIGNED_CERT_IN_CHAIN = 19
_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
_CERT_REVOKED = 23
_HOSTNAME_MISMATCH = 62
_IP_ADDRESS_MISMATCH = 64
_UNKNOWN_ISSUER_CODES = frozenset(
    {
        _UNABLE_TO_GET_ISSUER_CERT,
        _DEPTH_ZERO_SELF_SIGNED_CERT,
        _SELF_SIGNED_CERT_IN_CHAIN,
        _UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        _UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    }
)

#: Short names of the attributes Python's ``getpeercert()`` spells out.
_ATTRIBUTE_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "domainComponent": "DC",
    "streetAddress": "STREET",
    "userId": "UID",
}

Certificate = dict[str, Any]


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    endpoint = parse_address(check.target, what="tls target", shown=check.display_target)
    server_name = str(check.params.get("server_name") or endpoint.host)
    verify_tls = bool(check.params.get("verify_tls", True))
    verified = context.ssl_context(verify_tls=verify_tls)

    try:
        addresses = distinct_addresses(
            await resolve_checked(endpoint.host, endpoint.port, context.host_policy)
        )
        certificate, version, latency = await _handshake(
            addresses, endpoint.port, verified, server_name
        )
    except ssl.SSLCertVerificationError as exc:
        raise await _rejected(exc, addresses, endpoint.port, server_name, verified, check) from None
    except ssl.SSLError as exc:
        raise _handshake_failure(exc, check) from None
    except (OSError, UnicodeError) as exc:
        raise _connect_failure(exc, check) from None
    if "notAfter" not in certificate:
        raise ProbeFailure(
            f"the server sent no certificate ({check.display_target})", value="no certificate"
        )

    expires_in = _seconds_left(certificate)
    return Observation(
        subjects={
            "cert_expires_in": expires_in,
            "cert_subject": distinguished_name(certificate.get("subject", ())),
            "cert_issuer": distinguished_name(certificate.get("issuer", ())),
            "tls_version": version,
            "latency": latency,
        },
        value=f"expires in {format_duration(expires_in)}",
    )


def _decoded(der: bytes | None) -> Certificate:
    """A DER certificate in the shape of ``getpeercert()`` (subject, issuer, notAfter), read by
    ``cryptography``; empty when the server sent none."""
    if not der:
        return {}
    from cryptography import x509  # only unverified handshakes need it

    parsed = x509.load_der_x509_certificate(der)

    def rdns(name: x509.Name) -> tuple[tuple[tuple[str, str], ...], ...]:
        return tuple(
            tuple((attribute.rfc4514_attribute_name, _text(attribute.value)) for attribute in rdn)
            for rdn in name.rdns
        )

    return {
        "subject": rdns(parsed.subject),
        "issuer": rdns(parsed.issuer),
        "notAfter": parsed.not_valid_after_utc.strftime("%b %d %H:%M:%S %Y GMT"),
    }


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode(errors="replace")


def distinguished_name(rdns: Any) -> str:
    """``CN=R11, O=Let's Encrypt, C=US`` from ``getpeercert()``'s nested tuples: most specific
    first as in RFC 4514, but with ``, `` and unescaped values, for reading and ``contains``."""
    parts = [
        "+".join(f"{_ATTRIBUTE_NAMES.get(name, name)}={value}" for name, value in rdn)
        for rdn in rdns
    ]
    return ", ".join(reversed(parts))


async def _handshake(
    addresses: list[str], port: int, ssl_context: ssl.SSLContext, server_name: str
) -> tuple[Certificate, str, float]:
    """The peer certificate and the protocol version of one handshake, with the first of the
    (checked) ``addresses`` that accepts a connection, and the seconds that connection and its
    handshake took."""
    writer, latency = await _connect(addresses, port, ssl_context, server_name)
    try:
        ssl_object: ssl.SSLObject = writer.get_extra_info("ssl_object")
        # The ssl module decodes only a certificate it verified (verify_tls: false skips that).
        certificate = ssl_object.getpeercert() or _decoded(ssl_object.getpeercert(binary_form=True))
        return certificate, ssl_object.version() or "unknown", latency
    finally:
        # Nothing is sent, so nothing needs an orderly TLS shutdown, which a server that never
        # answers close_notify could stretch out until the timeout.
        writer.transport.abort()


async def _connect(
    addresses: list[str], port: int, ssl_context: ssl.SSLContext, server_name: str
) -> tuple[asyncio.StreamWriter, float]:
    failure: OSError = ConnectionRefusedError("no address to connect to")
    for address in addresses:
        try:
            started = time.perf_counter()
            _, writer = await asyncio.open_connection(
                address, port, ssl=ssl_context, server_hostname=server_name
            )
            return writer, time.perf_counter() - started
        except ssl.SSLError:
            raise  # the server answered: its certificate or handshake is the story
        except OSError as exc:
            failure = exc
    raise failure


async def _rejected(
    exc: ssl.SSLCertVerificationError,
    addresses: list[str],
    port: int,
    server_name: str,
    verified: ssl.SSLContext,
    check: ResolvedCheck,
) -> ProbeFailure:
    """The operator's reading of a certificate the trust store rejected."""
    where = check.display_target
    code = exc.verify_code
    if code == _CERT_HAS_EXPIRED:
        verified.verify_flags |= _NO_CHECK_TIME
        certificate = await _diagnose(addresses, port, verified, server_name)
        return ProbeFailure(f"{_expiry_story(certificate)} ({where})", value="certificate expired")
    if code == _CERT_NOT_YET_VALID:
        return ProbeFailure(
            f"certificate not yet valid: check the server's certificate and this machine's clock "
            f"({where})",
            value="certificate not yet valid",
        )
    if code in _UNKNOWN_ISSUER_CODES:
        return ProbeFailure(
            f"unknown issuer (self-signed or untrusted CA): {exc.verify_message}; add the CA to "
            f"the system trust store or point SSL_CERT_FILE at it ({where})",
            value="unknown issuer",
        )
    if code in (_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH):
        verified.check_hostname = False
        certificate = await _diagnose(addresses, port, verified, server_name)
        names = _certificate_names(certificate) if certificate else []
        covered = ", ".join(names) if names else "other names"
        return ProbeFailure(
            f"hostname mismatch: cert is for {covered}, not {server_name} ({where})",
            value="hostname mismatch",
        )
    if code == _CERT_REVOKED:
        return ProbeFailure(f"certificate revoked ({where})", value="certificate revoked")
    return ProbeFailure(
        f"certificate not accepted: {exc.verify_message or exc.reason} ({where})",
        value="certificate rejected",
    )


async def _diagnose(
    addresses: list[str], port: int, tolerant: ssl.SSLContext, server_name: str
) -> Certificate | None:
    """The certificate as a handshake with ``tolerant`` sees it, or ``None`` if that fails too
    (then the first reason stands on its own)."""
    try:
        certificate, _, _ = await _handshake(addresses, port, tolerant, server_name)
    except (ssl.SSLError, OSError):
        return None
    return certificate


def _expiry_story(certificate: Certificate | None) -> str:
    if not certificate or "notAfter" not in certificate:
        return "certificate expired"
    seconds_left = _seconds_left(certificate)
    ended = _utc(certificate["notAfter"])
    if seconds_left > 0:
        return (
            "certificate expired: one in the chain has expired, although the server's own is "
            f"valid until {ended}"
        )
    return f"certificate expired {format_duration(-seconds_left)} ago (on {ended})"


def _certificate_names(certificate: Certificate) -> list[str]:
    names = [str(value) for _, value in certificate.get("subjectAltName", ())]
    if names:
        return names
    return [
        str(value)
        for rdn in certificate.get("subject", ())
        for name, value in rdn
        if name == "commonName"
    ]


def _seconds_left(certificate: Certificate) -> float:
    return ssl.cert_time_to_seconds(certificate["notAfter"]) - time.time()


def _utc(cert_time: str) -> str:
    moment = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert_time), tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


#: OpenSSL reasons whose cause an operator can act on, in plain words.
_HANDSHAKE_REASONS = {
    "WRONG_VERSION_NUMBER": "the port does not speak TLS (plain HTTP?)",
    "RECORD_LAYER_FAILURE": "the port does not speak TLS",
    "PACKET_LENGTH_TOO_LONG": "the port does not speak TLS",
    "TLSV1_ALERT_PROTOCOL_VERSION": "no TLS version both sides accept",
    "UNSUPPORTED_PROTOCOL": "no TLS version both sides accept",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "the server refused the handshake (no common cipher?)",
    "TLSV1_UNRECOGNIZED_NAME": "the server does not know that server name (SNI)",
}


def _handshake_failure(exc: ssl.SSLError, check: ResolvedCheck) -> ProbeFailure:
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        reason = "the server closed the connection during the handshake"
    else:
        code = exc.reason or ""
        reason = _HANDSHAKE_REASONS.get(code, code.lower().replace("_", " ") or str(exc))
    return ProbeFailure(
        f"TLS handshake failed: {reason} ({check.display_target})", value="TLS error"
    )


def _connect_failure(exc: OSError | UnicodeError, check: ResolvedCheck) -> ProbeFailure:
    where = check.display_target
    if isinstance(exc, ConnectionRefusedError):
        return ProbeFailure(
            f"connection refused: nothing listens on that port ({where})", value="refused"
        )
    # UnicodeError: Python's IDNA codec rejects names no DNS server could hold.
    if isinstance(exc, socket.gaierror | UnicodeError):
        return ProbeFailure(
            f"cannot resolve host: DNS has no address for it ({where})",
            value="cannot resolve host",
        )
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return ProbeFailure(
            f"TLS handshake failed: the server closed the connection during the handshake "
            f"({where})",
            value="TLS error",
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ProbeFailure(f"cannot connect: {reason} ({where})", value="cannot connect")
