"""The dns probe against the local authoritative responder of ``dns_server.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from dns_server import DNSServer
from mkdocs_runbook.errors import CheckDefinitionError, ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import InvalidTarget
from mkdocs_runbook.run import Observation, ProbeContext
from mkdocs_runbook.run.probes.dns import probe


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DNSServer]:
    with DNSServer() as server:
        yield server


def dns_check(name: str, timeout: float = 2.0, **params: Any) -> ResolvedCheck:
    spec = CheckSpec(id="dns", name="dns", page="t.md", line=3)
    return ResolvedCheck(
        spec=spec, kind="dns", target=name, display_target=name, params=params, timeout=timeout
    )


def resolve(
    server: DNSServer, name: str, record_type: str = "A", *, host: str = "127.0.0.1"
) -> Observation:
    check = dns_check(name, type=record_type, server=f"{host}:{server.port}")
    return asyncio.run(probe(check, ProbeContext()))


def test_a_records_are_records_and_addresses(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "www.example.test")

    assert sorted(observation.subjects["records"]) == ["192.0.2.10", "192.0.2.11"]
    assert sorted(observation.subjects["addresses"]) == ["192.0.2.10", "192.0.2.11"]
    assert observation.subjects["latency"] > 0
    assert "192.0.2.10" in observation.value
    assert dns_server.queries[("www.example.test.", "A")] >= 1


def test_type_defaults_to_a(dns_server: DNSServer) -> None:
    check = dns_check("v4only.example.test", server=f"127.0.0.1:{dns_server.port}")

    observation = asyncio.run(probe(check, ProbeContext()))

    assert observation.subjects["addresses"] == ["192.0.2.20"]


def test_aaaa_records(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "www.example.test", "AAAA")

    assert observation.subjects["records"] == ["2001:db8::10"]
    assert observation.subjects["addresses"] == ["2001:db8::10"]


def test_cname_record_is_the_alias_target(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "alias.example.test", "CNAME")

    assert observation.subjects["records"] == ["www.example.test."]
    assert observation.subjects["addresses"] == []


def test_an_address_query_follows_the_cname(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "alias.example.test")

    assert sorted(observation.subjects["addresses"]) == ["192.0.2.10", "192.0.2.11"]


def test_mx_records_carry_their_preference(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "example.test", "mx")

    assert sorted(observation.subjects["records"]) == [
        "10 mail.example.test.",
        "20 backup-mail.example.test.",
    ]
    assert observation.subjects["addresses"] == []


def test_txt_records_are_unquoted_and_joined(dns_server: DNSServer) -> None:
    spf = resolve(dns_server, "example.test", "TXT")
    dkim = resolve(dns_server, "dkim.example.test", "TXT")

    assert spf.subjects["records"] == ["v=spf1 -all"]
    assert dkim.subjects["records"] == ["v=DKIM1; k=rsa; p=MIIBIjANBgkqh"]


def test_srv_records(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "_sip._tcp.example.test", "SRV")

    assert observation.subjects["records"] == ["10 5 5060 sip.example.test."]


def test_a_name_without_records_of_the_type_has_none(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "v4only.example.test", "AAAA")

    assert observation.subjects["records"] == []
    assert observation.subjects["addresses"] == []
    assert observation.value == "no AAAA records"


def test_nxdomain_is_a_failure(dns_server: DNSServer) -> None:
    with pytest.raises(ProbeFailure) as failure:
        resolve(dns_server, "missing.example.test")

    assert failure.value.message == "NXDOMAIN: name does not exist (missing.example.test)"
    assert failure.value.value == "NXDOMAIN"


def test_servfail_is_a_failure_naming_the_server(dns_server: DNSServer) -> None:
    with pytest.raises(ProbeFailure) as failure:
        resolve(dns_server, "broken.example.test")

    assert failure.value.message == (
        "no DNS server could answer for broken.example.test: "
        f"127.0.0.1:{dns_server.port} answered SERVFAIL"
    )


# ``hang.example.test`` is never answered, and dnspython's own lifetime is made far longer
# than the tests' bounds (``patient_library_timeouts``): reaching the assertions at all proves
# the check's timeout, or the runner's cancellation, ended the wait.


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("patient_library_timeouts")
def test_a_server_that_never_answers_is_a_bounded_timeout(dns_server: DNSServer) -> None:
    check = dns_check("hang.example.test", timeout=1, server=f"127.0.0.1:{dns_server.port}")
    asked_before = dns_server.queries[("hang.example.test.", "A")]

    with pytest.raises(ProbeFailure) as failure:
        asyncio.run(probe(check, ProbeContext()))

    assert failure.value.value == "DNS timeout"
    assert failure.value.message.startswith("DNS timeout: no answer for hang.example.test")
    assert f"127.0.0.1:{dns_server.port} within 1s" in failure.value.message
    assert dns_server.queries[("hang.example.test.", "A")] > asked_before


@pytest.mark.timeout(30)
def test_the_runner_can_cancel_a_pending_query(dns_server: DNSServer) -> None:
    # The check's own timeout is far past the test's bound: only the cancellation ends it.
    check = dns_check("hang.example.test", timeout=600, server=f"127.0.0.1:{dns_server.port}")
    asked_before = dns_server.queries[("hang.example.test.", "A")]

    async def bounded() -> Observation:
        return await asyncio.wait_for(probe(check, ProbeContext()), 0.5)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(bounded())
    assert dns_server.queries[("hang.example.test.", "A")] > asked_before


def test_the_server_may_be_named(dns_server: DNSServer) -> None:
    observation = resolve(dns_server, "www.example.test", host="localhost")

    assert sorted(observation.subjects["addresses"]) == ["192.0.2.10", "192.0.2.11"]


@pytest.mark.parametrize("record_type", ["MXX", "ANY", ""])
def test_an_unknown_record_type_is_a_definition_error(
    dns_server: DNSServer, record_type: str
) -> None:
    with pytest.raises(CheckDefinitionError) as error:
        resolve(dns_server, "www.example.test", record_type)

    assert "unknown record type" in error.value.message
    assert str(error.value).startswith("t.md:3: ")


@pytest.mark.parametrize("server", ["127.0.0.1:dns", ":53", "[::1"])
def test_a_malformed_server_is_an_invalid_target(server: str) -> None:
    check = dns_check("www.example.test", server=server)

    with pytest.raises(InvalidTarget, match=r"invalid dns server .*: expected HOST\[:PORT\]"):
        asyncio.run(probe(check, ProbeContext()))


def test_an_invalid_name_is_a_definition_error(dns_server: DNSServer) -> None:
    with pytest.raises(CheckDefinitionError, match="is not a valid DNS name"):
        resolve(dns_server, "www..example.test")
