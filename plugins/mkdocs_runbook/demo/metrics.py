"""The demo's ``/metrics``: request instrumentation plus gauges read from the simulated stack.

A private registry per service keeps two demo services in one process (tests, site builds)
from sharing or clashing over series.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .state import COMPONENTS, QUEUE_NAMES, WORKERS_TOTAL, ComponentHealth, Health, QueueSimulation

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
DB_POOL_SIZE = 20


class DemoMetrics:
    """Every series the demo exposes: request instrumentation, updated as requests finish,
    and the state of the stack, read from it at each scrape."""

    def __init__(
        self,
        health: ComponentHealth,
        queues: QueueSimulation,
        *,
        version: str,
        rng: random.Random | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        Info("demo_build", "Version of the demo service.", registry=self.registry).info(
            {"version": version}
        )
        self.registry.register(_StackCollector(health, queues, rng or random.Random()))
        self._requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route and status code.",
            ["method", "path", "code"],
            registry=self.registry,
        )
        self._request_duration = Histogram(
            "http_request_duration_seconds",
            "Time spent answering HTTP requests, by route.",
            ["path"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, code: int, seconds: float) -> None:
        self._requests.labels(method=method, path=route, code=str(code)).inc()
        self._request_duration.labels(path=route).observe(seconds)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


class _StackCollector:
    """Queues, workers, database pool, cache and components, as they are at scrape time."""

    def __init__(
        self, health: ComponentHealth, queues: QueueSimulation, rng: random.Random
    ) -> None:
        self._health = health
        self._queues = queues
        self._rng = rng
        self._started = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        health = self._health.snapshot()
        queues = self._queues.snapshot()
        db_up = health["db"] is not Health.DOWN
        cache_up = health["cache"] is not Health.DOWN

        component_up = GaugeMetricFamily(
            "component_up",
            "1 while a component answers (degraded counts as up), 0 when it is down.",
            labels=["component"],
        )
        for component in COMPONENTS:
            component_up.add_metric([component], 0 if health[component] is Health.DOWN else 1)
        yield component_up

        yield _per_queue(GaugeMetricFamily, "queue_depth", "Jobs waiting, by queue.", queues.depth)
        yield _per_queue(
            GaugeMetricFamily,
            "dead_letter_jobs",
            "Jobs that failed for good and wait for a replay, by queue.",
            queues.dead_letter,
        )
        yield _per_queue(
            CounterMetricFamily,
            "jobs_processed",
            "Jobs the workers finished, by queue.",
            queues.processed,
        )
        yield GaugeMetricFamily("workers_busy", "Workers running a job.", queues.workers_busy)
        yield GaugeMetricFamily("workers_total", "Workers started.", WORKERS_TOTAL)
        yield GaugeMetricFamily(
            "scheduler_running",
            "1 while the job scheduler runs, 0 while it is paused.",
            1 if queues.scheduler_running else 0,
        )
        yield GaugeMetricFamily(
            "db_connections_in_use",
            "Database pool connections checked out.",
            self._rng.randint(2, 12) if db_up else 0,
        )
        yield GaugeMetricFamily("db_connections_max", "Database pool size.", DB_POOL_SIZE)
        yield GaugeMetricFamily(
            "cache_hit_ratio",
            "Share of cache lookups that hit, 0 to 1.",
            round(self._rng.uniform(0.91, 0.97), 3) if cache_up else 0,
        )
        yield GaugeMetricFamily(
            "demo_uptime_seconds",
            "Seconds since the demo started.",
            round(time.monotonic() - self._started, 3),
        )


def _per_queue(
    family: type[GaugeMetricFamily] | type[CounterMetricFamily],
    name: str,
    documentation: str,
    values: dict[str, int],
) -> Metric:
    metric = family(name, documentation, labels=["queue"])
    for queue in QUEUE_NAMES:
        metric.add_metric([queue], values[queue])
    return metric
