"""The one rule for which waiting check starts next (``run.window``), as plain data: order of
arrival, ``concurrency``, ``per_host``, checks put back after their worker died, and checks
whose waiter gave up. The processes that use it are tested in test_workers.py."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mkdocs_runbook.run.window import Window


def _take_all(window: Window[str]) -> list[str]:
    taken = []
    while (next_one := window.take()) is not None:
        taken.append(next_one[1])
    return taken


def test_checks_start_in_the_order_they_came_within_the_bounds() -> None:
    window: Window[str] = Window(concurrency=3, per_host=2)
    for number, (host, name) in enumerate(
        [("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1"), ("c", "c1")]
    ):
        window.add(number, host, name)
    assert _take_all(window) == ["a1", "a2", "b1"]  # a3 waits for a; c1 for the run
    window.done("a")
    assert _take_all(window) == ["a3"]
    window.done("b")
    assert _take_all(window) == ["c1"]
    assert window.running == 3


def test_a_full_host_lets_later_hosts_start() -> None:
    window: Window[str] = Window(concurrency=4, per_host=1)
    for number, host in enumerate("aaab"):
        window.add(number, host, f"{host}{number}")
    assert _take_all(window) == ["a0", "b3"]


def test_a_check_put_back_starts_before_later_ones_of_its_host() -> None:
    window: Window[str] = Window(concurrency=1, per_host=1)
    for number in range(3):
        window.add(number, "a", f"a{number}")
    assert _take_all(window) == ["a0"]
    window.done("a")  # its worker died before it started it
    window.put_back(0, "a", "a0")
    assert _take_all(window) == ["a0"]


def test_given_up_checks_are_dropped_and_hold_no_slot() -> None:
    window: Window[str] = Window(concurrency=1, per_host=1)
    window.add(0, "a", "gone")
    window.add(1, "a", "kept")
    assert window.take(skip=lambda name: name == "gone") == ("a", "kept")
    assert window.drain() == []


@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.booleans()), max_size=40),
    st.integers(1, 5),
    st.integers(1, 3),
)
def test_bounds_hold_and_every_check_starts_once(
    arrivals: list[tuple[str, bool]], concurrency: int, per_host: int
) -> None:
    """Checks arrive, and whenever one finishes (``finish`` after its arrival) the oldest
    running one ends: the bounds are never passed and each check starts exactly once."""
    window: Window[int] = Window(concurrency, per_host)
    running: list[tuple[str, int]] = []
    started: list[int] = []

    def start_what_fits() -> None:
        while (taken := window.take()) is not None:
            running.append(taken)
            started.append(taken[1])
            assert len(running) <= concurrency
            hosts = [host for host, _ in running]
            assert all(hosts.count(host) <= per_host for host in hosts)

    for number, (host, finish) in enumerate(arrivals):
        window.add(number, host, number)
        start_what_fits()
        if finish and running:
            window.done(running.pop(0)[0])
            start_what_fits()
    while running:
        window.done(running.pop(0)[0])
        start_what_fits()
    assert sorted(started) == list(range(len(arrivals)))
    by_host: dict[str, list[int]] = {}
    for number in started:
        by_host.setdefault(arrivals[number][0], []).append(number)
    assert all(numbers == sorted(numbers) for numbers in by_host.values())
