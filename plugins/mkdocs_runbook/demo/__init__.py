"""The demo service behind ``runbook demo-target`` (SPEC section 9).

A small stack on localhost that behaves like the production service a runbook describes:
an HTTP API (``/healthz``, ``/readyz``, ``/metrics``, ``/api/health``, ``/api/ops/queues``),
the same API over HTTPS with a certificate from a private CA, a TCP port standing for its
database, and an authoritative DNS responder for the zone ``demo.test.``. Components (db,
cache, queue, search) break and heal on request, and every endpoint tells the same story
about them::

    with DemoService() as demo:          # free ports on 127.0.0.1
        demo.break_component("db")       # /readyz 503, the db port refuses, db.demo.test gone
        demo.heal_component("db")

Apart from the rest of the package: the engine never imports it; the CLI and the tests do.
"""

from __future__ import annotations

from .cli import add_arguments, main, run_from_args
from .service import DEFAULT_TOKEN, DemoService
from .state import COMPONENTS, UnknownComponentError

__all__ = [
    "COMPONENTS",
    "DEFAULT_TOKEN",
    "DemoService",
    "UnknownComponentError",
    "add_arguments",
    "main",
    "run_from_args",
]
