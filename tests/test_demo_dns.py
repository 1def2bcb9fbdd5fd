"""The demo's DNS responder: real UDP queries on 127.0.0.1, with dnspython's resolver."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.resolver
import pytest

from mkdocs_runbook.demo import DemoService, add_arguments
from mkdocs_runbook.demo.cli import start_or_explain
from mkdocs_runbook.errors import ProbeFailure
from mkdocs_runbook.model import CheckSpec, ResolvedCheck
from mkdocs_runbook.run import Observation, ProbeContext
from mkdocs_runbook.run.probes.dns import probe

#: Every query in this file gives up after this long: a lost datagram fails, never hangs.
QUERY_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoService]:
    with DemoService() as service:
        yield service


def resolver_for(demo: DemoService) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = demo.dns_port
    resolver.lifetime = QUERY_TIMEOUT
    return resolver


def records(demo: DemoService, name: str, record_type: str) -> list[str]:
    answer = resolver_for(demo).resolve(name, record_type)
    return sorted(rdata.to_text() for rdata in answer)


def ask(demo: DemoService, name: str, record_type: str = "A") -> dns.message.Message:
    """One raw query, for what the resolver hides: rcodes and flags."""
    query = dns.message.make_query(name, record_type)
    return dns.query.udp(query, "127.0.0.1", port=demo.dns_port, timeout=QUERY_TIMEOUT)


def run_probe(demo: DemoService, name: str, record_type: str = "A") -> Observation:
    spec = CheckSpec(id="dns", name="dns", page="demo.md", line=1)
    check = ResolvedCheck(
        spec=spec,
        kind="dns",
        target=name,
        display_target=name,
        params={"type": record_type, "server": demo.dns_address},
        timeout=QUERY_TIMEOUT,
    )
    return asyncio.run(probe(check, ProbeContext()))


# -- the records ---------------------------------------------------------------------------


def test_api_has_an_ipv4_and_an_ipv6_address(demo: DemoService) -> None:
    assert records(demo, "api.demo.test", "A") == ["127.0.0.1"]
    assert records(demo, "api.demo.test", "AAAA") == ["::1"]


def test_db_has_an_address(demo: DemoService) -> None:
    assert records(demo, "db.demo.test", "A") == ["127.0.0.1"]


def test_www_is_an_alias_of_api_that_address_queries_follow(demo: DemoService) -> None:
    assert records(demo, "www.demo.test", "CNAME") == ["api.demo.test."]
    answer = resolver_for(demo).resolve("www.demo.test", "A")
    assert str(answer.canonical_name) == "api.demo.test."
    assert [rdata.to_text() for rdata in answer] == ["127.0.0.1"]


def test_the_apex_has_mail_spf_and_name_server_records(demo: DemoService) -> None:
    assert records(demo, "demo.test", "MX") == ["10 mail.demo.test."]
    assert records(demo, "demo.test", "TXT") == ['"v=spf1 -all"']
    assert records(demo, "demo.test", "NS") == ["ns.demo.test."]
    assert records(demo, "mail.demo.test", "A") == ["127.0.0.1"]


def test_srv_points_at_the_database_port_this_instance_got(demo: DemoService) -> None:
    assert records(demo, "_postgres._tcp.demo.test", "SRV") == [f"0 5 {demo.db_port} db.demo.test."]


def test_answers_are_authoritative_and_not_recursive(demo: DemoService) -> None:
    response = ask(demo, "api.demo.test")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert not response.flags & dns.flags.RA


# -- names that are not there --------------------------------------------------------------


def test_an_unknown_name_in_the_zone_is_nxdomain_with_the_zone_soa(demo: DemoService) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver_for(demo).resolve("nope.demo.test", "A")
    response = ask(demo, "nope.demo.test")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.name.to_text() for rrset in response.authority] == ["demo.test."]


def test_a_known_name_without_the_type_asked_is_an_empty_answer(demo: DemoService) -> None:
    with pytest.raises(dns.resolver.NoAnswer):
        resolver_for(demo).resolve("api.demo.test", "MX")
    # A name that only has names below it exists too (RFC 8020).
    empty_non_terminal = ask(demo, "_tcp.demo.test", "SRV")
    assert empty_non_terminal.rcode() == dns.rcode.NOERROR
    assert empty_non_terminal.answer == []


@pytest.mark.parametrize("name", ["example.com", "test", "demo.test.example.com", "localhost"])
def test_names_outside_the_zone_are_refused_not_forwarded(demo: DemoService, name: str) -> None:
    response = ask(demo, name)
    assert response.rcode() == dns.rcode.REFUSED
    assert response.answer == []
    assert not response.flags & dns.flags.AA


def test_other_opcodes_are_not_implemented(demo: DemoService) -> None:
    query = dns.message.make_query("api.demo.test", "A")
    query.set_opcode(dns.opcode.STATUS)
    response = dns.query.udp(query, "127.0.0.1", port=demo.dns_port, timeout=QUERY_TIMEOUT)
    assert response.rcode() == dns.rcode.NOTIMP


def test_garbage_is_dropped_and_the_next_query_answered(demo: DemoService) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(0.5)
        client.sendto(b"\x00\x01not dns at all", ("127.0.0.1", demo.dns_port))
        with pytest.raises(TimeoutError):
            client.recv(512)
    assert records(demo, "api.demo.test", "A") == ["127.0.0.1"]


# -- the database's names follow its health ------------------------------------------------


def test_breaking_the_database_withdraws_its_names_and_healing_restores_them() -> None:
    with DemoService() as demo:
        demo.break_component("db")
        assert ask(demo, "db.demo.test").rcode() == dns.rcode.NXDOMAIN
        assert ask(demo, "_postgres._tcp.demo.test", "SRV").rcode() == dns.rcode.NXDOMAIN
        assert ask(demo, "_tcp.demo.test", "SRV").rcode() == dns.rcode.NXDOMAIN
        assert records(demo, "api.demo.test", "A") == ["127.0.0.1"]

        demo.degrade_component("db")  # slow, but up: still resolvable
        assert records(demo, "db.demo.test", "A") == ["127.0.0.1"]
        demo.break_component("db")
        demo.heal_component("db")
        assert records(demo, "db.demo.test", "A") == ["127.0.0.1"]


def test_a_database_broken_at_start_has_no_name() -> None:
    with DemoService(broken=["db"]) as demo:
        assert ask(demo, "db.demo.test").rcode() == dns.rcode.NXDOMAIN


# -- the dns probe against it --------------------------------------------------------------


def test_the_dns_probe_resolves_the_demo_zone(demo: DemoService) -> None:
    addresses = run_probe(demo, "api.demo.test")
    assert addresses.subjects["addresses"] == ["127.0.0.1"]
    assert addresses.value == "127.0.0.1"

    assert run_probe(demo, "api.demo.test", "AAAA").subjects["addresses"] == ["::1"]
    assert run_probe(demo, "www.demo.test", "CNAME").subjects["records"] == ["api.demo.test."]
    assert run_probe(demo, "demo.test", "MX").subjects["records"] == ["10 mail.demo.test."]
    # TXT strings are joined and unquoted by the probe, as authors compare them.
    assert run_probe(demo, "demo.test", "TXT").subjects["records"] == ["v=spf1 -all"]
    srv = run_probe(demo, "_postgres._tcp.demo.test", "SRV")
    assert srv.subjects["records"] == [f"0 5 {demo.db_port} db.demo.test."]


def test_the_dns_probe_reports_an_unknown_name_and_a_refusal(demo: DemoService) -> None:
    with pytest.raises(ProbeFailure, match="NXDOMAIN"):
        run_probe(demo, "nope.demo.test")
    with pytest.raises(ProbeFailure, match="REFUSED"):
        run_probe(demo, "example.com")


# -- lifecycle -----------------------------------------------------------------------------


def test_stop_releases_the_dns_port_and_the_environment_names_it() -> None:
    demo = DemoService().start()
    try:
        assert demo.environment()["RUNBOOK_DEMO_DNS"] == f"127.0.0.1:{demo.dns_port}"
        assert demo.dns_address == f"127.0.0.1:{demo.dns_port}"
        assert records(demo, "api.demo.test", "A") == ["127.0.0.1"]
    finally:
        demo.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rebind:
        rebind.bind(("127.0.0.1", demo.dns_port))  # free again: nobody holds it


def udp_listeners(port: int) -> list[str]:
    """The IPv4 addresses UDP sockets on this machine are bound to at ``port`` (Linux)."""
    table = Path("/proc/net/udp").read_text(encoding="ascii").splitlines()[1:]
    local_addresses = (line.split()[1].split(":") for line in table)
    return [
        str(ipaddress.IPv4Address(int(address, 16).to_bytes(4, "little")))
        for address, hex_port in local_addresses
        if int(hex_port, 16) == port
    ]


@pytest.mark.skipif(not Path("/proc/net/udp").exists(), reason="reads Linux's socket table")
def test_the_dns_responder_listens_on_loopback_even_when_the_demo_does_not() -> None:
    with DemoService(host="0.0.0.0") as demo:
        assert udp_listeners(demo.dns_port) == ["127.0.0.1"]
        assert demo.environment()["RUNBOOK_DEMO_DNS"] == f"127.0.0.1:{demo.dns_port}"
        assert records(demo, "api.demo.test", "A") == ["127.0.0.1"]


def test_queries_are_logged_one_line_each_unless_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with DemoService(log_requests=True) as loud:
        ask(loud, "api.demo.test", "AAAA")
        ask(loud, "example.com")
    with DemoService(log_requests=False) as quiet:
        ask(quiet, "api.demo.test")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("demo-target dns 127.0.0.1 AAAA api.demo.test. NOERROR ")
    assert lines[1].startswith("demo-target dns 127.0.0.1 A example.com. REFUSED ")


def test_a_taken_dns_port_is_explained(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(["--port", "0", "--dns-port", str(port), "--quiet"])
        assert start_or_explain(args) is None
    assert "--dns-port" in capsys.readouterr().err
