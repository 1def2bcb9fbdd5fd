"""One probe per target kind: turn a ``ResolvedCheck`` into observed subjects.

A probe is ``async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation``.
It measures; it does not judge (assertions do that). When the target cannot be reached at
all it raises ``ProbeFailure`` with an operator-readable message. The runner bounds every
attempt with ``asyncio.wait_for(..., check.timeout)``, so a probe must clean up on
cancellation (close sockets, kill process groups) and need not time itself out, although
passing the timeout to the library underneath gives better messages.

Subject keys a probe puts in ``Observation.subjects`` (SPEC section 2):

=========  ==================================================================================
http       status:int, latency:float s, body:str, headers:dict[lowercase name, str],
           json:Any (only when the body parses as JSON), cert_expires_in:float s (https)
tcp        connected:bool, latency
dns        addresses:list[str], records:list[str], latency
tls        cert_expires_in:float s, cert_subject:str, cert_issuer:str, tls_version:str, latency
run        exit:int, stdout:str, stderr:str, latency
metrics    metrics:list[MetricSample], series:int, latency
console    exit:int, stdout:str, stderr:str, output_matches:bool, latency
=========  ==================================================================================
"""

from __future__ import annotations

import functools
import importlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model import ResolvedCheck
from ...resolve import HostPolicy

if TYPE_CHECKING:
    import httpx

#: Responses and command output are read up to this many bytes (SPEC 8), then cut.
READ_CAP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class MetricSample:
    """One Prometheus series: ``name{labels} value``."""

    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Observation:
    """What a probe measured. ``value`` is the badge's measured value when the check passes
    (usually the latency, ``42 ms``); ``detail`` is optional extra text for the Result panel
    (a diff, a response excerpt), shown escaped and capped. ``misses`` says in words what a
    missed assertion on a subject means (``output_matches`` → ``output differs at …``): the
    message then, with ``value`` as the badge's, instead of the subject's raw value."""

    subjects: dict[str, Any]
    value: str = ""
    detail: str = ""
    misses: dict[str, str] = field(default_factory=dict)


@dataclass
class ProbeContext:
    """Shared state for probes within one run: HTTP clients, command policy, caps."""

    allow_commands: bool = False
    base_dir: Path = field(default_factory=Path.cwd)
    per_host: int = 8
    allowed_hosts: list[str] = field(default_factory=list)
    #: Clients not in use, by TLS settings and origin; every client made, to close them.
    _idle_clients: dict[tuple[bool, str, str], list[httpx.AsyncClient]] = field(
        default_factory=dict
    )
    _all_clients: dict[int, tuple[tuple[bool, str, str], httpx.AsyncClient]] = field(
        default_factory=dict
    )
    #: The clients' TLS settings, made once (loading the trust store takes tens of ms).
    _client_tls: dict[tuple[bool, str], ssl.SSLContext] = field(default_factory=dict)

    def ssl_context(self, *, verify_tls: bool = True, ca_file: str = "") -> ssl.SSLContext:
        """The operating system's trust store (honouring ``SSL_CERT_FILE``/``SSL_CERT_DIR``), so
        internal CAs that the machine trusts are trusted here too; or the CAs of ``ca_file``
        alone (curl's ``--cacert``), or no verification at all."""
        if verify_tls and ca_file:
            return ssl.create_default_context(cafile=ca_file)
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @property
    def host_policy(self) -> HostPolicy:
        """Where checks may connect: ``allowed_hosts`` and the link-local guard."""
        return HostPolicy(tuple(self.allowed_hosts))

    def http_client(
        self, *, verify_tls: bool = True, ca_file: str = "", origin: str = ""
    ) -> httpx.AsyncClient:
        """A client for one request to ``origin`` (``scheme://host:port``) with these TLS
        settings (httpx fixes ``verify`` per client), that no other check is using: hand it
        back with ``release_client`` when its response is closed. ``ca_file`` must be an
        absolute path; reading it may raise ``OSError`` or ``ssl.SSLError``.

        A client per check in flight, kept for the next check to the same origin (with its
        connection), because httpcore's pool looks at every connection it holds, several times
        over, for every request it starts and ends (encode/httpcore#1035): a pool shared by
        32 checks costs milliseconds a request, on the loop that times every other check.

        Its connections go through ``network.GuardedBackend``: every request, redirects
        included, reaches only hosts and addresses the host policy accepts."""
        # Imported here: the front-end's process makes contexts but never a client.
        import httpx

        from .decoding import ACCEPT_ENCODING
        from .network import guarded_transport, skip_cookieless_responses

        key = (verify_tls, ca_file if verify_tls else "", origin)
        idle = self._idle_clients.get(key)
        if idle:
            return idle.pop()
        # A plain http client's context is made at its first handshake (a redirect to https),
        # if any: the trust store is over a MB of memory that plain http never uses.
        tls = functools.partial(self._client_tls_context, key[:2])
        if not origin.startswith("http://") or key[1]:
            tls()  # needed anyway; and a bad ca_file fails here, with a clear message
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=1)
        client = httpx.AsyncClient(
            transport=guarded_transport(tls, limits, self.host_policy),
            headers={"Accept-Encoding": ACCEPT_ENCODING},
            trust_env=False,
        )
        skip_cookieless_responses(client)
        self._all_clients[id(client)] = (key, client)
        return client

    def _client_tls_context(self, settings: tuple[bool, str]) -> ssl.SSLContext:
        """The clients' context for ``(verify_tls, ca_file)``, made once (loading the trust
        store takes tens of ms). HTTP/1.1 is offered by ALPN, as httpcore would."""
        context = self._client_tls.get(settings)
        if context is None:
            context = self.ssl_context(verify_tls=settings[0], ca_file=settings[1])
            context.set_alpn_protocols(["http/1.1"])
            self._client_tls[settings] = context
        return context

    def release_client(self, client: httpx.AsyncClient) -> None:
        """``client`` is free for the next check to its origin, without the cookies this
        check's answers set: they serve its own redirects, and no other check sends them."""
        made = self._all_clients.get(id(client))
        if made is not None:
            client.cookies.clear()
            self._idle_clients.setdefault(made[0], []).append(client)

    async def aclose(self) -> None:
        for _, client in self._all_clients.values():
            await client.aclose()
        self._all_clients.clear()
        self._idle_clients.clear()
        self._client_tls.clear()


Probe = Callable[[ResolvedCheck, ProbeContext], Awaitable[Observation]]

_PROBE_MODULES: dict[str, str] = {
    "http": "http",
    "tcp": "tcp",
    "dns": "dns",
    "tls": "tls",
    "run": "command",
    "console": "console",
    "metrics": "metrics",
}


@functools.cache
def probe_for(kind: str) -> Probe:
    """The probe function of a kind (modules are imported on first use)."""
    module = importlib.import_module(f"{__name__}.{_PROBE_MODULES[kind]}")
    probe: Probe = module.probe
    return probe
