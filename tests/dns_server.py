"""A tiny authoritative DNS responder on 127.0.0.1 for the dns probe's tests.

It answers UDP queries for the fixed zone ``example.test.`` (RFC 6761 reserves ``.test``),
built and answered with dnspython's zone and message APIs. Unknown names get NXDOMAIN,
``hang.example.test.`` is never answered (to exercise timeouts) and ``broken.example.test.``
gets SERVFAIL. It never contacts anything else.
"""

from __future__ import annotations

import socketserver
from collections import Counter
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

from mkdocs_runbook.demo.serving import ServingThreads

ZONE_TEXT = """\
$ORIGIN example.test.
$TTL 300
@           IN SOA   ns.example.test. admin.example.test. 1 3600 600 86400 300
@           IN NS    ns.example.test.
@           IN MX    10 mail.example.test.
@           IN MX    20 backup-mail.example.test.
@           IN TXT   "v=spf1 -all"
dkim        IN TXT   "v=DKIM1; k=rsa; " "p=MIIBIjANBgkqh"
ns          IN A     192.0.2.53
www         IN A     192.0.2.10
www         IN A     192.0.2.11
www         IN AAAA  2001:db8::10
v4only      IN A     192.0.2.20
alias       IN CNAME www.example.test.
_sip._tcp   IN SRV   10 5 5060 sip.example.test.
"""

HANG_NAME = dns.name.from_text("hang.example.test.")
SERVFAIL_NAME = dns.name.from_text("broken.example.test.")


class _UDPServer(socketserver.UDPServer):
    def __init__(self, owner: DNSServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _QueryHandler)


class _QueryHandler(socketserver.BaseRequestHandler):
    server: _UDPServer

    def handle(self) -> None:
        wire, sock = self.request
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return  # not DNS: drop it, as a real server would
        answer = self.server.owner.answer(query)
        if answer is not None:
            sock.sendto(answer.to_wire(), self.client_address)


class DNSServer:
    """Context manager: a thread answering queries on ``127.0.0.1:port`` (UDP)."""

    def __init__(self) -> None:
        self.zone = dns.zone.from_text(ZONE_TEXT, relativize=False)
        self.queries: Counter[tuple[str, str]] = Counter()
        self._server = _UDPServer(self)
        self.port: int = self._server.server_address[1]
        self._serving = ServingThreads()

    def __enter__(self) -> DNSServer:
        self._serving.serve(self._server, f"test-dns:{self.port}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._serving.stop()

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        self.queries[(question.name.to_text(), dns.rdatatype.to_text(question.rdtype))] += 1
        if question.name == HANG_NAME:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if question.name == SERVFAIL_NAME:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        name = question.name
        # Follow CNAMEs inside the zone the way an authoritative server does.
        for _ in range(8):
            node = self.zone.get_node(name)
            if node is None:
                if name == question.name:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return response
            rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
            if rdataset is not None:
                response.answer.append(_rrset(name, rdataset))
                return response
            alias = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if alias is None:
                return response  # the name exists, without records of this type
            response.answer.append(_rrset(name, alias))
            name = alias[0].target
        return response


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    return dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset))
