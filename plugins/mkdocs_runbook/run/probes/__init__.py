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
from ...resolve import check_allowed_host

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
    (a diff, a response excerpt), shown escaped and capped."""

    subjects: dict[str, Any]
    value: str = ""
    detail: str = ""


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
        32 checks costs milliseconds a request, on the loop that times every other check."""
        import httpx  # here: the front-end's process makes contexts but never a client

        key = (verify_tls, ca_file if verify_tls else "", origin)
        idle = self._idle_clients.get(key)
        if idle:
            return idle.pop()
        tls = self._client_tls.get(key[:2])
        if tls is None:
            tls = self._client_tls[key[:2]] = self.ssl_context(
                verify_tls=verify_tls, ca_file=key[1]
            )
        client = httpx.AsyncClient(
            verify=tls,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=1),
            trust_env=False,
            event_hooks={"request": [self._vet_host]},
        )
        self._all_clients[id(client)] = (key, client)
        return client

    def release_client(self, client: httpx.AsyncClient) -> None:
        """``client`` is free for the next check to its origin."""
        made = self._all_clients.get(id(client))
        if made is not None:
            self._idle_clients.setdefault(made[0], []).append(client)

    async def _vet_host(self, request: httpx.Request) -> None:
        """Every request, redirects included, goes only where ``allowed_hosts`` lets it
        (resolving vetted the first URL; a redirect must not lead to the metadata service)."""
        if request.url.host:  # a URL without a host is the probe's to report, not ours
            check_allowed_host("http", str(request.url), {}, self.allowed_hosts)

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
