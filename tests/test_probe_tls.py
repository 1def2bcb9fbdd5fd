"""The tls probe against real TLS servers on 127.0.0.1 with trustme certificates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from faults import RefusedPort, SilentServer
from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.errors import ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import InvalidTarget
from mkdocs_runbook.results import Status
from mkdocs_runbook.run import Observation, ProbeContext
from mkdocs_runbook.run.probes.tls import distinguished_name, probe
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer
from tls_servers import CertificateKind, TLSServer

StartTLSServer = Callable[[CertificateKind], TLSServer]
DAY = 86400.0


def tls_check(target: str, timeout: float = 5.0, **params: Any) -> ResolvedCheck:
    spec = CheckSpec(id="tls", name="tls", page="t.md", line=7)
    return ResolvedCheck(
        spec=spec, kind="tls", target=target, display_target=target, params=params, timeout=timeout
    )


def handshake(target: str, **params: Any) -> Observation:
    return asyncio.run(probe(tls_check(target, **params), ProbeContext()))


def failure_of(target: str, **params: Any) -> ProbeFailure:
    with pytest.raises(ProbeFailure) as failure:
        handshake(target, **params)
    return failure.value


def test_a_valid_certificate_is_measured(tls_server: StartTLSServer) -> None:
    server = tls_server("valid")

    observation = handshake(f"localhost:{server.port}")

    subjects = observation.subjects
    expected_left = server.not_after.timestamp() - time.time()
    assert expected_left - 60 < subjects["cert_expires_in"] <= expected_left + 1
    assert subjects["cert_subject"].startswith("OU=Testing cert #")
    assert subjects["cert_subject"].endswith(", O=trustme v1.2.1")
    assert subjects["cert_issuer"].startswith("OU=Testing CA #")
    assert subjects["tls_version"] == "TLSv1.3"
    assert subjects["latency"] > 0
    assert observation.value == "expires in 30 d"


def test_an_ip_address_target_is_verified_against_the_ip_in_the_certificate(
    tls_server: StartTLSServer,
) -> None:
    server = tls_server("valid")

    observation = handshake(f"127.0.0.1:{server.port}")

    assert observation.subjects["cert_expires_in"] > 29 * DAY


def test_server_name_sets_the_name_the_certificate_must_cover(
    tls_server: StartTLSServer,
) -> None:
    server = tls_server("wrong_host")

    observation = handshake(f"127.0.0.1:{server.port}", server_name="wrong-host.example")

    assert observation.subjects["cert_expires_in"] > 29 * DAY


def test_an_expired_certificate_fails_saying_when(tls_server: StartTLSServer) -> None:
    server = tls_server("expired")

    failure = failure_of(f"localhost:{server.port}")

    assert failure.value == "certificate expired"
    assert failure.message.startswith("certificate expired 1 d ago (on ")
    assert server.not_after.strftime("%Y-%m-%d") in failure.message
    assert failure.message.endswith(f"(localhost:{server.port})")


def test_a_self_signed_certificate_is_an_unknown_issuer(tls_server: StartTLSServer) -> None:
    server = tls_server("self_signed")

    failure = failure_of(f"localhost:{server.port}")

    assert failure.value == "unknown issuer"
    assert failure.message.startswith(
        "unknown issuer (self-signed or untrusted CA): self-signed certificate;"
    )


def test_a_certificate_from_an_untrusted_ca_is_an_unknown_issuer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with TLSServer("valid") as server:
        failure = failure_of(f"localhost:{server.port}")

    assert failure.value == "unknown issuer"
    assert "unknown issuer (self-signed or untrusted CA)" in failure.message


def test_a_certificate_for_another_host_names_the_hosts_it_covers(
    tls_server: StartTLSServer,
) -> None:
    server = tls_server("wrong_host")

    failure = failure_of(f"localhost:{server.port}")

    assert failure.value == "hostname mismatch"
    assert failure.message == (
        f"hostname mismatch: cert is for wrong-host.example, not localhost "
        f"(localhost:{server.port})"
    )


@pytest.mark.parametrize("kind", ["self_signed", "expired", "wrong_host"])
def test_verify_tls_false_reads_a_certificate_the_machine_does_not_trust(
    tls_server: StartTLSServer, kind: CertificateKind
) -> None:
    server = tls_server(kind)
    subjects = handshake(f"localhost:{server.port}", verify_tls=False).subjects

    expected_left = server.not_after.timestamp() - time.time()
    assert expected_left - 60 < subjects["cert_expires_in"] <= expected_left + 1
    assert subjects["tls_version"] == "TLSv1.3"
    if kind == "self_signed":
        assert subjects["cert_subject"] == subjects["cert_issuer"]
    else:  # spelt as a verified handshake spells them (test_a_valid_certificate_is_measured)
        assert subjects["cert_issuer"].startswith("OU=Testing CA #")
        assert subjects["cert_issuer"].endswith(", O=trustme v1.2.1")
        assert subjects["cert_subject"].startswith("OU=Testing cert #")


def test_an_unverified_certificate_reads_exactly_as_a_verified_one(
    tls_server: StartTLSServer,
) -> None:
    target = f"localhost:{tls_server('valid').port}"
    verified, unverified = handshake(target).subjects, handshake(target, verify_tls=False).subjects
    for subject in ("cert_subject", "cert_issuer", "tls_version"):
        assert unverified[subject] == verified[subject]
    assert abs(unverified["cert_expires_in"] - verified["cert_expires_in"]) < 60


def test_verify_tls_false_in_a_check_block_judges_the_expiry(
    tls_server: StartTLSServer, tmp_path: Path
) -> None:
    server = tls_server("expired")
    page = tmp_path / "certs.md"
    page.write_text(
        f"```check\nname: unverified\ntls: localhost:{server.port}\nverify_tls: false\n```\n\n"
        f"```check\nname: verified\ntls: localhost:{server.port}\n```\n",
        encoding="utf-8",
    )
    settings = RunbookSettings(base_dir=tmp_path)
    results = {r.id: r for r in run_checks(collect([page], settings), settings).checks}
    # Both fail, but the unverified one measured the certificate and says how long ago it ended.
    assert results["unverified"].status is Status.FAIL
    assert results["unverified"].message == "expected cert_expires_in > 0d, got -1 d"
    assert results["verified"].value == "certificate expired"


def test_connection_refused_is_a_failure() -> None:
    with RefusedPort() as refused:
        failure = failure_of(f"127.0.0.1:{refused.port}")

    assert failure.value == "refused"
    assert failure.message.startswith("connection refused")


def test_a_port_that_does_not_speak_tls_is_a_handshake_failure(
    http_server: RouteServer,
) -> None:
    failure = failure_of(f"127.0.0.1:{http_server.port}")

    assert failure.value == "TLS error"
    assert failure.message.startswith("TLS handshake failed: the port does not speak TLS")


@pytest.mark.timeout(30)
def test_a_silent_server_is_cut_off_by_the_runner_timeout() -> None:
    # The server never answers the handshake (until the test leaves the ``with``) and the
    # check's own timeout is far past the test's bound: reaching the end at all proves the
    # runner's bound cut the wait, and the server must see the connection closed.
    async def bounded() -> Observation:
        return await asyncio.wait_for(probe(tls_check(target, timeout=600), ProbeContext()), 1)

    with SilentServer() as silent:
        target = f"127.0.0.1:{silent.port}"
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(bounded())
        deadline = time.monotonic() + 3
        while silent.hangups < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert silent.connections == 1
        assert silent.hangups == 1, "the probe left the connection open"


@pytest.mark.parametrize("target", ["localhost", "localhost:https", "localhost:70000", ":443"])
def test_a_malformed_target_is_an_invalid_target(target: str) -> None:
    with pytest.raises(InvalidTarget) as error:
        handshake(target)

    assert str(error.value).startswith(f"invalid tls target {target!r}: expected HOST:PORT")


def test_distinguished_names_read_most_specific_first() -> None:
    issuer = (
        (("countryName", "US"),),
        (("organizationName", "Let's Encrypt"),),
        (("commonName", "R11"),),
    )
    multi_valued = ((("organizationName", "Acme"), ("organizationalUnitName", "Ops")),)

    assert distinguished_name(issuer) == "CN=R11, O=Let's Encrypt, C=US"
    assert distinguished_name(multi_valued) == "O=Acme+OU=Ops"
    assert distinguished_name(()) == ""
