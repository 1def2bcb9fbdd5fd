"""The metrics probe against a real Prometheus text endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from mkdocs_runbook.errors import ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import InvalidTarget
from mkdocs_runbook.run import READ_CAP_BYTES, MetricSample, Observation, ProbeContext
from mkdocs_runbook.run.probes.metrics import parse_samples, probe
from servers import RouteServer
from tls_servers import CertificateKind, TLSServer

# prometheus-client's own Summary exports no quantiles; real ones (Go, Java clients) do.
SUMMARY_WITH_QUANTILES = """\
# HELP rpc_duration_seconds RPC latency.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{service="auth",quantile="0.5"} 0.012
rpc_duration_seconds{service="auth",quantile="0.99"} 0.25
rpc_duration_seconds_sum{service="auth"} 17.5
rpc_duration_seconds_count{service="auth"} 1024
"""


def exposition() -> str:
    registry = CollectorRegistry()
    requests = Counter("http_requests", "Requests.", ["method", "code"], registry=registry)
    requests.labels("get", "200").inc(41)
    requests.labels("get", "500").inc(2)
    Gauge("queue_depth", "Jobs waiting.", ["queue"], registry=registry).labels("emails").set(7)
    latency = Histogram(
        "request_seconds", "Request latency.", buckets=(0.1, 0.5), registry=registry
    )
    latency.observe(0.05)
    latency.observe(0.3)
    return generate_latest(registry).decode() + SUMMARY_WITH_QUANTILES


def metrics_check(url: str, timeout: float = 5.0, **params: Any) -> ResolvedCheck:
    spec = CheckSpec(id="metrics", name="metrics", page="t.md", line=1)
    return ResolvedCheck(
        spec=spec, kind="metrics", target=url, display_target=url, params=params, timeout=timeout
    )


def run(check: ResolvedCheck) -> Observation:
    async def go() -> Observation:
        context = ProbeContext()
        try:
            return await probe(check, context)
        finally:
            await context.aclose()

    return asyncio.run(go())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_every_sample_is_exposed_under_its_sample_name(http_server: RouteServer) -> None:
    url = http_server.route("/metrics", body=exposition())

    observation = run(metrics_check(url))

    samples = observation.subjects["metrics"]
    assert MetricSample("http_requests_total", {"method": "get", "code": "500"}, 2.0) in samples
    assert MetricSample("http_requests_total", {"method": "get", "code": "200"}, 41.0) in samples
    assert MetricSample("queue_depth", {"queue": "emails"}, 7.0) in samples
    assert MetricSample("request_seconds_bucket", {"le": "0.1"}, 1.0) in samples
    assert MetricSample("request_seconds_bucket", {"le": "+Inf"}, 2.0) in samples
    assert MetricSample("request_seconds_count", {}, 2.0) in samples
    [histogram_sum] = [s.value for s in samples if s.name == "request_seconds_sum"]
    assert histogram_sum == pytest.approx(0.35)
    assert (
        MetricSample("rpc_duration_seconds", {"service": "auth", "quantile": "0.99"}, 0.25)
        in samples
    )
    assert MetricSample("rpc_duration_seconds_count", {"service": "auth"}, 1024.0) in samples
    assert observation.subjects["series"] == len(samples)
    assert observation.value == f"{len(samples)} series"
    assert observation.subjects["latency"] > 0
    assert observation.detail == ""


def test_sends_the_configured_headers_and_asks_for_text_format(
    http_server: RouteServer,
) -> None:
    url = http_server.route("/metrics", body="up 1\n")

    run(metrics_check(url, headers={"Authorization": "Bearer t0ken"}))

    _, _, headers, _ = http_server.requests[-1]
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Accept"].startswith("text/plain;version=0.0.4")


def test_an_empty_exposition_has_no_series(http_server: RouteServer) -> None:
    url = http_server.route("/metrics", body="")

    observation = run(metrics_check(url))

    assert observation.subjects["series"] == 0
    assert observation.subjects["metrics"] == []


def test_error_status_is_a_failure_naming_it(http_server: RouteServer) -> None:
    url = http_server.route("/metrics", status=503, body="maintenance")

    with pytest.raises(ProbeFailure) as failure:
        run(metrics_check(url))

    assert failure.value.message == f"metrics endpoint {url} answered 503"
    assert failure.value.value == "503"


def test_a_redirect_is_a_failure_that_says_where_to(http_server: RouteServer) -> None:
    url = http_server.route(
        "/metrics", status=301, headers={"Location": "http://127.0.0.1/metrics/"}
    )

    with pytest.raises(ProbeFailure) as failure:
        run(metrics_check(url))

    assert "answered 301" in failure.value.message
    assert "redirect to http://127.0.0.1/metrics/" in failure.value.message


def test_text_that_is_not_prometheus_format_names_the_line(http_server: RouteServer) -> None:
    url = http_server.route("/metrics", body='up 1\nqueue_depth{queue="a" 3\n')

    with pytest.raises(ProbeFailure) as failure:
        run(metrics_check(url))

    assert "did not send Prometheus text format" in failure.value.message
    assert "line 2: 'queue_depth{queue=\"a\" 3'" in failure.value.message
    assert failure.value.value == "invalid metrics"


def test_html_instead_of_metrics_is_a_failure(http_server: RouteServer) -> None:
    url = http_server.route("/metrics", body="<html><body>Login</body></html>\n")

    with pytest.raises(ProbeFailure, match="did not send Prometheus text format"):
        run(metrics_check(url))


def test_connection_refused_is_a_failure() -> None:
    url = f"http://127.0.0.1:{closed_port()}/metrics"

    with pytest.raises(ProbeFailure) as failure:
        run(metrics_check(url))

    # The same words as an http check: both fetch through the http probe's request code.
    assert failure.value.message == f"connection refused: nothing listens on that port ({url})"
    assert failure.value.value == "refused"


@pytest.mark.timeout(30)  # the endpoint holds its answer until the gate's 120 s
@pytest.mark.usefixtures("patient_library_timeouts")
def test_a_hung_endpoint_is_bounded_by_the_timeout(http_server: RouteServer) -> None:
    answer = threading.Event()
    url = http_server.route("/metrics", body="up 1\n", gate=answer)

    try:
        # Reaching the assertions at all proves the check's timeout cut the wait.
        with pytest.raises(ProbeFailure, match="did not answer within 1s") as failure:
            run(metrics_check(url, timeout=1))
    finally:
        answer.set()

    assert failure.value.value == "timed out after 1s"
    assert http_server.hits["/metrics"] == 1


def test_a_huge_exposition_is_cut_at_the_cap_and_the_rest_still_parses(
    http_server: RouteServer,
) -> None:
    line = 'filler_series{shard="%06d"} 1\n'
    lines = READ_CAP_BYTES // len(line % 0) * 2  # about twice the cap
    url = http_server.route("/metrics", body="".join(line % n for n in range(lines)))

    observation = run(metrics_check(url))

    series = observation.subjects["series"]
    assert 0 < series < lines
    assert series == READ_CAP_BYTES // len(line % 0)
    assert "cut at 1 MiB" in observation.detail


def test_an_untrusted_certificate_is_a_failure(
    tls_server: Callable[[CertificateKind], TLSServer],
) -> None:
    server = tls_server("self_signed")

    with pytest.raises(ProbeFailure) as failure:
        run(metrics_check(f"{server.url}/metrics"))

    assert "self-signed and not trusted" in failure.value.message
    assert failure.value.value == "self-signed certificate"


def test_verify_tls_false_accepts_any_certificate(
    tls_server: Callable[[CertificateKind], TLSServer],
) -> None:
    server = tls_server("self_signed")

    # The TLS test server has no /metrics: its 404 proves the handshake went through.
    with pytest.raises(ProbeFailure, match="answered 404"):
        run(metrics_check(f"{server.url}/metrics", verify_tls=False))


def test_an_invalid_url_is_an_invalid_target() -> None:
    with pytest.raises(InvalidTarget, match="expected http:// or https://"):
        run(metrics_check("127.0.0.1:9100/metrics"))


def test_parse_samples_keeps_labels_for_filtering() -> None:
    samples = parse_samples(SUMMARY_WITH_QUANTILES)

    assert [(s.name, s.labels.get("quantile")) for s in samples] == [
        ("rpc_duration_seconds", "0.5"),
        ("rpc_duration_seconds", "0.99"),
        ("rpc_duration_seconds_sum", None),
        ("rpc_duration_seconds_count", None),
    ]
    assert all(s.labels["service"] == "auth" for s in samples)
