"""The demo's HTTP API: what each endpoint answers, and the server that carries it.

``DemoApp.respond`` is plain request-in, response-out; ``DemoRequestHandler`` does the
HTTP around it (request ids, the ``Server`` header, metrics, the one-line request log).
"""

from __future__ import annotations

import hmac
import json
import re
import socketserver
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ..results import iso_utc
from .connections import OpenConnections
from .metrics import METRICS_CONTENT_TYPE, DemoMetrics
from .state import (
    COMPONENT_LATENCY_MS,
    COMPONENTS,
    QUEUE_NAMES,
    WORKERS_TOTAL,
    ComponentHealth,
    Health,
    QueueSimulation,
    UnknownComponentError,
)

JSON_CONTENT_TYPE = "application/json"
#: The dependencies ``/readyz`` checks. Search is not one: the API serves without it.
READINESS_DEPENDENCIES = ("db", "cache", "queue")
ADMIN_ACTIONS = {"break": Health.DOWN, "degrade": Health.DEGRADED, "heal": Health.OK}
ADMIN_PATH = re.compile(r"/admin/(?P<action>[a-z]+)/(?P<component>[A-Za-z0-9_-]+)")
ADMIN_ROUTE = "/admin/{action}/{component}"
#: An incoming ``X-Request-Id`` of this shape is kept, so a caller can trace its own id.
INCOMING_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: The demo reads no request bodies; bigger ones are not read and the connection is closed.
MAX_REQUEST_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    authorization: str = ""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, **headers: str) -> Response:
    body = json.dumps(payload, indent=2).encode() + b"\n"
    return Response(status, body, JSON_CONTENT_TYPE, dict(headers))


def _error(status: HTTPStatus, message: str, **headers: str) -> Response:
    payload = {"error": status.phrase.lower(), "message": message}
    return json_response(status, payload, **headers)


class DemoApp:
    """Answers requests from the state of the stack."""

    def __init__(
        self,
        health: ComponentHealth,
        queues: QueueSimulation,
        metrics: DemoMetrics,
        *,
        token: str,
        version: str,
    ) -> None:
        self.health = health
        self.queues = queues
        self.metrics = metrics
        self.version = version
        self._token = token
        self._started_monotonic = time.monotonic()
        self._started_at = iso_utc(datetime.now(timezone.utc))
        self._get_routes: dict[str, Callable[[Request], Response]] = {
            "/": self._index,
            "/healthz": self._healthz,
            "/readyz": self._readyz,
            "/metrics": self._metrics,
            "/api/health": self._api_health,
            "/api/ops/queues": self._ops_queues,
        }

    def respond(self, request: Request) -> tuple[str, Response]:
        """The response, and the route it matched (the ``path`` label of the metrics)."""
        if request.path in self._get_routes:
            if request.method not in ("GET", "HEAD"):
                return request.path, _method_not_allowed("GET, HEAD")
            return request.path, self._get_routes[request.path](request)
        admin = ADMIN_PATH.fullmatch(request.path)
        if admin and admin["action"] in ADMIN_ACTIONS:
            if request.method != "POST":
                return ADMIN_ROUTE, _method_not_allowed("POST")
            return ADMIN_ROUTE, self._admin(admin["action"], admin["component"])
        return "other", _error(HTTPStatus.NOT_FOUND, f"no endpoint at {request.path}; see GET /")

    def _index(self, request: Request) -> Response:
        return json_response(
            200,
            {
                "service": "demo-target",
                "version": self.version,
                "endpoints": list(self._get_routes),
                "admin": [f"POST /admin/{action}/{{component}}" for action in ADMIN_ACTIONS],
                "components": list(COMPONENTS),
            },
        )

    def _healthz(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    def _readyz(self, request: Request) -> Response:
        health = self.health.snapshot()
        checks = {
            name: "down" if health[name] is Health.DOWN else "up" for name in READINESS_DEPENDENCIES
        }
        if health["db"] is Health.DOWN:
            return json_response(503, {"status": "not ready", "checks": checks})
        healthy = all(health[name] is Health.OK for name in READINESS_DEPENDENCIES)
        return json_response(200, {"status": "ready" if healthy else "degraded", "checks": checks})

    def _metrics(self, request: Request) -> Response:
        return Response(200, self.metrics.render(), METRICS_CONTENT_TYPE)

    def _api_health(self, request: Request) -> Response:
        health = self.health.snapshot()
        components: dict[str, dict[str, Any]] = {}
        for name, state in health.items():
            if state is Health.DOWN:
                components[name] = {
                    "status": str(state),
                    "latency_ms": None,
                    "error": "connection refused",
                }
            else:
                components[name] = {
                    "status": str(state),
                    "latency_ms": COMPONENT_LATENCY_MS[name][state],
                }
        if health["db"] is Health.DOWN:
            overall, status = "down", 503
        elif all(state is Health.OK for state in health.values()):
            overall, status = "ok", 200
        else:
            overall, status = "degraded", 200
        payload = {
            "service": "demo-target",
            "version": self.version,
            "status": overall,
            "started_at": self._started_at,
            "uptime_seconds": round(time.monotonic() - self._started_monotonic, 1),
            "components": components,
        }
        return json_response(status, payload)

    def _ops_queues(self, request: Request) -> Response:
        scheme, _, token = request.authorization.partition(" ")
        if not request.authorization:
            return _error(
                HTTPStatus.UNAUTHORIZED,
                "send 'Authorization: Bearer <token>'; the demo's token is set with --token "
                "or DEMO_API_TOKEN (default: demo-token)",
                **{"WWW-Authenticate": 'Bearer realm="demo-target"'},
            )
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self._token.encode()
        ):
            return _error(
                HTTPStatus.UNAUTHORIZED,
                "the bearer token is not the demo's token (see --token or DEMO_API_TOKEN)",
                **{"WWW-Authenticate": 'Bearer realm="demo-target", error="invalid_token"'},
            )
        snapshot = self.queues.snapshot()
        queues = {
            name: {
                "depth": snapshot.depth[name],
                "dead_letter": snapshot.dead_letter[name],
                "processed": snapshot.processed[name],
            }
            for name in QUEUE_NAMES
        }
        payload = {
            "queues": queues,
            "dead_letter_total": sum(snapshot.dead_letter.values()),
            "workers": {
                "total": WORKERS_TOTAL,
                "busy": snapshot.workers_busy,
                "idle": WORKERS_TOTAL - snapshot.workers_busy,
            },
            "scheduler": {
                "state": "running" if snapshot.scheduler_running else "paused",
                "last_run_at": iso_utc(
                    datetime.fromtimestamp(snapshot.scheduler_last_run, timezone.utc)
                ),
            },
        }
        return json_response(200, payload)

    def _admin(self, action: str, component: str) -> Response:
        try:
            self.health.set(component, ADMIN_ACTIONS[action])
        except UnknownComponentError as error:
            return _error(HTTPStatus.NOT_FOUND, str(error))
        return json_response(
            200, {"component": component, "status": str(self.health.get(component))}
        )


def _method_not_allowed(allowed: str) -> Response:
    return _error(HTTPStatus.METHOD_NOT_ALLOWED, f"use {allowed}", Allow=allowed)


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], app: DemoApp, *, log_requests: bool, scheme: str
    ) -> None:
        self.app = app
        self.log_requests = log_requests
        self.scheme = scheme
        self.connections = OpenConnections()
        super().__init__(address, DemoRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer, or a connection cut by stop(), is not our error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, a DNS round trip that can take
        # seconds on a badly configured machine; the demo must start at once.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class DemoRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 10
    server: DemoHTTPServer
    request_id = ""

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def version_string(self) -> str:
        return f"demo-target/{self.server.app.version}"

    def handle_one_request(self) -> None:
        self.request_id = uuid.uuid4().hex[:16]
        super().handle_one_request()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        incoming = self.headers.get("X-Request-Id", "") if parsed else ""
        if INCOMING_REQUEST_ID.fullmatch(incoming):
            self.request_id = incoming
        return parsed

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        self.send_header("X-Request-Id", self.request_id)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by ``_dispatch``, with their duration."""

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            self._log(format % args)

    def _log(self, text: str) -> None:
        sys.stderr.write(f"demo-target {self.server.scheme} {self.client_address[0]} {text}\n")

    def _dispatch(self) -> None:
        started = time.perf_counter()
        self._discard_request_body()
        request = Request(
            method=self.command,
            path=urlsplit(self.path).path,
            authorization=self.headers.get("Authorization", ""),
        )
        route, response = self.server.app.respond(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = time.perf_counter() - started
        self.server.app.metrics.observe_request(self.command, route, response.status, elapsed)
        if self.server.log_requests:
            self._log(
                f"{self.command} {self.path} {response.status} "
                f"{elapsed * 1000:.1f}ms id={self.request_id}"
            )

    def _discard_request_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = MAX_REQUEST_BODY_BYTES + 1
        if 0 < length <= MAX_REQUEST_BODY_BYTES:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch
