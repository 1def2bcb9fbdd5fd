"""The demo service (SPEC section 9): real servers on 127.0.0.1, real TLS, real subprocesses."""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import dns.message
import dns.query
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mkdocs_runbook import __version__
from mkdocs_runbook.demo import DemoService, UnknownComponentError, add_arguments
from mkdocs_runbook.demo.cli import start_or_explain
from mkdocs_runbook.demo.state import ComponentHealth, Health, QueueSimulation

TOKEN_HEADER = {"Authorization": "Bearer demo-token"}
#: Every wait on a subprocess or socket in this file is bounded by this.
WAIT_SECONDS = 20.0


@pytest.fixture
def demo() -> Iterator[DemoService]:
    with DemoService() as service:
        yield service


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0, trust_env=False) as http:
        yield http


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``{(sample name, sorted labels): value}`` from Prometheus text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5.0)


def read_db_line(connection: socket.socket) -> bytes:
    buffer = b""
    while not buffer.endswith(b"\r\n"):
        chunk = connection.recv(1024)
        if not chunk:
            break
        buffer += chunk
    return buffer


# -- the HTTP API --------------------------------------------------------------------------


def test_healthz_answers_ok_with_realistic_headers(demo: DemoService, client: httpx.Client) -> None:
    first = client.get(f"{demo.url}/healthz")
    second = client.get(f"{demo.url}/healthz")
    assert first.status_code == 200
    assert first.json() == {"status": "ok"}
    assert first.headers["content-type"] == "application/json"
    assert first.headers["server"] == f"demo-target/{__version__}"
    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_callers_request_id_is_kept(demo: DemoService, client: httpx.Client) -> None:
    response = client.get(f"{demo.url}/readyz", headers={"X-Request-Id": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"


def test_readyz_is_ready_with_every_dependency_up(demo: DemoService, client: httpx.Client) -> None:
    response = client.get(f"{demo.url}/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"db": "up", "cache": "up", "queue": "up"},
    }


def test_api_health_reports_search_degraded_by_default(
    demo: DemoService, client: httpx.Client
) -> None:
    response = client.get(f"{demo.url}/api/health")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["version"] == __version__
    assert body["uptime_seconds"] >= 0
    assert datetime.fromisoformat(body["started_at"].replace("Z", "+00:00")).tzinfo
    assert body["components"]["search"] == {"status": "degraded", "latency_ms": 850}
    for name in ("db", "cache", "queue"):
        assert body["components"][name]["status"] == "ok"
        assert isinstance(body["components"][name]["latency_ms"], int)


def test_healing_search_makes_the_whole_api_healthy(
    demo: DemoService, client: httpx.Client
) -> None:
    healed = client.post(f"{demo.url}/admin/heal/search")
    assert healed.json() == {"component": "search", "status": "ok"}
    body = client.get(f"{demo.url}/api/health").json()
    assert body["status"] == "ok"
    assert body["components"]["search"]["status"] == "ok"


def test_queues_need_the_bearer_token(demo: DemoService, client: httpx.Client) -> None:
    anonymous = client.get(f"{demo.url}/api/ops/queues")
    wrong = client.get(f"{demo.url}/api/ops/queues", headers={"Authorization": "Bearer nope"})
    allowed = client.get(f"{demo.url}/api/ops/queues", headers=TOKEN_HEADER)

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert "DEMO_API_TOKEN" in anonymous.json()["message"]
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    body = allowed.json()
    assert set(body["queues"]) == {"emails", "webhooks", "billing"}
    for stats in body["queues"].values():
        assert 0 <= stats["depth"] < 100
        assert stats["dead_letter"] == 0
    assert body["dead_letter_total"] == 0
    workers = body["workers"]
    assert workers["total"] == workers["busy"] + workers["idle"] == 8
    assert body["scheduler"]["state"] == "running"


def test_a_token_given_to_the_service_replaces_the_default(client: httpx.Client) -> None:
    with DemoService(token="s3cret") as demo:
        default = client.get(f"{demo.url}/api/ops/queues", headers=TOKEN_HEADER)
        own = client.get(f"{demo.url}/api/ops/queues", headers={"Authorization": "Bearer s3cret"})
    assert default.status_code == 401
    assert own.status_code == 200


def test_unknown_paths_methods_and_components_get_json_errors(
    demo: DemoService, client: httpx.Client
) -> None:
    missing = client.get(f"{demo.url}/nope")
    wrong_method = client.post(f"{demo.url}/healthz")
    admin_by_get = client.get(f"{demo.url}/admin/break/db")
    unknown = client.post(f"{demo.url}/admin/break/dns")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD"
    assert admin_by_get.status_code == 405
    assert admin_by_get.headers["allow"] == "POST"
    assert unknown.status_code == 404
    assert "db, cache, queue, search" in unknown.json()["message"]
    assert client.get(f"{demo.url}/readyz").json()["status"] == "ready"


def test_head_answers_headers_without_a_body(demo: DemoService, client: httpx.Client) -> None:
    response = client.head(f"{demo.url}/api/health")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


# -- metrics -------------------------------------------------------------------------------


def test_metrics_parse_and_hold_counters_gauges_and_a_histogram(
    demo: DemoService, client: httpx.Client
) -> None:
    client.get(f"{demo.url}/healthz")
    response = client.get(f"{demo.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}

    assert families["http_requests"].type == "counter"
    assert families["http_request_duration_seconds"].type == "histogram"
    for gauge in ("queue_depth", "workers_busy", "db_connections_in_use", "demo_uptime_seconds"):
        assert families[gauge].type == "gauge"
    assert {s.labels["queue"] for s in families["queue_depth"].samples} == {
        "emails",
        "webhooks",
        "billing",
    }
    assert "process_resident_memory_bytes" in families
    values = metric_values(response.text)
    healthz = (("code", "200"), ("method", "GET"), ("path", "/healthz"))
    assert values[("http_requests_total", healthz)] == 1
    assert values[("http_request_duration_seconds_count", (("path", "/healthz"),))] == 1
    assert values[("db_connections_in_use", ())] > 0


def test_request_counter_moves_between_scrapes(demo: DemoService, client: httpx.Client) -> None:
    scrape_series = (("code", "200"), ("method", "GET"), ("path", "/metrics"))
    client.get(f"{demo.url}/metrics")
    first = metric_values(client.get(f"{demo.url}/metrics").text)
    second = metric_values(client.get(f"{demo.url}/metrics").text)
    assert first[("http_requests_total", scrape_series)] == 1
    assert second[("http_requests_total", scrape_series)] == 2


# -- breaking and healing ------------------------------------------------------------------


def test_breaking_the_database_shows_everywhere_and_healing_restores(
    demo: DemoService, client: httpx.Client
) -> None:
    broken = client.post(f"{demo.url}/admin/break/db")
    assert broken.json() == {"component": "db", "status": "down"}

    ready = client.get(f"{demo.url}/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "not ready",
        "checks": {"db": "down", "cache": "up", "queue": "up"},
    }
    health = client.get(f"{demo.url}/api/health")
    assert health.status_code == 503
    assert health.json()["components"]["db"]["status"] == "down"
    values = metric_values(client.get(f"{demo.url}/metrics").text)
    assert values[("db_connections_in_use", ())] == 0
    assert values[("component_up", (("component", "db"),))] == 0
    with pytest.raises(ConnectionRefusedError):
        connect(demo.db_port)

    client.post(f"{demo.url}/admin/heal/db")

    assert client.get(f"{demo.url}/readyz").status_code == 200
    with connect(demo.db_port) as connection:
        assert read_db_line(connection).startswith(b"demo-db")


def test_database_port_greets_and_answers_select_1(demo: DemoService) -> None:
    with connect(demo.db_port) as connection:
        banner = read_db_line(connection)
        connection.sendall(b"SELECT 1;\r\n")
        answer = read_db_line(connection)
        connection.sendall(b"quit\r\n")
        goodbye = read_db_line(connection)
        assert connection.recv(1) == b""
    assert banner == b"demo-db 16.2 (PostgreSQL stand-in) ready for connections\r\n"
    assert answer == b"1\r\n"
    assert goodbye == b"bye\r\n"


def test_breaking_the_database_drops_open_sessions(demo: DemoService) -> None:
    with connect(demo.db_port) as connection:
        read_db_line(connection)
        demo.break_component("db")
        try:
            leftover = connection.recv(1024)
        except ConnectionResetError:
            leftover = b""
    assert leftover == b""


def test_a_broken_cache_degrades_readiness_without_failing_it(
    demo: DemoService, client: httpx.Client
) -> None:
    demo.break_component("cache")
    ready = client.get(f"{demo.url}/readyz")
    values = metric_values(client.get(f"{demo.url}/metrics").text)
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "checks": {"db": "up", "cache": "down", "queue": "up"},
    }
    assert values[("cache_hit_ratio", ())] == 0


def test_a_degraded_dependency_is_up_but_makes_readiness_degraded(
    demo: DemoService, client: httpx.Client
) -> None:
    client.post(f"{demo.url}/admin/degrade/queue")
    ready = client.get(f"{demo.url}/readyz").json()
    health = client.get(f"{demo.url}/api/health").json()
    assert ready == {"status": "degraded", "checks": {"db": "up", "cache": "up", "queue": "up"}}
    assert health["components"]["queue"]["status"] == "degraded"


def test_components_broken_at_start(client: httpx.Client) -> None:
    with DemoService(broken=["db", "queue"]) as demo:
        ready = client.get(f"{demo.url}/readyz")
        queues = client.get(f"{demo.url}/api/ops/queues", headers=TOKEN_HEADER).json()
        with pytest.raises(ConnectionRefusedError):
            connect(demo.db_port)
        demo.heal_component("db")
        with connect(demo.db_port) as connection:
            assert read_db_line(connection).startswith(b"demo-db")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"db": "down", "cache": "up", "queue": "down"}
    assert all(stats["depth"] > 100 for stats in queues["queues"].values())
    assert queues["workers"] == {"total": 8, "busy": 8, "idle": 0}
    assert queues["scheduler"]["state"] == "paused"


def test_an_unknown_component_is_refused_before_anything_binds() -> None:
    with pytest.raises(UnknownComponentError, match="db, cache, queue, search"):
        DemoService(broken=["dns"])


def test_a_stalled_queue_grows_and_a_healed_one_drains() -> None:
    now = [1000.0]
    health = ComponentHealth()
    simulation = QueueSimulation(health, random.Random(7), clock=lambda: now[0])

    health.set("queue", Health.DOWN)
    now[0] += 10
    stalled = simulation.snapshot()
    health.set("queue", Health.OK)
    just_healed = simulation.snapshot()
    now[0] += 10
    drained = simulation.snapshot()

    assert all(depth > 1000 for depth in stalled.depth.values())
    assert sum(stalled.dead_letter.values()) > 0
    assert not stalled.scheduler_running
    assert just_healed.depth == stalled.depth  # no time passed: nothing drained yet
    assert just_healed.dead_letter == dict.fromkeys(stalled.dead_letter, 0)
    assert drained.scheduler_running
    assert all(depth <= 3 for depth in drained.depth.values())
    assert sum(drained.processed.values()) >= sum(stalled.depth.values())


# -- TLS -----------------------------------------------------------------------------------


def test_tls_port_serves_a_localhost_certificate_the_demo_ca_verifies(
    demo: DemoService,
) -> None:
    context = ssl.create_default_context(cafile=str(demo.ca_file))
    with (
        connect(demo.tls_port) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        certificate = tls.getpeercert()
    assert certificate is not None
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(certificate["notAfter"])))
    assert timedelta(days=89) < expires - datetime.now() <= timedelta(days=90)

    with httpx.Client(verify=context, trust_env=False, timeout=5.0) as https:
        response = https.get(f"{demo.tls_url}/healthz")
    assert demo.tls_url.startswith("https://localhost:")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert demo.ca_file.read_bytes() in demo.trust_bundle_file.read_bytes()


def test_tls_port_is_refused_by_a_client_that_does_not_trust_the_demo_ca(
    demo: DemoService,
) -> None:
    context = ssl.create_default_context()
    with connect(demo.tls_port) as raw, pytest.raises(ssl.SSLCertVerificationError):
        context.wrap_socket(raw, server_hostname="localhost")


def test_a_client_stalling_its_handshake_does_not_block_others(demo: DemoService) -> None:
    context = ssl.create_default_context(cafile=str(demo.ca_file))
    with (
        connect(demo.tls_port),
        httpx.Client(verify=context, trust_env=False, timeout=3.0) as https,
    ):
        assert https.get(f"{demo.tls_url}/healthz").status_code == 200


def test_stop_removes_the_temporary_certificate_directory() -> None:
    with DemoService() as demo:
        ca_file = demo.ca_file
        assert ca_file.is_file()
    assert not ca_file.parent.exists()


# -- the request log -----------------------------------------------------------------------


def test_requests_are_logged_one_line_each_unless_quiet(
    client: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    with DemoService(log_requests=True) as loud:
        client.get(f"{loud.url}/healthz", headers={"X-Request-Id": "abc"})
    with DemoService(log_requests=False) as quiet:
        client.get(f"{quiet.url}/healthz")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"demo-target http 127\.0\.0\.1 GET /healthz 200 [\d.]+ms id=abc", lines[0])


# -- the command line ----------------------------------------------------------------------


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def free_port_run(length: int) -> int:
    """A port P with P .. P+length-1 all free right now, for TCP and UDP alike."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first: int = probe.getsockname()[1]
        if first + length > 65535:
            continue
        sockets = []
        try:
            for port in range(first, first + length):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    sockets.append(socket.socket(socket.AF_INET, kind))
                    sockets[-1].bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for held in sockets:
                held.close()
    raise AssertionError("no run of free ports found")


def test_database_tls_and_dns_ports_follow_the_http_port() -> None:
    port = free_port_run(4)
    demo = start_or_explain(parse_args("--port", str(port), "--quiet"))
    assert demo is not None
    try:
        ports = (demo.port, demo.db_port, demo.tls_port, demo.dns_port)
        assert ports == (port, port + 1, port + 2, port + 3)
    finally:
        demo.stop()


def test_an_explicit_dns_port_is_used() -> None:
    dns_port = free_port_run(1)
    demo = start_or_explain(parse_args("--port", "0", "--dns-port", str(dns_port), "--quiet"))
    assert demo is not None
    try:
        assert demo.dns_port == dns_port
        assert demo.environment()["RUNBOOK_DEMO_DNS"] == f"127.0.0.1:{dns_port}"
    finally:
        demo.stop()


def test_the_command_line_explains_what_it_cannot_do(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args("--break", "dns")
    assert start_or_explain(parse_args("--port", "65535")) is None
    assert "--db-port" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert start_or_explain(parse_args("--port", str(taken.getsockname()[1]))) is None
    assert "--port 0" in capsys.readouterr().err


def start_serve_site(cwd: Path, site_port: int, *options: str) -> subprocess.Popen[str]:
    """``make demo``'s command on free demo ports, the site served on ``site_port``; its
    stdout (the banner) is a pipe."""
    command = [sys.executable, "-m", "mkdocs_runbook.demo.serve_site", "--port", "0"]
    command += ["--quiet", "--addr", f"127.0.0.1:{site_port}", *options]
    return subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def read_lines(stream: IO[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str], pattern: str) -> re.Match[str]:
    deadline = time.monotonic() + WAIT_SECONDS
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r} in {seen!r}")


def test_module_runs_prints_its_url_and_stops_cleanly_on_sigterm(client: httpx.Client) -> None:
    env = {**os.environ, "DEMO_API_TOKEN": "from-env"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs_runbook.demo", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = read_lines(process.stdout)
        url = wait_for_line(lines, r"http\s+(http://127\.0\.0\.1:\d+)")[1]
        dns_port = int(wait_for_line(lines, r"dns\s+127\.0\.0\.1:(\d+) \(zone demo\.test\.\)")[1])
        ca_file = Path(wait_for_line(lines, r"ca\s+(\S+)")[1])
        assert client.get(f"{url}/healthz").json() == {"status": "ok"}
        query = dns.message.make_query("api.demo.test", "A")
        answer = dns.query.udp(query, "127.0.0.1", port=dns_port, timeout=WAIT_SECONDS)
        assert [rrset.to_text() for rrset in answer.answer] == ["api.demo.test. 60 IN A 127.0.0.1"]
        queues = client.get(f"{url}/api/ops/queues", headers={"Authorization": "Bearer from-env"})
        assert queues.status_code == 200
        assert ca_file.is_file()

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_SECONDS) == 0
    finally:
        process.kill()
        process.wait(timeout=WAIT_SECONDS)
    assert process.stderr is not None
    assert process.stderr.read() == ""
    assert not ca_file.exists()
    with pytest.raises(httpx.ConnectError):
        client.get(f"{url}/healthz")


# -- serve_site ----------------------------------------------------------------------------


def test_serve_site_needs_a_mkdocs_yml(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs_runbook.demo.serve_site", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 2
    assert "mkdocs.yml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_serve_site_runs_mkdocs_serve_against_the_demo(
    tmp_path: Path, client: httpx.Client
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Runbooks\n")
    # The page's title, description and author show the environment the child was given.
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: !ENV [RUNBOOK_DEMO_URL, unset]\n"
        "site_description: !ENV [RUNBOOK_DEMO_CA, unset]\n"
        "site_author: !ENV [SSL_CERT_FILE, unset]\n"
    )
    site_port = free_port_run(1)
    process = start_serve_site(tmp_path, site_port)
    try:
        assert process.stdout is not None
        lines = read_lines(process.stdout)
        demo_url = wait_for_line(lines, r"http\s+(http://127\.0\.0\.1:\d+)")[1]
        ca_file = wait_for_line(lines, r"ca\s+(\S+)")[1]
        trust_bundle = wait_for_line(lines, r"SSL_CERT_FILE=(\S+)")[1]
        page = ""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                page = client.get(f"http://127.0.0.1:{site_port}/").text
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert f"<title>{demo_url}</title>" in page
        assert f'content="{ca_file}"' in page
        assert f'content="{trust_bundle}"' in page
        assert client.get(f"{demo_url}/healthz").status_code == 200

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT_SECONDS) == 0
    finally:
        process.kill()
        process.wait(timeout=WAIT_SECONDS)
    with pytest.raises(httpx.ConnectError):
        client.get(f"{demo_url}/healthz")
    with pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{site_port}/")


def test_environment_points_clients_at_this_instance(demo: DemoService) -> None:
    environment = demo.environment()
    assert environment["RUNBOOK_DEMO_URL"] == demo.url
    assert environment["RUNBOOK_DEMO_DB"] == f"127.0.0.1:{demo.db_port}"
    assert environment["RUNBOOK_DEMO_TLS"] == f"localhost:{demo.tls_port}"
    assert environment["RUNBOOK_DEMO_DNS"] == f"127.0.0.1:{demo.dns_port}"
    assert environment["RUNBOOK_DEMO_CA"] == str(demo.ca_file)
    assert environment["SSL_CERT_FILE"] == str(demo.trust_bundle_file)
    assert environment["DEMO_API_TOKEN"] == "demo-token"


def test_stop_closes_kept_alive_connections_too(client: httpx.Client) -> None:
    demo = DemoService().start()
    context = ssl.create_default_context(cafile=str(demo.ca_file))
    with httpx.Client(verify=context, trust_env=False, timeout=5.0) as https:
        try:
            assert client.get(f"{demo.url}/healthz").status_code == 200
            assert https.get(f"{demo.tls_url}/healthz").status_code == 200
        finally:
            demo.stop()
        with pytest.raises(httpx.TransportError):
            client.get(f"{demo.url}/healthz")
        with pytest.raises(httpx.TransportError):
            https.get(f"{demo.tls_url}/healthz")
