"""The ``dns`` probe: resolve a name with dnspython's async resolver.

``records`` holds each record as text (``10 mail.example.com.`` for MX, ``0 5 5060 sip.…``
for SRV); TXT records are their strings joined and unquoted (``v=spf1 -all``), because that is
what an author compares against. ``addresses`` holds the IPs of an A/AAAA answer.

A name that exists without records of the asked type (NOERROR, empty answer) is not a
failure of the probe: ``records`` is ``[]``, so the default ``not records empty`` fails with
the observed value, and ``records empty`` can assert that a record is gone. NXDOMAIN, a
timeout and servers that refuse to answer are failures to reach the target.
"""

from __future__ import annotations

import socket
import time

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdata
import dns.rdatatype
import dns.resolver
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.txtbase import TXTBase

from ...errors import CheckDefinitionError, ProbeFailure
from ...model import ResolvedCheck
from ...resolve import parse_address
from ...resolve.hosts import DNS_PORT
from . import Observation, ProbeContext
from .network import distinct_addresses, resolve_checked

#: Records shown in the badge value before "+N more".
SHOWN_RECORDS = 3


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    rdtype = record_type(str(check.params.get("type", "A")), check)
    name = _query_name(check)
    resolver = await _resolver(check, context)
    resolver.lifetime = check.timeout
    started = time.perf_counter()
    try:
        answer = await resolver.resolve(name, rdtype, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN as exc:
        raise ProbeFailure(
            f"NXDOMAIN: name does not exist ({check.display_target})", value="NXDOMAIN"
        ) from exc
    except dns.exception.Timeout as exc:
        raise ProbeFailure(
            f"DNS timeout: no answer for {check.display_target} from "
            f"{_servers_text(resolver)} within {check.timeout:g}s",
            value="DNS timeout",
        ) from exc
    except dns.resolver.NoNameservers as exc:
        raise ProbeFailure(
            f"no DNS server could answer for {check.display_target}: "
            f"{_server_errors(exc, resolver)}",
            value="DNS server failure",
        ) from exc
    except dns.exception.DNSException as exc:
        raise ProbeFailure(
            f"DNS query for {check.display_target} failed: {exc}", value="DNS failure"
        ) from exc
    # The answering query's own round trip, as dnspython timed it around its socket (earlier
    # servers that failed are not the target's time); ours only if it has none.
    latency = answer.response.time or (time.perf_counter() - started)

    rdatas: list[dns.rdata.Rdata] = list(answer.rrset) if answer.rrset is not None else []
    records = [record_text(rdata) for rdata in rdatas]
    addresses = [str(rdata.address) for rdata in rdatas if isinstance(rdata, A | AAAA)]
    return Observation(
        subjects={"records": records, "addresses": addresses, "latency": latency},
        value=_summary(records, dns.rdatatype.to_text(rdtype)),
    )


def record_type(text: str, check: ResolvedCheck | None = None) -> dns.rdatatype.RdataType:
    """The record type an author wrote (``A``, ``aaaa``, ``MX``, ``TXT``, ``SRV``, ``CAA``…).

    Raises ``CheckDefinitionError`` for a name dnspython does not know or a query-only type.
    """
    try:
        rdtype = dns.rdatatype.from_text(text.strip())
    except dns.exception.DNSException:
        rdtype = None
    if rdtype is None or dns.rdatatype.is_metatype(rdtype):
        raise CheckDefinitionError(
            f"dns: unknown record type {text!r}; use one of A, AAAA, CNAME, MX, TXT, SRV, NS, "
            "PTR, CAA, SOA",
            file=check.spec.page if check else "",
            line=check.spec.line if check else 0,
        )
    return rdtype


def record_text(rdata: dns.rdata.Rdata) -> str:
    """A record as an author writes it; TXT strings are joined without quotes (RFC 7208 3.3)."""
    if isinstance(rdata, TXTBase):
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    return rdata.to_text()


def _query_name(check: ResolvedCheck) -> dns.name.Name:
    try:
        return dns.name.from_text(check.target.strip())
    except dns.exception.DNSException as exc:
        raise CheckDefinitionError(
            f"dns: {check.display_target!r} is not a valid DNS name ({exc})",
            file=check.spec.page,
            line=check.spec.line,
        ) from exc


async def _resolver(check: ResolvedCheck, context: ProbeContext) -> dns.asyncresolver.Resolver:
    server = check.params.get("server")
    if not server:
        try:
            return dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration as exc:
            raise ProbeFailure(
                "no system DNS resolver is configured (/etc/resolv.conf names no nameserver); "
                "set `server:` on the check",
                value="no resolver",
            ) from exc
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = await _nameservers(str(server), context)
    return resolver


async def _nameservers(server: str, context: ProbeContext) -> list[dns.nameserver.Nameserver]:
    """``HOST[:PORT]`` as nameservers: the addresses it resolves to, each accepted by the host
    policy (``network.resolve_checked``), so queries go only where checks may connect."""
    endpoint = parse_address(server, default_port=DNS_PORT, what="dns server")
    try:
        infos = await resolve_checked(
            endpoint.host, endpoint.port, context.host_policy, socket_type=socket.SOCK_DGRAM
        )
    except socket.gaierror as exc:
        raise ProbeFailure(
            f"cannot resolve the DNS server name {endpoint.host!r}: {exc.strerror}",
            value="DNS server unknown",
        ) from exc
    return [
        dns.nameserver.Do53Nameserver(address, endpoint.port)
        for address in distinct_addresses(infos)
    ]


def _servers_text(resolver: dns.asyncresolver.Resolver) -> str:
    return ", ".join(_server_text(server) for server in resolver.nameservers)


def _server_text(server: dns.nameserver.Nameserver | str) -> str:
    if isinstance(server, dns.nameserver.Do53Nameserver):
        address = server.answer_nameserver()
        port = server.answer_port()
        shown = f"[{address}]" if ":" in address else address
        return shown if port == DNS_PORT else f"{shown}:{port}"
    return str(server)


def _server_errors(exc: dns.resolver.NoNameservers, resolver: dns.asyncresolver.Resolver) -> str:
    """``127.0.0.1:5353 answered SERVFAIL`` for each server, from dnspython's error trace
    (which names servers as ``Do53:127.0.0.1@5353``)."""
    shown = {str(server): _server_text(server) for server in resolver.nameservers}
    errors = exc.kwargs.get("errors") or []
    texts = [f"{shown.get(str(error[0]), error[0])} answered {error[3]}" for error in errors]
    return "; ".join(texts) or "all servers failed"


def _summary(records: list[str], type_name: str) -> str:
    if not records:
        return f"no {type_name} records"
    shown = ", ".join(records[:SHOWN_RECORDS])
    more = len(records) - SHOWN_RECORDS
    return f"{shown} +{more} more" if more > 0 else shown
