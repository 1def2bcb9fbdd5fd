"""The ``http`` probe against real servers on 127.0.0.1: normal answers, every failure, caps,
cancellation and TLS (SPEC sections 2 and 8)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import time
import traceback
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import brotli
import httpx
import pytest
import trustme
from backports import zstd

from faults import (
    UNRESOLVABLE_HOST,
    XSS,
    BigBodyServer,
    BlackholePort,
    EchoServer,
    RawServer,
    RedirectLoopServer,
    RefusedPort,
    SilentServer,
    TrickleServer,
    XSSServer,
)
from mkdocs_runbook.errors import ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import InvalidTarget, parse_http_target
from mkdocs_runbook.run import READ_CAP_BYTES, Observation, ProbeContext
from mkdocs_runbook.run.probes.decoding import (
    WORK_LIMIT_BYTES,
    BoundedDecoder,
    DecodingLimit,
    UnsupportedCoding,
    content_codings,
)
from mkdocs_runbook.run.probes.http import probe
from mkdocs_runbook.units import format_duration
from servers import RouteServer
from tls_servers import CertificateKind, TLSServer

SECRET = "s3cr3t-t0ken"


def http_check(
    target: str,
    *,
    display_target: str | None = None,
    timeout: float = 5.0,
    secrets: tuple[str, ...] = (),
    **params: Any,
) -> ResolvedCheck:
    return ResolvedCheck(
        spec=CheckSpec(id="probe", name="probe", page="t.md", line=1),
        kind="http",
        target=target,
        display_target=display_target if display_target is not None else target,
        params=params,
        timeout=timeout,
        secrets=secrets,
    )


def run_probe(
    check: ResolvedCheck, *, within: float | None = None, hangup_from: RawServer | None = None
) -> Observation:
    """One probe call in a fresh loop with a fresh context, bounded like the runner bounds it
    when ``within`` is given. With ``hangup_from``, the server must see the connection closed
    while the shared client is still open: the probe let go, not the client's shutdown."""

    async def attempt() -> Observation:
        context = ProbeContext()
        try:
            return await asyncio.wait_for(probe(check, context), within)
        finally:
            if hangup_from is not None:
                deadline = time.monotonic() + 3
                while hangup_from.hangups < 1 and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                assert hangup_from.hangups == 1, "the probe left the connection open"
            await context.aclose()

    return asyncio.run(attempt())


def probe_failure(check: ResolvedCheck, *, hangup_from: RawServer | None = None) -> ProbeFailure:
    with pytest.raises(ProbeFailure) as caught:
        run_probe(check, hangup_from=hangup_from)
    return caught.value


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://x/healthz", ("GET", "https://x/healthz")),
        ("POST https://x/jobs", ("POST", "https://x/jobs")),
        ("  delete   http://x/a?b=c  ", ("DELETE", "http://x/a?b=c")),
    ],
)
def test_parse_http_target(target: str, expected: tuple[str, str]) -> None:
    parsed = parse_http_target(target)
    assert (parsed.method, str(parsed.url)) == expected


def test_subjects_of_a_json_answer(http_server: RouteServer) -> None:
    payload = {"status": "ok", "checks": {"db": "up"}}
    url = http_server.route("/readyz", body=payload, headers={"X-Build": "42"})

    started = time.perf_counter()
    observation = run_probe(http_check(f"GET {url}"))
    spent = time.perf_counter() - started

    subjects = observation.subjects
    assert subjects["status"] == 200
    assert subjects["json"] == payload
    assert subjects["body"] == '{"status": "ok", "checks": {"db": "up"}}'
    assert subjects["headers"]["x-build"] == "42"
    assert subjects["headers"]["content-type"] == "application/json"
    # An order, not a bound (nothing here depends on the machine's speed): the probe's
    # measurement, in seconds, lies within the call the test timed around it.
    assert 0 < subjects["latency"] <= spent
    assert "cert_expires_in" not in subjects
    assert observation.value == format_duration(subjects["latency"])
    assert observation.detail == subjects["body"]
    assert http_server.hits["/readyz"] == 1


def test_non_json_body_has_no_json_subject_and_error_statuses_are_observations(
    http_server: RouteServer,
) -> None:
    url = http_server.route("/down", status=503, body="upstream unavailable")

    subjects = run_probe(http_check(url)).subjects

    assert subjects["status"] == 503
    assert subjects["body"] == "upstream unavailable"
    assert "json" not in subjects


def test_body_is_decoded_with_the_response_charset_and_bad_bytes_replaced(
    http_server: RouteServer,
) -> None:
    latin = http_server.route(
        "/latin",
        body="café".encode("latin-1"),
        headers={"Content-Type": "text/plain; charset=latin-1"},
    )
    broken = http_server.route(
        "/broken", body=b"ok \xff\xfe", headers={"Content-Type": "text/plain; charset=utf-8"}
    )

    assert run_probe(http_check(latin)).subjects["body"] == "café"
    assert run_probe(http_check(broken)).subjects["body"] == "ok \ufffd\ufffd"


def test_method_headers_json_and_basic_auth_reach_the_server() -> None:
    with EchoServer() as echo:
        check = http_check(
            f"put {echo.url}/jobs?x=1",
            headers={"X-Trace": "abc", "X-Count": 3},
            json={"replicas": 2},
            basic_auth="ops:pa:ss",
        )
        subjects = run_probe(check).subjects

    sent = subjects["json"]
    assert sent["method"] == "PUT"
    assert sent["url"] == "/jobs?x=1"
    assert sent["headers"]["X-Trace"] == "abc"
    assert sent["headers"]["X-Count"] == "3"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Authorization"] == "Basic " + base64.b64encode(b"ops:pa:ss").decode()
    assert sent["body"] == '{"replicas":2}'


def test_text_body_is_sent_as_is_and_repeated_headers_are_joined() -> None:
    with EchoServer() as echo:
        subjects = run_probe(
            http_check(f"POST {echo.url}/", body="plain text", headers={"X-One": "1"})
        ).subjects

    assert subjects["json"]["body"] == "plain text"
    assert subjects["json"]["method"] == "POST"
    # One X-Echo-Header line per request header, joined the way HTTP allows.
    echoed = subjects["headers"]["x-echo-header"].split(", ")
    assert len(echoed) > 2
    assert {"host", "x-one", "content-length"} <= set(echoed)


def test_fifty_mib_body_is_read_only_up_to_the_cap() -> None:
    with BigBodyServer() as server:
        tracemalloc.start()
        try:
            observation = run_probe(http_check(server.url + "/big"), hangup_from=server)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(observation.subjects["body"]) == READ_CAP_BYTES
    assert observation.subjects["status"] == 200
    assert "1 MiB" in observation.detail
    # The whole read body: the runner masks it, then shortens it to what a page shows.
    assert len(observation.detail) < 1024 * 1024 + 200
    assert peak < 16 * 1024 * 1024, f"peak memory {peak} bytes"
    assert server.bytes_sent < server.size // 2


def test_a_body_of_exactly_the_cap_is_not_marked_cut(http_server: RouteServer) -> None:
    exact = http_server.route("/exact", body=b"x" * READ_CAP_BYTES)
    over = http_server.route("/over", body=b"x" * (READ_CAP_BYTES + 1))

    exact_observation = run_probe(http_check(exact))
    over_observation = run_probe(http_check(over))

    assert len(exact_observation.subjects["body"]) == READ_CAP_BYTES
    assert "MiB" not in exact_observation.detail
    assert len(over_observation.subjects["body"]) == READ_CAP_BYTES
    assert "MiB" in over_observation.detail


def test_redirects_are_reported_unless_followed(http_server: RouteServer) -> None:
    old = http_server.route("/old", status=301, headers={"Location": "/new"})
    http_server.route("/new", body={"moved": True})

    not_followed = run_probe(http_check(old)).subjects
    followed = run_probe(http_check(old, follow_redirects=True)).subjects

    assert not_followed["status"] == 301
    assert not_followed["headers"]["location"] == "/new"
    assert followed["status"] == 200
    assert followed["json"] == {"moved": True}


def test_a_cookie_set_by_a_redirect_goes_with_the_next_hop(http_server: RouteServer) -> None:
    # Only responses that set a cookie are read for cookies (network.skip_cookieless_responses).
    login = http_server.route(
        "/login", status=302, headers={"Location": "/home", "Set-Cookie": "session=abc; Path=/"}
    )
    http_server.route("/home", body={"home": True})

    followed = run_probe(http_check(login, follow_redirects=True)).subjects

    assert followed["status"] == 200
    home_request_headers = http_server.requests[-1][2]
    assert http_server.requests[-1][1] == "/home"
    assert home_request_headers.get("Cookie") == "session=abc"


def test_a_cookie_one_check_was_set_is_not_sent_by_the_next(http_server: RouteServer) -> None:
    """Checks to one origin share a client (and its connection), not its cookies: a check
    never sends a session another check's answer opened."""
    login = http_server.route("/login", headers={"Set-Cookie": "session=abc; Path=/"})
    home = http_server.route("/home", body={"home": True})

    async def one_after_the_other() -> int:
        context = ProbeContext()
        try:
            await probe(http_check(login), context)
            await probe(http_check(home), context)
            return len(context._all_clients)
        finally:
            await context.aclose()

    assert asyncio.run(one_after_the_other()) == 1, "both checks used the one client"
    (login_request, home_request) = http_server.requests[-2:]
    assert (login_request[1], home_request[1]) == ("/login", "/home")
    assert "Cookie" not in home_request[2]


def test_redirect_loop() -> None:
    with RedirectLoopServer() as server:
        assert run_probe(http_check(server.url + "/a")).subjects["status"] == 302
        failure = probe_failure(http_check(server.url + "/a", follow_redirects=True))
        assert server.hits > 10
    assert failure.value == "redirect loop"
    assert "redirect loop" in failure.message
    assert server.url in failure.message


def test_connection_refused() -> None:
    with RefusedPort() as port:
        failure = probe_failure(http_check(f"GET {port.url}/healthz"))
    assert failure.value == "refused"
    assert (
        failure.message
        == f"connection refused: nothing listens on that port (GET {port.url}/healthz)"
    )


def test_unresolvable_host() -> None:
    failure = probe_failure(http_check(f"http://{UNRESOLVABLE_HOST}/"))
    assert failure.value == "cannot resolve host"
    assert "cannot resolve host" in failure.message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/", "ftp://127.0.0.1/file", "http:///nohost", "http://[::1/"]
)
def test_invalid_url(url: str) -> None:
    with pytest.raises(InvalidTarget, match="invalid URL"):
        run_probe(http_check(url))


def test_invalid_url_message_shows_the_masked_target() -> None:
    check = http_check(
        f"http://user:{SECRET}@127.0.0.1:99999/x?key={SECRET}",
        display_target="http://user:••••@127.0.0.1:99999/x?key=••••",
        secrets=(SECRET,),
    )
    with pytest.raises(InvalidTarget) as caught:
        run_probe(check)
    assert SECRET not in str(caught.value)
    assert "••••" in str(caught.value)


def test_header_value_that_is_not_ascii(http_server: RouteServer) -> None:
    failure = probe_failure(http_check(http_server.url, headers={"X-Name": "café"}))
    assert failure.value == "invalid header"
    assert http_server.hits == {}


# The hung targets below hold a request far longer than each test's bound (a silent server
# until the test ends, a blackholed connect for the kernel's two minutes of SYN retries), and
# the libraries' own timeouts are made as long (``patient_library_timeouts``): reaching the
# assertions at all proves the check's timeout, or the runner's bound, cut the wait.


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("patient_library_timeouts")
@pytest.mark.parametrize(("timeout", "words"), [(1.0, "1s"), (0.5, "500ms")])
def test_silent_server_times_out_with_the_timeout_in_words(timeout: float, words: str) -> None:
    with SilentServer() as server:
        failure = probe_failure(http_check(server.url, timeout=timeout), hangup_from=server)
        assert server.connections == 1
    assert failure.value == f"timed out after {words}"
    assert failure.message.startswith(f"timed out after {words} waiting for the answer")


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("patient_library_timeouts")
def test_connect_that_hangs_times_out() -> None:
    with BlackholePort() as port:
        failure = probe_failure(http_check(port.url, timeout=0.5))
    assert failure.value == "timed out after 500ms"
    assert "connecting" in failure.message


@pytest.mark.timeout(30)
@pytest.mark.parametrize("server_class", [SilentServer, TrickleServer])
def test_cancellation_closes_the_connection(server_class: type[RawServer]) -> None:
    # The trickle server sends a byte every 0.2 s, so even a short read timeout never fires,
    # and the check's own timeout is far past the test's bound: only the runner's bound
    # (wait_for) can stop the attempt, and the probe must hang up.
    server_instance = server_class() if server_class is SilentServer else TrickleServer(0.2)
    with server_instance as server:
        with pytest.raises(asyncio.TimeoutError):
            run_probe(http_check(server.url, timeout=600), within=1.0, hangup_from=server)
        assert server.connections == 1


def test_target_markup_is_observed_verbatim() -> None:
    with XSSServer() as server:
        subjects = run_probe(http_check(server.url + "/")).subjects
    assert subjects["status"] == 200
    assert subjects["body"] == XSS
    assert subjects["headers"]["x-injected"] == XSS


# --- TLS --------------------------------------------------------------------------------------


def test_valid_certificate_gives_cert_expires_in(
    tls_server: Callable[[CertificateKind], TLSServer],
) -> None:
    server = tls_server("valid")
    subjects = run_probe(http_check(server.url + "/healthz")).subjects
    assert subjects["status"] == 200
    assert subjects["json"] == {"status": "ok"}
    expected = server.not_after.timestamp() - time.time()
    # notAfter has whole seconds; the rest is the time the request took.
    assert expected - 5 < subjects["cert_expires_in"] < expected + 1


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("expired", "certificate expired", "has expired"),
        ("self_signed", "self-signed certificate", "self-signed"),
        ("wrong_host", "hostname mismatch", "not valid for this host name"),
    ],
)
def test_certificate_problems_are_named(
    tls_server: Callable[[CertificateKind], TLSServer],
    kind: CertificateKind,
    value: str,
    words: str,
) -> None:
    server = tls_server(kind)
    failure = probe_failure(http_check(f"GET {server.url}/healthz"))
    assert failure.value == value
    assert words in failure.message
    assert f"GET {server.url}/healthz" in failure.message


def test_unknown_issuer(
    tls_server: Callable[[CertificateKind], TLSServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = tls_server("valid")
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))

    failure = probe_failure(http_check(server.url + "/healthz"))

    assert failure.value == "unknown issuer"
    assert "SSL_CERT_FILE" in failure.message


def test_verify_tls_false_accepts_a_self_signed_certificate(
    tls_server: Callable[[CertificateKind], TLSServer],
) -> None:
    server = tls_server("self_signed")
    subjects = run_probe(http_check(server.url + "/healthz", verify_tls=False)).subjects
    assert subjects["status"] == 200
    assert subjects["json"] == {"status": "ok"}


def test_a_plain_http_client_loads_no_trust_store(http_server: RouteServer) -> None:
    """A client of an ``http://`` origin makes its TLS context only at a handshake: a build of
    plain http checks never holds the trust store (over a MB) in the worker."""
    url = http_server.route("/healthz", body={"status": "ok"})

    async def attempt() -> tuple[int, int]:
        context = ProbeContext()
        try:
            observed = await probe(http_check(url), context)
            return observed.subjects["status"], len(context._client_tls)
        finally:
            await context.aclose()

    assert asyncio.run(attempt()) == (200, 0)


@pytest.mark.parametrize(
    ("kind", "verify_tls", "outcome"),
    [
        ("valid", True, "200"),
        ("self_signed", True, "self-signed certificate"),
        ("self_signed", False, "200"),
    ],
)
def test_a_redirect_from_http_to_https_is_verified_with_the_check_settings(
    http_server: RouteServer,
    tls_server: Callable[[CertificateKind], TLSServer],
    kind: CertificateKind,
    verify_tls: bool,
    outcome: str,
) -> None:
    """The context made at the redirect's handshake is the check's: the trust store (the
    valid certificate passes, the self-signed one is refused) or no verification."""
    server = tls_server(kind)
    old = http_server.route("/old", status=302, headers={"Location": f"{server.url}/healthz"})
    check = http_check(old, follow_redirects=True, verify_tls=verify_tls)
    if outcome == "200":
        assert run_probe(check).subjects["status"] == 200
    else:
        assert probe_failure(check).value == outcome


def test_https_to_a_plain_http_port(http_server: RouteServer) -> None:
    failure = probe_failure(http_check(f"https://127.0.0.1:{http_server.port}/"))
    assert failure.value == "TLS error"
    assert "wrong version number" in failure.message


# --- secrets ----------------------------------------------------------------------------------


def test_the_real_target_and_headers_are_sent() -> None:
    with EchoServer() as echo:
        check = http_check(
            f"GET {echo.url}/q?token={SECRET}",
            display_target=f"GET {echo.url}/q?token=••••",
            headers={"Authorization": f"Bearer {SECRET}"},
            secrets=(SECRET,),
        )
        run_probe(check)
    assert echo.requests[0]["url"] == f"/q?token={SECRET}"
    assert echo.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"


#: (expected badge value, server giving the ``{url}``, target URL template). Each puts the secret
#: in the URL and, through the check, in a header and in basic auth.
SECRET_FAILURES: list[tuple[str, Callable[[], Any], str]] = [
    ("refused", RefusedPort, "{url}/x?key={secret}"),
    ("timed out", SilentServer, "{url}/x?key={secret}"),
    ("redirect loop", RedirectLoopServer, "{url}/a?key={secret}"),
    ("cannot resolve host", RefusedPort, "http://{secret}." + UNRESOLVABLE_HOST + "/"),
    ("TLS error", EchoServer, "{https_url}/x?key={secret}"),
]


@pytest.mark.parametrize(("value", "server_class", "template"), SECRET_FAILURES)
def test_failure_messages_never_contain_secrets(
    value: str, server_class: Callable[[], Any], template: str
) -> None:
    with server_class() as server:
        url = server.url
        fill = {"url": url, "https_url": url.replace("http://", "https://")}
        target = template.format(secret=SECRET, **fill)
        display = template.format(secret="••••", **fill)
        check = http_check(
            f"GET {target}",
            display_target=f"GET {display}",
            headers={"Authorization": f"Bearer {SECRET}"},
            basic_auth=f"ops:{SECRET}",
            follow_redirects=True,
            timeout=0.5,
            secrets=(SECRET,),
        )
        failure = probe_failure(check)
    assert value in failure.value
    shown = failure.message + failure.value + "".join(traceback.format_exception(failure))
    assert SECRET not in shown
    assert "••••" in failure.message


# -- content codings: decoded a bounded piece at a time (run.probes.decoding) --------------

MIB = 1024 * 1024
#: Text that compresses but not to nothing, so every step of a decoder does some work.
SAMPLE = b"".join(b"line %d of the sample body\n" % n for n in range(120_000))


def _encode(coding: str, data: bytes) -> bytes:
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return compressor.compress(data) + compressor.flush()
    if coding == "br":
        return brotli.compress(data)
    return zstd.compress(data)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "br", "zstd"])
@pytest.mark.parametrize("chunk", [1, 7, 4096, 65536])
def test_each_coding_decodes_whole_in_any_chunking(coding: str, chunk: int) -> None:
    data = SAMPLE[:50_000] if chunk < 100 else SAMPLE
    encoded = _encode(coding, data)
    decoder = BoundedDecoder(["deflate" if coding == "raw-deflate" else coding], 10 * MIB)
    decoded = b"".join(
        decoder.decode(encoded[i : i + chunk]) for i in range(0, len(encoded), chunk)
    )
    assert decoded == data


def test_nested_codings_and_gzip_members_decode_in_order() -> None:
    data = SAMPLE[:200_000]
    layered = zstd.compress(brotli.compress(gzip.compress(data[:100]) + gzip.compress(data[100:])))
    decoder = BoundedDecoder(["gzip", "br", "zstd"], 10 * MIB)
    assert decoder.decode(layered) == data


@pytest.mark.parametrize("limit", [0, 1, 1000, MIB])
def test_the_limit_counts_decoded_bytes(limit: int) -> None:
    decoder = BoundedDecoder(["gzip", "gzip"], limit)
    bomb = gzip.compress(gzip.compress(b"\0" * (64 * MIB)))
    assert len(decoder.decode(bomb)) == limit
    assert decoder.decode(b"") == b""


def test_inner_layers_that_only_expand_stop_at_the_work_limit() -> None:
    empty = gzip.compress(b"")
    inner = gzip.compress(empty * (WORK_LIMIT_BYTES // len(empty) + 1000))
    decoder = BoundedDecoder(["gzip", "gzip"], MIB)
    with pytest.raises(DecodingLimit):
        decoder.decode(inner)


@pytest.mark.parametrize(
    ("header", "codings"),
    [
        ("gzip", ["gzip"]),
        ("gzip, gzip", ["gzip", "gzip"]),
        ("X-GZIP,identity, br", ["gzip", "br"]),
        ("identity", []),
    ],
)
def test_content_codings_are_read_in_the_order_applied(header: str, codings: list[str]) -> None:
    assert content_codings(httpx.Headers({"Content-Encoding": header})) == codings


@pytest.mark.parametrize("header", ["compress", "gzip, x-snappy", "exi"])
def test_a_coding_we_cannot_bound_is_refused(header: str) -> None:
    with pytest.raises(UnsupportedCoding):
        content_codings(httpx.Headers({"Content-Encoding": header}))


@pytest.mark.parametrize("coding", ["gzip", "gzip, gzip", "br", "zstd", "deflate, zstd"])
def test_the_cap_applies_to_the_decoded_body(http_server: RouteServer, coding: str) -> None:
    encoded = b"x" * (3 * MIB)
    for name in [c.strip() for c in coding.split(",")]:
        encoded = _encode(name, encoded)
    url = http_server.route("/coded", body=encoded, headers={"Content-Encoding": coding})
    observation = run_probe(http_check(url))
    assert observation.subjects["body"] == "x" * READ_CAP_BYTES
    assert "read cut there" in observation.detail


def test_accept_encoding_names_only_codings_we_decode(http_server: RouteServer) -> None:
    url = http_server.route("/echo")
    run_probe(http_check(url))
    sent = http_server.requests[-1][2]["Accept-Encoding"]
    assert [c.strip() for c in sent.split(",")] == ["gzip", "deflate", "br", "zstd"]
