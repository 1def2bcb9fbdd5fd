"""The ``http`` probe: send one request, measure the answer (SPEC section 2).

The target is ``[METHOD] URL`` (``GET`` when no method is given). The body is streamed and
read up to ``READ_CAP_BYTES``, so a huge or endless answer costs at most that much memory.
When the target cannot be reached the probe raises ``ProbeFailure`` whose message says why
in an operator's words (refused, timed out, which TLS problem, unresolvable host, redirect
loop…). Messages are built from ``check.display_target`` and fixed phrases only: the real
target and headers may hold secrets.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import httpx

from ...errors import CheckDefinitionError, ProbeFailure
from ...model import ResolvedCheck
from ...text import cut
from ...units import format_duration, format_timeout
from . import READ_CAP_BYTES, Observation, ProbeContext
from .timing import TraceRecorder

_METHOD_AND_URL = re.compile(r"^\s*([A-Za-z]+)\s+(\S+)\s*$")


def split_http_target(target: str) -> tuple[str, str]:
    """``("GET", "https://x/healthz")`` from ``"GET https://x/healthz"`` or from the bare URL."""
    match = _METHOD_AND_URL.match(target)
    if match:
        return match.group(1).upper(), match.group(2)
    return "GET", target.strip()


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    method, url = split_http_target(check.target)
    _require_valid_url(url, check)
    client = _client(check, context, origin_of(url))
    try:
        return await _exchange(check, client, method, url)
    finally:
        context.release_client(client)


async def _exchange(
    check: ResolvedCheck, client: httpx.AsyncClient, method: str, url: str
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
    except httpx.InvalidURL:
        raise _invalid_url(check) from None

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

    body = raw_body.decode(response.encoding or "utf-8", errors="replace")
    subjects: dict[str, Any] = {
        "status": response.status_code,
        "latency": latency,
        "body": body,
        "headers": dict(response.headers.items()),
    }
    parsed = _parse_json(body)
    if parsed is not _NOT_JSON:
        subjects["json"] = parsed
    if cert_expires_in is not None:
        subjects["cert_expires_in"] = cert_expires_in
    return Observation(
        subjects=subjects,
        value=format_duration(latency),
        detail=_detail(body, truncated),
    )


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``, which picks its client (``""`` if it is invalid: the
    request itself then says why)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return ""
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


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


def _require_valid_url(url: str, check: ResolvedCheck) -> None:
    """Reject what httpx would accept but cannot send (a port above 65535, no host, ftp://)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise _invalid_url(check) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _invalid_url(check)
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise _invalid_url(check)


def _invalid_url(check: ResolvedCheck) -> ProbeFailure:
    return ProbeFailure(
        f"invalid URL in {check.display_target!r}: expected http:// or https://, a host and a"
        " port from 1 to 65535",
        value="invalid URL",
    )


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
    """The body up to ``READ_CAP_BYTES``, and whether more was there. Stops reading at the cap,
    so closing the response drops the rest unread."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
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


def _parse_json(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a hostile, absurdly nested body
        return _NOT_JSON


def _detail(body: str, truncated: bool) -> str:
    detail = cut(body)
    if truncated:
        detail += f"\n(response larger than {READ_CAP_BYTES // (1024 * 1024)} MiB: read cut there)"
    return detail


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
        return _invalid_url(check)
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
