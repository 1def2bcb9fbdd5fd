"""Where a check connects, read by one parser per target kind, and the rules for going there.

The same parser serves the ``allowed_hosts`` check when a check is resolved and the probe
that connects, so the two can never disagree about the host (SPEC 8):

- ``http`` and ``metrics``: the URL as httpx, which sends the request, reads it. httpx loads
  with the first URL read: in the check worker, which vets these targets before it connects
  (``run.attempts``); a front-end's process needs only the host and port ``per_host`` counts,
  which ``counted_endpoint`` reads with the standard library;
- ``tcp`` and ``tls``: ``HOST:PORT`` or ``[IPv6]:PORT``;
- ``dns``: the ``server`` parameter, ``HOST``, ``HOST:PORT``, an IPv6 address or ``[IPv6]:PORT``
  (the queried name is data, not a connection).

A host is a DNS name (letters, digits, ``-`` and ``_`` in labels of at most 63 characters), an
IPv4 address or a bracketed IPv6 address. Anything else is an invalid target: credentials
(``user@host``), a fragment, a backslash, a percent sign, a space.

``HostPolicy`` holds the rules: a host must match ``allowed_hosts`` when it is set, and no
connection may reach a link-local or cloud metadata address unless a pattern (other than a
bare ``*``) names it. ``run.probes.network`` applies the policy to every resolved address at
connect time; ``check_allowed_host`` applies what can be known before resolving.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ResolveError

if TYPE_CHECKING:
    import httpx

#: Link-local networks and the metadata services clouds put at fixed addresses (AWS's IPv6
#: endpoint, Alibaba's); 169.254.169.254 (AWS, GCP, Azure, Oracle…) is in the first one.
GUARDED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)
#: Names of metadata services that are refused before they are even looked up.
GUARDED_NAMES = frozenset({"metadata.google.internal", "metadata"})

#: IPv6 prefixes whose last 32 bits are an IPv4 address (RFC 6052 NAT64, RFC 6145 SIIT).
_IPV4_TRANSLATING = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::ffff:0:0:0/96"),
)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
#: What ``inet_aton`` (and so the system resolver) reads as an IPv4 address: one to four
#: parts, each decimal, octal (leading 0) or hexadecimal (0x).
_NUMERIC_IPV4 = re.compile(r"(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}", re.IGNORECASE)
_METHOD_AND_URL = re.compile(r"^\s*([A-Za-z]+)\s+(\S+)\s*$")
_HOST_PORT = re.compile(r"([^:\[\]]*)(?::(\d{1,5}))?")
_BRACKETED = re.compile(r"\[([^\[\]]*)\](?::(\d{1,5}))?")
DNS_PORT = 53
#: The kinds whose target is a URL, read by httpx.
URL_KINDS = frozenset({"http", "metrics"})


@dataclass(frozen=True)
class Endpoint:
    """A host (as the connection will look it up) and a port."""

    host: str
    port: int


@dataclass(frozen=True)
class HttpTarget:
    """``[METHOD] URL`` read once: the method, the URL httpx will send and where it goes."""

    method: str
    url: httpx.URL
    endpoint: Endpoint


class InvalidTarget(ResolveError):
    """A target no connection can be made to as written; the message says why."""


def parse_http_target(target: str, *, shown: str | None = None) -> HttpTarget:
    """``GET https://x/healthz`` or a bare URL; raises ``InvalidTarget`` naming the problem.

    ``shown`` is the target as messages may show it (secrets masked)."""
    match = _METHOD_AND_URL.match(target)
    method, text = (match.group(1).upper(), match.group(2)) if match else ("GET", target.strip())
    return HttpTarget(method, *_parse_url(text, shown if shown is not None else target))


def parse_url(text: str, *, shown: str | None = None) -> tuple[httpx.URL, Endpoint]:
    """A ``metrics`` URL (no method), by the same rules as an ``http`` target."""
    return _parse_url(text.strip(), shown if shown is not None else text)


# The worker reads a URL twice (vetting it against allowed_hosts, then the probe): parsed once.
@functools.lru_cache(maxsize=4096)
def _parse_url(text: str, shown: str) -> tuple[httpx.URL, Endpoint]:
    def invalid(reason: str) -> InvalidTarget:
        return InvalidTarget(f"invalid URL {shown!r}: {reason}")

    if "\\" in text:
        raise invalid("a backslash is not allowed (write / or %5C)")
    if "#" in text:
        raise invalid("a fragment (#…) is never sent to the server; remove it")
    import httpx  # at the first URL read: in the worker, never in MkDocs' process

    try:
        url = httpx.URL(text)
        raw_host = url.raw_host.decode("ascii")
        port = url.port
        url.host  # noqa: B018  decodes punycode: an invalid xn-- label raises here, not later
    except Exception:  # httpx and the IDNA codec raise several kinds for a malformed URL
        raise invalid("it does not parse as a URL") from None
    if url.scheme not in ("http", "https"):
        raise invalid("expected http:// or https://")
    if url.userinfo:
        raise invalid(
            "credentials in the URL (user@host) are not allowed; use basic_auth: or headers:"
        )
    if not raw_host:
        raise invalid("no host")
    if port is not None and not 0 < port < 65536:
        raise invalid("the port must be from 1 to 65535")
    host = _valid_host(raw_host.replace("%25", "%"), allow_ipv6=True)
    if host is None:
        raise invalid(f"{raw_host!r} is not a host name or an IP address")
    return url, Endpoint(raw_host, port or (443 if url.scheme == "https" else 80))


def parse_address(
    text: str, *, default_port: int | None = None, what: str = "target", shown: str | None = None
) -> Endpoint:
    """``HOST:PORT`` or ``[IPv6]:PORT``; with ``default_port`` the port may be left out (and a
    bare IPv6 address is allowed). Raises ``InvalidTarget`` naming the problem."""
    written = text.strip()
    expected = (
        "HOST[:PORT] (or [IPv6]:PORT)" if default_port else "HOST:PORT (or [IPv6]:PORT)"
    ) + " with a port from 1 to 65535"

    def invalid(reason: str = "") -> InvalidTarget:
        because = f" ({reason})" if reason else ""
        return InvalidTarget(
            f"invalid {what} {shown if shown is not None else text!r}: expected {expected}{because}"
        )

    for character, reason in (
        ("@", "user@host is not a host"),
        ("#", "a fragment (#…) is not part of a host"),
        ("\\", "a backslash is not part of a host"),
        ("/", "a path is not part of a host"),
    ):
        if character in written:
            raise invalid(reason)
    bracketed = _BRACKETED.fullmatch(written)
    if bracketed:
        host_text, port_text = bracketed.groups()
        host = _valid_ipv6(host_text)
    elif default_port is not None and written.count(":") > 1:
        host_text, port_text, host = written, None, _valid_ipv6(written)
    else:
        plain = _HOST_PORT.fullmatch(written)
        if plain is None:
            raise invalid()
        host_text, port_text = plain.groups()
        host = _valid_host(host_text, allow_ipv6=False)
    if host is None:
        raise invalid(f"{host_text!r} is not a host name or an IP address" if host_text else "")
    if port_text is None and default_port is None:
        raise invalid("no port")
    port = int(port_text) if port_text is not None else default_port
    if port is None or not 0 < port < 65536:
        raise invalid()
    return Endpoint(host, port)


def _valid_ipv6(text: str) -> str | None:
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def _valid_host(text: str, *, allow_ipv6: bool) -> str | None:
    """``text`` when it is a host name or an IP address, else ``None``."""
    if allow_ipv6 and ":" in text:
        return _valid_ipv6(text)
    name = text[:-1] if text.endswith(".") else text
    if not name:  # an overlong name is the resolver's to refuse ("cannot resolve host")
        return None
    if all(_LABEL.fullmatch(label) for label in name.split(".")):
        return text
    return None


def target_endpoint(
    kind: str, target: str, params: dict[str, Any], *, shown: str | None = None
) -> Endpoint | None:
    """Where a check of ``kind`` connects (``None``: commands, and DNS via the system
    resolver). Raises ``InvalidTarget`` for a target that names no valid host; ``shown`` is
    the target as messages may show it."""
    if kind == "http":
        return parse_http_target(target, shown=shown).endpoint
    if kind == "metrics":
        return parse_url(target, shown=shown)[1]
    if kind in ("tcp", "tls"):
        return parse_address(target, what=f"{kind} target", shown=shown)
    if kind == "dns" and params.get("server"):
        return parse_address(str(params["server"]), default_port=DNS_PORT, what="dns server")
    return None


def counted_endpoint(kind: str, target: str, params: dict[str, Any]) -> Endpoint | None:
    """Where a check connects, as ``per_host`` counts it, read without httpx: a URL by the
    standard library's ``urlsplit`` (the same host and port as httpx's for any URL the worker
    accepts; a URL it refuses never connects), the other kinds by their own parsers. Not a
    guard: the worker vets a URL with httpx before it connects. ``None``: nothing to count."""
    if kind not in URL_KINDS:
        try:
            return target_endpoint(kind, target, params)
        except InvalidTarget:
            return None
    match = _METHOD_AND_URL.match(target)
    try:
        parts = urlsplit(match.group(2) if match else target.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return Endpoint(parts.hostname, port or (443 if parts.scheme == "https" else 80))


# Pure, and a site's checks name few hosts: each is read once.
@functools.lru_cache(maxsize=1024)
def canonical_host(host: str) -> str:
    """The form ``allowed_hosts`` patterns are matched against: lower case, no trailing dot,
    IPv6 compressed, and IPv4 in dotted decimal however it was spelled (``2852039166``,
    ``0xa9fea9fe`` and ``169.254.43518`` all connect to 169.254.169.254)."""
    name = host.strip().strip("[]").lower()
    if name.endswith("."):
        name = name[:-1]
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if _NUMERIC_IPV4.fullmatch(name):
        try:
            return socket.inet_ntoa(socket.inet_aton(name))
        except OSError:
            return name
    return name


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _IPV4_TRANSLATING) or (
        address in _IPV4_COMPATIBLE and int(address) > 1
    ):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_guarded_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Link-local or a cloud metadata address, in any IPv4 or IPv6 form."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.compressed.split("%")[0])
        embedded = embedded_ipv4(address)
        if embedded is not None and is_guarded_address(embedded):
            return True
    return any(address in network for network in GUARDED_NETWORKS)


@dataclass(frozen=True)
class HostPolicy:
    """``allowed_hosts`` (globs) and the link-local guard, for names and resolved addresses."""

    allowed_hosts: tuple[str, ...] = ()

    @property
    def _patterns(self) -> list[str]:
        return [pattern.strip().lower() for pattern in self.allowed_hosts if pattern.strip()]

    def _named(self, *names: str) -> bool:
        """A pattern other than a bare ``*`` matches one of ``names``: naming a guarded
        address takes intent."""
        return any(
            pattern != "*" and fnmatch.fnmatchcase(name, pattern)
            for pattern in self._patterns
            for name in names
        )

    def check_name(self, host: str) -> None:
        """Refuse ``host`` before it is looked up: outside ``allowed_hosts``, or a guarded
        name or address literal that no pattern names."""
        name = canonical_host(host)
        guarded = name in GUARDED_NAMES or _is_guarded_literal(name)
        if guarded and not self._named(name):
            raise _guarded(host, name)
        patterns = self._patterns
        if patterns and not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            raise ResolveError(
                f"host '{name}' is not in allowed_hosts ({', '.join(self.allowed_hosts)})"
            )

    def check_address(self, host: str, address: str) -> None:
        """Refuse connecting to ``address`` (what ``host`` resolved to) when it is guarded
        and no pattern names the host or the address."""
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            raise ResolveError(f"host '{host}' resolved to {address!r}, not an address") from None
        if not is_guarded_address(ip):
            return
        embedded = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        names = [canonical_host(host), str(ip)] + ([str(embedded)] if embedded else [])
        if not self._named(*names):
            raise _guarded(host, str(ip))


@functools.lru_cache(maxsize=1024)
def _is_guarded_literal(name: str) -> bool:
    try:
        return is_guarded_address(ipaddress.ip_address(name))
    except ValueError:
        return False


def _guarded(host: str, address: str) -> ResolveError:
    """The refusal, naming the host as written and the address it stands for."""
    written = host.strip().strip("[]")
    via = "" if written.lower().rstrip(".") == address else f" ({address})"
    return ResolveError(
        f"host '{written}'{via} is link-local or a cloud metadata address; name it in "
        "allowed_hosts to check it"
    )


def check_allowed_host(
    kind: str,
    target: str,
    params: dict[str, Any],
    allowed_hosts: list[str] | tuple[str, ...],
    *,
    shown: str | None = None,
) -> None:
    """Refuse, before anything runs, a target whose host is invalid, outside ``allowed_hosts``
    or a guarded name or address literal. Names that resolve to a guarded address are refused
    when the probe connects (``run.probes.network``)."""
    endpoint = target_endpoint(kind, target, params, shown=shown)
    if endpoint is not None:
        HostPolicy(tuple(allowed_hosts)).check_name(endpoint.host)
