"""``ResolvedCheck`` → ``CheckResult``: the bounded concurrent runner, the worker processes that
run the checks (``pool`` in the front-end, ``worker`` in the process), the result cache, the
background loop and one probe per target kind (``probes/``). A new target kind goes in
``probes/``.

``BackgroundLoop`` loads on first use (it imports asyncio, which a site build never needs: it
only prepares checks and hands them to the workers).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .cache import ResultCache
from .pool import WorkerPool
from .probes import READ_CAP_BYTES, MetricSample, Observation, ProbeContext
from .runner import CacheMode, CheckRunner, PreparedCheck, make_result, run_sync, skipped_result

if TYPE_CHECKING:
    from .background import BackgroundLoop

_LAZY: dict[str, str] = {"BackgroundLoop": "background"}

__all__ = [
    "READ_CAP_BYTES",
    "BackgroundLoop",
    "CacheMode",
    "CheckRunner",
    "MetricSample",
    "Observation",
    "PreparedCheck",
    "ProbeContext",
    "ResultCache",
    "WorkerPool",
    "make_result",
    "run_sync",
    "skipped_result",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
