"""What the demo stack is doing: the health of its components and its job queues.

Everything the endpoints report is read from here, so a component broken through one door
(``POST /admin/break/db``, ``--break db``, ``DemoService.break_component``) shows the same
way through every other (``/readyz``, ``/api/health``, ``/metrics``, the database port).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Health(str, Enum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"

    def __str__(self) -> str:
        return self.value


#: The stack's components, and how each is after a start without ``--break``. Search starts
#: degraded so that a fresh demo already shows a check that warns.
INITIAL_HEALTH: dict[str, Health] = {
    "db": Health.OK,
    "cache": Health.OK,
    "queue": Health.OK,
    "search": Health.DEGRADED,
}
COMPONENTS = tuple(INITIAL_HEALTH)

#: Simulated round-trip to each component in milliseconds, by health (down means no answer).
COMPONENT_LATENCY_MS: dict[str, dict[Health, int]] = {
    "db": {Health.OK: 3, Health.DEGRADED: 420},
    "cache": {Health.OK: 1, Health.DEGRADED: 95},
    "queue": {Health.OK: 4, Health.DEGRADED: 310},
    "search": {Health.OK: 38, Health.DEGRADED: 850},
}

HealthListener = Callable[[str, Health], None]


class UnknownComponentError(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown component {self.name!r}; the demo has: {', '.join(COMPONENTS)}"


class ComponentHealth:
    """The health of every component, safe to read and change from any thread.

    Listeners run synchronously on every change, before ``set`` returns: when breaking the
    database returns, its port already refuses connections.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Changes, listeners included, happen one at a time, so listeners see them in order.
        self._change_lock = threading.Lock()
        self._health = dict(INITIAL_HEALTH)
        self._listeners: list[HealthListener] = []

    def subscribe(self, listener: HealthListener) -> None:
        self._listeners.append(listener)

    def get(self, name: str) -> Health:
        with self._lock:
            if name not in self._health:
                raise UnknownComponentError(name)
            return self._health[name]

    def snapshot(self) -> dict[str, Health]:
        with self._lock:
            return dict(self._health)

    def set(self, name: str, health: Health) -> None:
        with self._change_lock:
            with self._lock:
                if name not in self._health:
                    raise UnknownComponentError(name)
                self._health[name] = health
            for listener in self._listeners:
                listener(name, health)

    def is_up(self, name: str) -> bool:
        return self.get(name) is not Health.DOWN


QUEUE_NAMES = ("emails", "webhooks", "billing")
WORKERS_TOTAL = 8
#: The simulation advances in steps of this many seconds, whenever someone looks at it.
TICK_SECONDS = 1.0
#: Catching up after a long quiet spell is capped, so one request never loops for long.
MAX_TICKS_PER_ADVANCE = 600
#: Jobs the workers get through per tick when there is a backlog: a healed queue drains in
#: seconds, so the demo shows checks turning green without a long wait.
DRAIN_PER_TICK = 2500
#: Where a queue jumps to the moment its workers stall, so a broken queue is obvious at once.
STALLED_BACKLOG: dict[str, int] = {"emails": 1200, "webhooks": 4800, "billing": 310}


@dataclass(frozen=True)
class QueueSnapshot:
    depth: dict[str, int]
    dead_letter: dict[str, int]
    processed: dict[str, int]
    workers_busy: int
    scheduler_running: bool
    scheduler_last_run: float  # time.time() of the last scheduler pass


class QueueSimulation:
    """Jobs arriving on three queues and eight workers draining them.

    Healthy, arrivals are a little below what the workers manage: queues hover near zero and
    drain. With the queue component down the workers are stuck, the scheduler pauses, depths
    climb by hundreds a second and failed jobs pile up in the dead-letter queues.
    """

    def __init__(
        self,
        health: ComponentHealth,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rng = rng or random.Random()
        self._clock = clock
        self._lock = threading.Lock()
        self._depth = dict.fromkeys(QUEUE_NAMES, 0)
        self._dead_letter = dict.fromkeys(QUEUE_NAMES, 0)
        self._processed = dict.fromkeys(QUEUE_NAMES, 0)
        self._workers_busy = 0
        self._last_tick = clock()
        self._scheduler_last_run = time.time()
        self._stalled = not health.is_up("queue")
        health.subscribe(self._on_health_change)

    def snapshot(self) -> QueueSnapshot:
        with self._lock:
            self._advance(self._clock())
            return QueueSnapshot(
                depth=dict(self._depth),
                dead_letter=dict(self._dead_letter),
                processed=dict(self._processed),
                workers_busy=WORKERS_TOTAL if self._stalled else self._workers_busy,
                scheduler_running=not self._stalled,
                scheduler_last_run=self._scheduler_last_run,
            )

    def _on_health_change(self, name: str, health: Health) -> None:
        if name != "queue":
            return
        with self._lock:
            self._advance(self._clock())  # the time until now passed in the old state
            self._stalled = health is Health.DOWN
            if self._stalled:
                for queue, backlog in STALLED_BACKLOG.items():
                    self._depth[queue] = max(self._depth[queue], backlog)
            elif health is Health.OK:
                # Healing stands for the on-call's whole fix, replaying the dead letters too.
                self._dead_letter = dict.fromkeys(QUEUE_NAMES, 0)

    def _advance(self, now: float) -> None:
        ticks = int((now - self._last_tick) / TICK_SECONDS)
        if ticks <= 0:
            return
        self._last_tick += ticks * TICK_SECONDS
        for _ in range(min(ticks, MAX_TICKS_PER_ADVANCE)):
            if self._stalled:
                self._tick_stalled()
            else:
                self._tick_healthy()
        if not self._stalled:
            self._scheduler_last_run = time.time()

    def _tick_healthy(self) -> None:
        capacity = DRAIN_PER_TICK
        done_this_tick = 0
        for queue in QUEUE_NAMES:
            done = min(self._depth[queue], capacity)
            capacity -= done
            done_this_tick += done
            self._processed[queue] += done
            # What arrives after the workers took their batch waits for the next tick.
            self._depth[queue] += self._rng.randint(0, 3) - done
        self._workers_busy = min(WORKERS_TOTAL, done_this_tick)

    def _tick_stalled(self) -> None:
        for queue in QUEUE_NAMES:
            self._depth[queue] += self._rng.randint(40, 160)
            self._dead_letter[queue] += self._rng.randint(0, 3)
