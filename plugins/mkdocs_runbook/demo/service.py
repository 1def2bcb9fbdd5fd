"""``DemoService``: the whole demo stack (HTTP, HTTPS, database port, DNS) in background threads."""

from __future__ import annotations

import shutil
import socketserver
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from .. import __version__
from .app import DemoApp, DemoHTTPServer
from .database import DatabaseStandIn
from .dns import DNS_HOST, DemoDNSServer, DemoZone
from .metrics import DemoMetrics
from .serving import ServingThreads
from .state import COMPONENTS, ComponentHealth, Health, QueueSimulation, UnknownComponentError
from .tls import TLS_PACKAGE, DemoCertificates, TLSDemoHTTPServer

DEFAULT_TOKEN = "demo-token"
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "0.0.0.0", ""}


class DemoService:
    """The demo stack. Ports default to 0 (free ones, chosen at ``start``); read them back
    from ``port``, ``db_port``, ``tls_port`` and ``dns_port``, or the addresses from ``url``,
    ``tls_url``, ``db_address`` and ``dns_address``. The DNS responder (zone ``demo.test.``)
    listens on 127.0.0.1 whatever ``host`` is; see ``dns.py``.

    ``cert_dir`` receives ``demo-ca.pem`` and ``demo-ca-bundle.pem``; by default a temporary
    directory, removed by ``stop``. Use as a context manager, or ``start()``/``stop()``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db_port: int = 0,
        tls_port: int = 0,
        dns_port: int = 0,
        token: str = DEFAULT_TOKEN,
        broken: Iterable[str] = (),
        log_requests: bool = False,
        cert_dir: Path | None = None,
    ) -> None:
        self.broken = tuple(broken)
        for name in self.broken:
            if name not in COMPONENTS:
                raise UnknownComponentError(name)
        self.host = host
        self.token = token
        self.version = __version__
        self.health = ComponentHealth()
        self.queues = QueueSimulation(self.health)
        self.metrics = DemoMetrics(self.health, self.queues, version=self.version)
        self.app = DemoApp(
            self.health, self.queues, self.metrics, token=token, version=self.version
        )
        self._ports = (port, db_port, tls_port, dns_port)
        self._log_requests = log_requests
        self._cert_dir = cert_dir
        self._temporary_dir: Path | None = None
        self._http: DemoHTTPServer | None = None
        self._https: TLSDemoHTTPServer | None = None
        self._database: DatabaseStandIn | None = None
        self._dns: DemoDNSServer | None = None
        self._serving = ServingThreads()
        #: (http, db, https, dns) as bound by ``start``; still known after ``stop``.
        self._bound_ports: tuple[int, int, int, int] | None = None
        self.certificates: DemoCertificates | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> DemoService:
        """Bind every port, then serve; on any failure nothing stays bound."""
        port, db_port, tls_port, dns_port = self._ports
        try:
            self._http = DemoHTTPServer(
                (self.host, port), self.app, log_requests=self._log_requests, scheme="http"
            )
            self._database = DatabaseStandIn(self.host, db_port)
            self._database.bind()
            self.certificates = self._make_certificates()
            if self.certificates is not None:
                self._https = TLSDemoHTTPServer(
                    (self.host, tls_port),
                    self.app,
                    log_requests=self._log_requests,
                    context=self.certificates.server_context(),
                )
            self._dns = DemoDNSServer(
                dns_port,
                DemoZone(self.health, db_port=self._database.port),
                log_queries=self._log_requests,
            )
        except BaseException:
            self.stop()
            raise
        self._bound_ports = (
            self._http.server_address[1],
            self._database.port,
            self._https.server_address[1] if self._https is not None else 0,
            self._dns.port,
        )
        self.health.subscribe(self._database.on_health_change)
        for name in self.broken:
            self.health.set(name, Health.DOWN)
        if self.health.is_up("db"):
            self._database.serve()
        servers: list[tuple[str, socketserver.BaseServer]] = [
            (f"demo-{server.scheme}:{server.server_address[1]}", server)
            for server in (self._http, self._https)
            if server is not None
        ]
        servers.append((f"demo-dns:{self._dns.port}", self._dns))
        for name, server in servers:
            self._serving.serve(server, name)
        return self

    def stop(self) -> None:
        """Stop serving and release every port; safe to call twice."""
        self._serving.stop()
        for server in (self._http, self._https, self._dns):
            if server is not None:
                server.server_close()  # also those bound by a start that failed half-way
        for web in (self._http, self._https):
            if web is not None:
                web.connections.cut_all()
        self._http = self._https = self._dns = None
        if self._database is not None:
            self._database.close()
            self._database = None
        if self._temporary_dir is not None:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)
            self._temporary_dir = None

    def __enter__(self) -> DemoService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the components --------------------------------------------------------------------

    def break_component(self, name: str) -> None:
        """Take ``name`` (db, cache, queue, search) down everywhere it shows."""
        self.health.set(name, Health.DOWN)

    def degrade_component(self, name: str) -> None:
        """``name`` still answers, slowly: reported degraded."""
        self.health.set(name, Health.DEGRADED)

    def heal_component(self, name: str) -> None:
        """``name`` is fully healthy again (search too, which starts degraded)."""
        self.health.set(name, Health.OK)

    # -- where it listens --------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._ports_bound()[0]

    @property
    def db_port(self) -> int:
        return self._ports_bound()[1]

    @property
    def tls_port(self) -> int:
        return self._ports_bound()[2]

    @property
    def dns_port(self) -> int:
        return self._ports_bound()[3]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:8080``: the HTTP API, no trailing slash."""
        return f"http://{self._url_host()}:{self.port}"

    @property
    def has_tls(self) -> bool:
        """Whether the HTTPS port runs: it needs the ``trustme`` package (``[demo]`` extra)."""
        return self.certificates is not None

    @property
    def tls_url(self) -> str:
        """``https://localhost:8082``: the name the certificate is for ("" without TLS)."""
        if not self.has_tls:
            return ""
        host = "localhost" if self.host in _LOOPBACK_NAMES else self.host
        return f"https://{host}:{self.tls_port}"

    @property
    def db_address(self) -> str:
        return f"{self._url_host()}:{self.db_port}"

    @property
    def dns_address(self) -> str:
        """``127.0.0.1:8083``: the DNS responder, as a ``dns`` check's ``server`` takes it."""
        return f"{DNS_HOST}:{self.dns_port}"

    @property
    def ca_file(self) -> Path:
        """The demo CA alone (PEM): for a client told which CA to trust."""
        return self._certs().ca_file

    @property
    def trust_bundle_file(self) -> Path:
        """The system CAs plus the demo CA (PEM): for ``SSL_CERT_FILE``."""
        return self._certs().trust_bundle_file

    def environment(self) -> dict[str, str]:
        """Variables that point a site build or ``runbook check`` at this instance."""
        variables = {
            "RUNBOOK_DEMO_URL": self.url,
            "RUNBOOK_DEMO_DB": self.db_address,
            "RUNBOOK_DEMO_DNS": self.dns_address,
            "DEMO_API_TOKEN": self.token,
        }
        if self.has_tls:
            variables |= {
                "RUNBOOK_DEMO_TLS_URL": self.tls_url,
                "RUNBOOK_DEMO_TLS": self.tls_url.removeprefix("https://"),
                "RUNBOOK_DEMO_CA": str(self.ca_file),
                "SSL_CERT_FILE": str(self.trust_bundle_file),
            }
        return variables

    def _url_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host

    def _identities(self) -> list[str]:
        identities = ["localhost", "127.0.0.1"]
        if self.host not in _LOOPBACK_NAMES:
            identities.append(self.host)
        return identities

    def _make_certificates(self) -> DemoCertificates | None:
        """The demo's CA and certificate, or None (no HTTPS port) when ``trustme`` is not
        installed: a plain ``pip install`` keeps the demo without the heavy TLS dependency."""
        try:
            return DemoCertificates(self._certificate_dir(), self._identities())
        except ModuleNotFoundError as missing:
            if missing.name != TLS_PACKAGE:
                raise
            return None

    def _certificate_dir(self) -> Path:
        if self._cert_dir is not None:
            self._cert_dir.mkdir(parents=True, exist_ok=True)
            return self._cert_dir
        self._temporary_dir = Path(tempfile.mkdtemp(prefix="demo-target-"))
        return self._temporary_dir

    def _certs(self) -> DemoCertificates:
        if self.certificates is None:
            raise RuntimeError("the demo service is not started")
        return self.certificates

    def _ports_bound(self) -> tuple[int, int, int, int]:
        if self._bound_ports is None:
            raise RuntimeError("the demo service is not started")
        return self._bound_ports
