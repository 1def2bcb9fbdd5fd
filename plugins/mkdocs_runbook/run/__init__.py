"""``ResolvedCheck`` → ``CheckResult``: the bounded concurrent runner, the worker processes that
run the checks (``pool`` in the front-end, ``worker`` in the process), the result cache, the
background loop and one probe per target kind (``probes/``). A new target kind goes in
``probes/``."""

from __future__ import annotations

from .background import BackgroundLoop
from .cache import ResultCache
from .pool import WorkerPool
from .probes import READ_CAP_BYTES, MetricSample, Observation, ProbeContext
from .runner import CacheMode, CheckRunner, PreparedCheck, make_result, run_sync, skipped_result

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
