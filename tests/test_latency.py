"""Latency is the target's time as the transport saw it (SPEC 8), and one number everywhere.

No clock is asserted on: known event timestamps give an exact latency, and a real request's
latency is the one its recorded events give."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.model import CheckSpec, Kind, ResolvedCheck
from mkdocs_runbook.results import Status
from mkdocs_runbook.run import ProbeContext
from mkdocs_runbook.run.probes import http as http_probe
from mkdocs_runbook.run.probes import metrics as metrics_probe
from mkdocs_runbook.run.probes.timing import TraceRecorder, latency_from_events
from mkdocs_runbook.settings import RunbookSettings
from mkdocs_runbook.units import format_duration
from servers import RouteServer

#: What httpcore reports for one HTTP/1.1 request on a new connection, with made-up times.
ONE_REQUEST = [
    ("connection.connect_tcp.started", 10.000),
    ("connection.connect_tcp.complete", 10.004),
    ("http11.send_request_headers.started", 10.005),
    ("http11.send_request_headers.complete", 10.006),
    ("http11.send_request_body.started", 10.006),
    ("http11.send_request_body.complete", 10.007),
    ("http11.receive_response_headers.started", 10.007),
    ("http11.receive_response_headers.complete", 10.048),
    ("http11.receive_response_body.started", 10.050),
    ("http11.receive_response_body.complete", 10.900),
    ("http11.response_closed.started", 10.901),
    ("http11.response_closed.complete", 10.901),
]


def test_latency_runs_from_request_sent_to_response_headers() -> None:
    # Not the connect (4 ms) and not the body (850 ms): the target's answer took 42 ms.
    assert latency_from_events(ONE_REQUEST) == pytest.approx(0.042, abs=1e-9)


def test_latency_of_a_followed_redirect_is_the_sum_of_its_round_trips() -> None:
    second_hop = [(name, moment + 1.0) for name, moment in ONE_REQUEST]
    second_hop[7] = ("http11.receive_response_headers.complete", 11.016)  # 10 ms this time
    assert latency_from_events(ONE_REQUEST + second_hop) == pytest.approx(0.052, abs=1e-9)


def test_http2_events_count_alike() -> None:
    events = [
        ("http2.send_request_headers.complete", 1.0),
        ("http2.receive_response_headers.complete", 1.25),
    ]
    assert latency_from_events(events) == 0.25


def test_no_round_trip_no_latency() -> None:
    assert latency_from_events([]) is None
    assert latency_from_events(ONE_REQUEST[:4]) is None, "sent, never answered"
    recorder = TraceRecorder()
    recorder.events = ONE_REQUEST[:4]
    assert recorder.latency(fallback=0.5) == 0.5


def _resolved(kind: Kind, target: str) -> ResolvedCheck:
    spec = CheckSpec(id="x", name="x", page="p.md", line=1, kind=kind, target=target)
    return ResolvedCheck(spec, kind, target, display_target=target, params={}, timeout=5)


@pytest.fixture
def recorders(monkeypatch: pytest.MonkeyPatch) -> list[TraceRecorder]:
    """Every ``TraceRecorder`` the probes make, kept for the test to read."""
    made: list[TraceRecorder] = []

    class Kept(TraceRecorder):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(http_probe, "TraceRecorder", Kept)
    monkeypatch.setattr(metrics_probe, "TraceRecorder", Kept)
    return made


@pytest.mark.parametrize("kind", ["http", "metrics"])
def test_a_probe_reports_the_latency_of_its_traced_round_trips(
    http_server: RouteServer, recorders: list[TraceRecorder], kind: Kind
) -> None:
    http_server.route("/metrics", body="up 1\n", headers={"Content-Type": "text/plain"})
    http_server.route("/moved", status=302, headers={"Location": "/metrics"})
    target = f"{http_server.url}/moved" if kind == "http" else f"{http_server.url}/metrics"
    check = _resolved(kind, target)
    check.params["follow_redirects"] = True

    async def observe() -> object:
        context = ProbeContext()
        try:
            probe = http_probe.probe if kind == "http" else metrics_probe.probe
            return await probe(check, context)
        finally:
            await context.aclose()

    observation = asyncio.run(observe())
    (recorder,) = recorders
    sent = [name for name, _ in recorder.events if name.endswith("send_request_headers.complete")]
    assert len(sent) == (2 if kind == "http" else 1), "every hop of a redirect is traced"
    latency = observation.subjects["latency"]  # type: ignore[attr-defined]
    assert latency == latency_from_events(recorder.events)
    if kind == "http":
        assert observation.value == format_duration(latency)  # type: ignore[attr-defined]


def test_the_badge_the_report_and_the_assertion_show_one_number(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body="ok")
    page = tmp_path / "ops.md"
    page.write_text(
        f"```check\nname: fast\nhttp: {http_server.url}/healthz\nexpect: [latency < 30s]\n```\n",
        encoding="utf-8",
    )
    settings = RunbookSettings(base_dir=tmp_path)
    (result,) = run_checks(collect([page], settings), settings).checks
    assert result.status is Status.PASS
    (latency,) = [a for a in result.assertions if a.text == "latency < 30s"]
    assert result.value.endswith(" ms") and latency.actual == result.value
    assert result.to_dict()["value"] == result.value
