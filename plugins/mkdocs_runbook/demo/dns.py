"""The demo's DNS: an authoritative responder for the zone ``demo.test.``, over UDP.

The zone names the stack's parts as an internal zone would: ``api`` (A and AAAA), ``db``, a
``www`` alias, mail and SPF records at the apex and an SRV record for the database port, so
``dns`` checks have real answers to assert on. Unknown names in the zone get NXDOMAIN.

It is authoritative only: a name outside the zone is REFUSED, and nothing is ever forwarded,
recursed or looked up elsewhere. While the ``db`` component is down, its names
(``db.demo.test.`` and ``_postgres._tcp.demo.test.``) are withdrawn and answer NXDOMAIN, as
service discovery drops an unhealthy service's records.

It listens on 127.0.0.1 only, whatever address the rest of the demo uses: a UDP responder on
a reachable address can be abused to reflect traffic at others.
"""

from __future__ import annotations

import socketserver
import sys
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.node
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

from .state import ComponentHealth

DNS_HOST = "127.0.0.1"
ZONE_ORIGIN = dns.name.from_text("demo.test.")
#: ``{db_port}`` is the database stand-in's port, which the SRV record advertises.
ZONE_TEMPLATE = """\
$ORIGIN demo.test.
$TTL 60
@               IN SOA   ns.demo.test. hostmaster.demo.test. 1 3600 600 86400 60
@               IN NS    ns.demo.test.
@               IN MX    10 mail.demo.test.
@               IN TXT   "v=spf1 -all"
ns              IN A     127.0.0.1
mail            IN A     127.0.0.1
api             IN A     127.0.0.1
api             IN AAAA  ::1
www             IN CNAME api.demo.test.
db              IN A     127.0.0.1
_postgres._tcp  IN SRV   0 5 {db_port} db.demo.test.
"""
#: Names that disappear from the zone while their component is down.
NAMES_OF_COMPONENT: dict[str, tuple[dns.name.Name, ...]] = {
    "db": (
        dns.name.from_text("db.demo.test."),
        dns.name.from_text("_postgres._tcp.demo.test."),
    ),
}
#: An alias chain longer than this is a loop; the zone above has chains of one.
MAX_ALIAS_CHAIN = 8


class DemoZone:
    """The records of ``demo.test.`` and the answers to queries about them."""

    def __init__(self, health: ComponentHealth, *, db_port: int) -> None:
        self._health = health
        self.zone = dns.zone.from_text(
            ZONE_TEMPLATE.format(db_port=db_port), origin=ZONE_ORIGIN, relativize=False
        )

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """The authoritative response to ``query``; never recursive."""
        response = dns.message.make_response(query)
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
            return response
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        if question.rdclass != dns.rdataclass.IN or not question.name.is_subdomain(ZONE_ORIGIN):
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        name = question.name
        for _ in range(MAX_ALIAS_CHAIN):
            node = self._visible_node(name)
            if node is None:
                if not self._exists(name):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return self._negative(response)
            rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
            if rdataset is not None:
                response.answer.append(_rrset(name, rdataset))
                return response
            alias = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if alias is None:
                return self._negative(response)  # the name exists, without this type
            response.answer.append(_rrset(name, alias))
            name = alias[0].target
        return response

    def _visible_node(self, name: dns.name.Name) -> dns.node.Node | None:
        return self.zone.get_node(name) if self._is_served(name) else None

    def _exists(self, name: dns.name.Name) -> bool:
        """True for a name with records or with names below it (``_tcp.demo.test.``): RFC 8020
        says such an empty name is no NXDOMAIN."""
        return any(owner.is_subdomain(name) and self._is_served(owner) for owner in self.zone.nodes)

    def _is_served(self, name: dns.name.Name) -> bool:
        return all(
            name not in names or self._health.is_up(component)
            for component, names in NAMES_OF_COMPONENT.items()
        )

    def _negative(self, response: dns.message.Message) -> dns.message.Message:
        # The zone's SOA in the authority section tells resolvers how long to cache the
        # absence (RFC 2308), and shows in `dig` which zone answered.
        soa = self.zone.find_rdataset(ZONE_ORIGIN, dns.rdatatype.SOA)
        response.authority.append(_rrset(ZONE_ORIGIN, soa))
        return response


class DemoDNSServer(socketserver.UDPServer):
    """Answers queries for :class:`DemoZone` on ``127.0.0.1:port`` until ``shutdown``."""

    def __init__(self, port: int, zone: DemoZone, *, log_queries: bool) -> None:
        self.zone = zone
        self.log_queries = log_queries
        super().__init__((DNS_HOST, port), _QueryHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:8083``: what a ``dns`` check's ``server`` takes."""
        return f"{DNS_HOST}:{self.port}"


class _QueryHandler(socketserver.BaseRequestHandler):
    server: DemoDNSServer

    def handle(self) -> None:
        started = time.perf_counter()
        wire, sock = self.request
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return  # not DNS: dropped, as a real server does
        if query.flags & dns.flags.QR:
            return  # a response, not a query: answering it could start a loop
        response = self.server.zone.answer(query)
        try:
            sock.sendto(response.to_wire(), self.client_address)
        except OSError:
            return  # the client is gone; UDP has nobody to tell
        if self.server.log_queries:
            self._log(query, response, time.perf_counter() - started)

    def _log(
        self, query: dns.message.Message, response: dns.message.Message, elapsed: float
    ) -> None:
        asked = (
            f"{dns.rdatatype.to_text(query.question[0].rdtype)} {query.question[0].name}"
            if query.question
            else "(no question)"
        )
        sys.stderr.write(
            f"demo-target dns {self.client_address[0]} {asked} "
            f"{dns.rcode.to_text(response.rcode())} {elapsed * 1000:.1f}ms\n"
        )


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    return dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset))
