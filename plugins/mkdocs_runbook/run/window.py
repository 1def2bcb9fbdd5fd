"""The window of a run: which waiting check may start now under ``concurrency`` and ``per_host``
(SPEC 4, 8).

One rule, kept wherever a run's checks are started: by the check worker itself when it runs
every check of the run, else by the front-end's pool across its workers (``pool``). Checks start
in the order they came, each as soon as both a slot of the run and a slot of its host are free:
a check whose host is full never holds a slot of the run while it waits.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Window(Generic[Item]):
    """Waiting items by host, and how many of the run and of each host are running.

    Each item comes with its number (the order it came in) and its host (what ``per_host``
    counts). Not thread-safe: its owner holds a lock or one event loop."""

    def __init__(self, concurrency: int, per_host: int) -> None:
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, per_host)
        self.running = 0
        self._running_by_host: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, deque[tuple[int, Item]]] = defaultdict(deque)
        # (number of the host's first waiting item, host) for hosts that may have room; checked
        # when taken, so an entry made stale by later events is skipped.
        self._ready: list[tuple[int, str]] = []

    def add(self, number: int, host: str, item: Item) -> None:
        """Queue ``item``; numbers must grow (``put_back`` returns earlier ones)."""
        waiting = self._waiting[host]
        waiting.append((number, item))
        if len(waiting) == 1:
            heapq.heappush(self._ready, (number, host))

    def put_back(self, number: int, host: str, item: Item) -> None:
        """Queue ``item`` again in its place by number (it was taken and never started)."""
        waiting = self._waiting[host]
        place = next((i for i, (n, _) in enumerate(waiting) if n > number), len(waiting))
        waiting.insert(place, (number, item))
        heapq.heappush(self._ready, (waiting[0][0], host))

    def take(self, skip: Callable[[Item], bool] = lambda _: False) -> tuple[str, Item] | None:
        """The next item that may start now, counted as running (its host with it), or
        ``None``. Items ``skip`` names (given up by their waiter) are dropped on the way."""
        while self.running < self.concurrency and self._ready:
            number, host = heapq.heappop(self._ready)
            waiting = self._waiting.get(host)
            if not waiting or waiting[0][0] != number:
                continue  # stale
            if self._running_by_host[host] >= self.per_host:
                continue  # pushed again when one of the host's checks finishes
            _, item = waiting.popleft()
            if waiting:
                heapq.heappush(self._ready, (waiting[0][0], host))
            else:
                del self._waiting[host]
            if skip(item):
                continue
            self.running += 1
            self._running_by_host[host] += 1
            return host, item
        return None

    def done(self, host: str) -> None:
        """An item of ``host`` that ``take`` gave has finished: its slots are free."""
        self.running -= 1
        self._running_by_host[host] -= 1
        waiting = self._waiting.get(host)
        if waiting:
            heapq.heappush(self._ready, (waiting[0][0], host))

    def drain(self) -> list[Item]:
        """Every waiting item, in no particular order; the window is empty afterwards."""
        items = [item for waiting in self._waiting.values() for _, item in waiting]
        self._waiting.clear()
        self._ready.clear()
        return items
