"""``ResolvedCheck`` → ``CheckResult``: the bounded concurrent runner, the worker processes that
run the checks (``pool`` in the front-end, ``worker`` in the process), the result cache, the
background loop and one probe per target kind (``probes/``). A new target kind goes in
``probes/``.

Exports load at first use (``lazy``): a check worker, which is a module of this package, needs
none of the front-end's side (the pool, the cache, the runner), and a site build never needs
``BackgroundLoop`` (it imports asyncio; a build only prepares checks and hands them over).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

if TYPE_CHECKING:
    from .background import BackgroundLoop
    from .cache import ResultCache
    from .pool import WorkerPool
    from .probes import READ_CAP_BYTES, MetricSample, Observation, ProbeContext
    from .runner import (
        CacheMode,
        CheckRunner,
        PreparedCheck,
        make_result,
        run_sync,
        skipped_result,
    )

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

__getattr__ = exports(
    __name__,
    {
        "background": ("BackgroundLoop",),
        "cache": ("ResultCache",),
        "pool": ("WorkerPool",),
        "probes": ("READ_CAP_BYTES", "MetricSample", "Observation", "ProbeContext"),
        "runner": (
            "CacheMode",
            "CheckRunner",
            "PreparedCheck",
            "make_result",
            "run_sync",
            "skipped_result",
        ),
    },
)
