"""The ``http`` probe: send one request, measure the answer (SPEC section 2).

The target is ``[METHOD] URL`` (``GET`` when no method is given), read by the same parser that
vetted it against ``allowed_hosts`` (``resolve.parse_http_target``). The body is streamed and
decoded a bounded piece at a time (``decoding``) up to ``READ_CAP_BYTES`` of decoded bytes, so
a huge, endless or compressed-bomb answer costs at most that much memory; decoding and JSON
parsing run off the event loop.
When the target cannot be reached the probe raises ``ProbeFailure`` whose message says why
in an operator's words (refused, timed out, which TLS problem, unresolvable host, redirect
loop…). Messages are built from ``check.display_target`` and fixed phrases only: the real
target and headers may hold secrets.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import httpx

from ...errors import CheckDefinitionError, ProbeFailure
from ...model import ResolvedCheck
from ...resolve import parse_http_target
from ...units import format_duration, format_timeout
from ..offload import off_loop, off_loop_if_heavy
from . import READ_CAP_BYTES, Observation, ProbeContext
from .decoding import (
    ACCEPT_ENCODING,
    BoundedDecoder,
    DecodingLimit,
    UnsupportedCoding,
    content_codings,
)
from .timing import TraceRecorder


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    target = parse_http_target(check.target, shown=check.display_target)
    client = _client(check, context, origin_of(target.url))
    try:
        return await _exchange(check, client, target.method, target.url)
    finally:
        context.release_client(client)


async def _exchange(
    check: ResolvedCheck, client: httpx.AsyncClient, method: str, url: httpx.URL
) -> Observation:
    """Send the request, read the answer."""
    trace = TraceRecorder()
    try:
        request = client.build_request(
            method,
            url,
            timeout=_timeouts(check),
            extensions={"trace": trace},
            **_request_content(check),
        )
    except UnicodeEncodeError:
        raise ProbeFailure(
            f"header values must be plain ASCII ({check.display_target})", value="invalid header"
        ) from None

    started = time.perf_counter()
    try:
        response = await client.send(
            request,
            stream=True,
            follow_redirects=bool(check.params.get("follow_redirects", False)),
            auth=_basic_auth(check),
        )
        try:
            raw_body, truncated = await read_capped(response)
            latency = trace.latency(fallback=time.perf_counter() - started)
            cert_expires_in = _cert_expires_in(response)
        finally:
            await response.aclose()
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        # ``from None``: the library's own exceptions carry the real URL, secrets included.
        raise request_failure(exc, check) from None

    body, parsed = await off_loop_if_heavy(len(raw_body), _read_body, raw_body, _charset(response))
    subjects: dict[str, Any] = {
        "status": response.status_code,
        "latency": latency,
        "body": body,
        "headers": dict(response.headers.items()),
    }
    if parsed is not _NOT_JSON:
        subjects["json"] = parsed
    if cert_expires_in is not None:
        subjects["cert_expires_in"] = cert_expires_in
    return Observation(
        subjects=subjects,
        value=format_duration(latency),
        detail=_detail(body, truncated),
    )


def _charset(response: httpx.Response) -> str:
    """The body's character set: the one ``Content-Type`` names, else UTF-8 (httpx's default).
    httpx's reading of the header (an ``email`` parser) runs only when it names one: that
    parser costs more than the rest of a small answer's reading."""
    if "charset" not in response.headers.get("content-type", "").lower():
        return "utf-8"
    return response.encoding or "utf-8"


def origin_of(url: httpx.URL) -> str:
    """``scheme://host:port`` of ``url``: which clients a check may take."""
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def _client(check: ResolvedCheck, context: ProbeContext, origin: str) -> httpx.AsyncClient:
    """The shared client for the check's TLS settings and origin; ``ca_file`` is read relative
    to the site's folder (where mkdocs.yml is, the working directory of command checks too)."""
    verify_tls = bool(check.params.get("verify_tls", True))
    ca_file = str(check.params.get("ca_file") or "")
    if not ca_file or not verify_tls:
        return context.http_client(verify_tls=verify_tls, origin=origin)
    path = context.base_dir / Path(ca_file).expanduser()
    try:
        return context.http_client(ca_file=str(path.resolve()), origin=origin)
    except OSError as exc:  # ssl.SSLError is one: the file holds no PEM certificate
        reason = "no PEM certificate in it" if isinstance(exc, ssl.SSLError) else exc.strerror
        raise CheckDefinitionError(
            f"ca_file {ca_file!r} cannot be used as CA certificates ({path}): {reason}",
            file=check.spec.page,
            line=check.spec.line,
        ) from None


def _timeouts(check: ResolvedCheck) -> httpx.Timeout:
    """The attempt's timeout, with a shorter bound on connecting when the check sets one."""
    connect = check.params.get("connect_timeout")
    if isinstance(connect, int | float) and connect < check.timeout:
        return httpx.Timeout(check.timeout, connect=float(connect))
    return httpx.Timeout(check.timeout)


def _request_content(check: ResolvedCheck) -> dict[str, Any]:
    """``headers`` and the body (``body`` as text, else ``json``) as httpx keyword arguments."""
    options: dict[str, Any] = {}
    headers = check.params.get("headers")
    if headers:
        options["headers"] = {str(name): str(value) for name, value in headers.items()}
    if check.params.get("body") is not None:
        options["content"] = str(check.params["body"]).encode()
    elif "json" in check.params:
        options["json"] = check.params["json"]
    return options


def _basic_auth(check: ResolvedCheck) -> httpx.BasicAuth | None:
    """``user:password`` (curl's ``-u``) as HTTP basic auth; no colon means an empty password."""
    credentials = check.params.get("basic_auth")
    if not credentials:
        return None
    user, _, password = str(credentials).partition(":")
    return httpx.BasicAuth(user, password)


async def read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    """The decoded body up to ``READ_CAP_BYTES``, and whether more was there. Stops reading at
    the cap, so closing the response drops the rest unread. Raises ``httpx.DecodingError``
    for a body that does not decode, or whose coding we cannot decode within bounds."""
    codings = content_codings(response.headers)
    # One byte past the cap tells a body of exactly the cap from a longer one.
    decoder = BoundedDecoder(codings, READ_CAP_BYTES + 1) if codings else None
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        chunk = raw if decoder is None else await off_loop(decoder.decode, raw)
        room = READ_CAP_BYTES - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _cert_expires_in(response: httpx.Response) -> float | None:
    """Seconds until the peer certificate's ``notAfter``, read from the live TLS connection.

    ``None`` for plain HTTP, and with ``verify_tls: false``: Python's ssl module only decodes a
    certificate it has verified (a ``tls`` check reports on unverified ones).
    """
    if response.url.scheme != "https":  # asking a plain stream for TLS costs a check's CPU
        return None
    network_stream = response.extensions.get("network_stream")
    if network_stream is None:
        return None
    ssl_object = network_stream.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    if not certificate or "notAfter" not in certificate:
        return None
    return ssl.cert_time_to_seconds(certificate["notAfter"]) - time.time()


_NOT_JSON = object()


def _read_body(raw_body: bytes, encoding: str) -> tuple[str, Any]:
    """The body as text, and its JSON (``_NOT_JSON`` when it is not JSON)."""
    try:
        body = raw_body.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        body = raw_body.decode("utf-8", errors="replace")
    return body, _parse_json(body)


def _parse_json(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a hostile, absurdly nested body
        return _NOT_JSON


def _detail(body: str, truncated: bool) -> str:
    """The whole body read: the runner masks secrets in it before it shortens it for the page,
    so a note about the read cap goes first."""
    if truncated:
        return (
            f"(response larger than {READ_CAP_BYTES // (1024 * 1024)} MiB: read cut there)\n{body}"
        )
    return body


def request_failure(exc: Exception, check: ResolvedCheck) -> ProbeFailure:
    """The operator's reading of an httpx error; nothing from ``exc`` that could hold the URL."""
    where = check.display_target
    if isinstance(exc, httpx.TimeoutException):
        connecting = isinstance(exc, httpx.ConnectTimeout)
        limit = _timeouts(check).connect if connecting else None
        after = f"timed out after {format_timeout(limit or check.timeout)}"
        phase = "connecting" if connecting else "waiting for the answer"
        return ProbeFailure(f"{after} {phase} ({where})", value=after)
    if isinstance(exc, httpx.TooManyRedirects):
        return ProbeFailure(
            f"too many redirects: probably a redirect loop ({where})", value="redirect loop"
        )
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        # The target itself was vetted when the check was resolved: this is a redirect's.
        return ProbeFailure(
            f"a redirect led to a URL that is not valid http:// or https:// ({where})",
            value="invalid redirect",
        )
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(exc, where)
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return ProbeFailure(
            f"the connection broke off before the answer was complete ({where})",
            value="connection lost",
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return ProbeFailure(
            f"the server's answer is not valid HTTP, or it hung up without answering ({where})",
            value="protocol error",
        )
    if isinstance(exc, UnsupportedCoding):
        return ProbeFailure(
            f"the response's {exc} (this check decodes {ACCEPT_ENCODING}) ({where})",
            value="unsupported encoding",
        )
    if isinstance(exc, DecodingLimit):
        return ProbeFailure(
            f"the response body is a decompression bomb: {exc} ({where})",
            value="decompression bomb",
        )
    if isinstance(exc, httpx.DecodingError):
        return ProbeFailure(
            f"the response body does not decode as its Content-Encoding says ({where})",
            value="protocol error",
        )
    return ProbeFailure(f"HTTP request failed: {type(exc).__name__} ({where})", value="failed")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, its causes and contexts, and the members of exception groups among them (anyio
    groups the errors of every address it tried)."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        group_members = getattr(current, "exceptions", None)
        if isinstance(group_members, tuple):
            pending.extend(m for m in group_members if isinstance(m, BaseException))
        pending.extend(link for link in (current.__cause__, current.__context__) if link)
    return found


def _connect_failure(exc: httpx.ConnectError, where: str) -> ProbeFailure:
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _certificate_failure(cause.verify_message or "", where)
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or "handshake failed").lower().replace("_", " ")
            return ProbeFailure(
                f"TLS handshake failed: {reason} (is the port speaking TLS?) ({where})",
                value="TLS error",
            )
    errors = [cause for cause in causes if isinstance(cause, OSError) and cause.errno]
    if any(isinstance(error, socket.gaierror) for error in errors):
        return ProbeFailure(
            f"cannot resolve host: DNS has no address for it ({where})",
            value="cannot resolve host",
        )
    if errors and all(isinstance(error, ConnectionRefusedError) for error in errors):
        return ProbeFailure(
            f"connection refused: nothing listens on that port ({where})", value="refused"
        )
    reasons = [error.strerror for error in errors if not isinstance(error, ConnectionRefusedError)]
    reason = next((text for text in reasons if text), "connection failed")
    return ProbeFailure(f"cannot connect: {reason} ({where})", value="cannot connect")


#: What an author should read for each OpenSSL verification message we can name.
_CERTIFICATE_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("expired", "certificate expired", "the TLS certificate has expired"),
    ("not yet valid", "certificate not yet valid", "the TLS certificate is not valid yet"),
    (
        "self-signed",
        "self-signed certificate",
        "the TLS certificate is self-signed and not trusted (trust it through SSL_CERT_FILE,"
        " or set verify_tls: false)",
    ),
    (
        "self signed",
        "self-signed certificate",
        "the TLS certificate is self-signed and not trusted (trust it through SSL_CERT_FILE,"
        " or set verify_tls: false)",
    ),
    (
        "issuer",
        "unknown issuer",
        "the TLS certificate's issuer is unknown: its CA is not in the trust store (add it"
        " through SSL_CERT_FILE, or set verify_tls: false)",
    ),
    (
        "mismatch",
        "hostname mismatch",
        "the TLS certificate is not valid for this host name (hostname mismatch)",
    ),
)


def _certificate_failure(verify_message: str, where: str) -> ProbeFailure:
    lowered = verify_message.lower()
    for marker, value, message in _CERTIFICATE_PROBLEMS:
        if marker in lowered:
            return ProbeFailure(f"{message} ({where})", value=value)
    return ProbeFailure(
        f"TLS certificate verification failed: {verify_message or 'unknown reason'} ({where})",
        value="TLS verify failed",
    )
