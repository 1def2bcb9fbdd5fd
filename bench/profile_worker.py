"""The CPU a check worker spends per http check, measured the way the worker runs checks.

``profile_build.py`` sees only the MkDocs process. This runs N http checks through
``run_attempts`` (what ``run/worker.py`` does with each check it is sent: attempt, judge,
mask, then the outcome pickled into its frame) on one asyncio loop, ``--concurrency`` at a
time, against the benchmark's latency target in a child process of its own, so the CPU
counted (``time.process_time``) is the checks' alone. The shape defaults to scenario 7's:
1,000 checks over 50 hosts answering in 50 ms, 32 at a time (``--hosts 1`` for scenario 8's).
A first round warms connections and imports; each further round prints its CPU per check.

    python bench/profile_worker.py                       # CPU ms per check, 3 rounds
    python bench/profile_worker.py --hosts 1 --rounds 5
    python bench/profile_worker.py --profile /tmp/worker.prof --sort tottime --top 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing
import pstats
import statistics
import sys
import time
from multiprocessing.connection import Connection

from target import LatencyTarget

from mkdocs_runbook.model import AssertionSource, CheckSpec, ResolvedCheck
from mkdocs_runbook.resolve import Redactor
from mkdocs_runbook.results import Status
from mkdocs_runbook.run.attempts import run_attempts
from mkdocs_runbook.run.probes import ProbeContext
from mkdocs_runbook.run.wire import CheckDone, frame


def _serve(latency: float, hosts: int, pipe: Connection) -> None:
    """The target, in its own process until the pipe closes."""
    with LatencyTarget(latency, ports=hosts, max_lifetime=3600) as target:
        pipe.send(target.urls)
        with contextlib.suppress(EOFError):
            pipe.recv()  # until this end closes


def _check(number: int, urls: list[str]) -> ResolvedCheck:
    target = f"GET {urls[number % len(urls)]}/readyz?check={number}"
    spec = CheckSpec(
        id=f"c{number}",
        name=f"API ready {number}",
        page="bench.md",
        line=1,
        kind="http",
        target=target,
        expect=[AssertionSource("status == 200", 1)],
    )
    return ResolvedCheck(spec, "http", target, target, params={}, timeout=10.0)


async def _rounds(args: argparse.Namespace, urls: list[str]) -> list[float]:
    context = ProbeContext(per_host=args.concurrency)
    redactor = Redactor()
    slots = asyncio.Semaphore(args.concurrency)

    async def one(number: int) -> None:
        async with slots:
            outcome = await run_attempts(_check(number, urls), context, redactor)
            frame(CheckDone(number, outcome))
            if outcome.status is not Status.PASS:
                raise SystemExit(f"check {number}: {outcome.status.value}: {outcome.message}")

    await asyncio.gather(*(one(n) for n in range(min(args.checks, 100))))  # warm-up
    profile = cProfile.Profile() if args.profile else None
    per_check: list[float] = []
    try:
        for number in range(args.rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            await asyncio.gather(*(one(n) for n in range(args.checks)))
            if profile is not None:
                profile.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            per_check.append(cpu * 1000 / args.checks)
            print(f"round {number + 1}: {wall:.2f} s, CPU {per_check[-1]:.3f} ms per check")
    finally:
        await context.aclose()
    if profile is not None:
        profile.dump_stats(args.profile)
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return per_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="save a cProfile of the rounds here (it slows them)")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    sys.modules["httpx._main"] = None  # type: ignore[assignment]  # as the worker starts
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(args.latency, args.hosts, theirs), daemon=True
    )
    server.start()
    try:
        urls: list[str] = ours.recv()
        per_check = asyncio.run(_rounds(args, urls))
    finally:
        ours.close()
        server.join(10)
    print(f"median CPU per check: {statistics.median(per_check):.3f} ms")


if __name__ == "__main__":
    main()
