"""CPU-heavy steps of a check (decoding a body, parsing JSON or metrics, judging assertions)
run on worker threads, so a large or hostile answer never stalls the event loop that times
every other check (SPEC 8; DESIGN: a busy loop would leak into measured latencies).

A dedicated pool rather than asyncio's default executor: that one also runs ``getaddrinfo``
for every connection, which must not queue behind a long parse.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

_Parameters = ParamSpec("_Parameters")
_Result = TypeVar("_Result")

#: Below this many bytes or items of input, a step runs on the loop: a hop to a thread costs
#: more than the step, and on a busy machine every thread is one more contender for the GIL.
HEAVY_INPUT = 64 * 1024

_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's pool: a forked worker process must not inherit its parent's, whose
    threads do not exist in the child."""
    pool = _pools.get(os.getpid())
    if pool is None:
        pool = _pools[os.getpid()] = ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="runbook-cpu"
        )
    return pool


async def off_loop(
    function: Callable[_Parameters, _Result],
    *args: _Parameters.args,
    **kwargs: _Parameters.kwargs,
) -> _Result:
    """``function(*args, **kwargs)`` on a worker thread, awaited from the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), functools.partial(function, *args, **kwargs))


async def off_loop_if_heavy(
    size: int,
    function: Callable[_Parameters, _Result],
    *args: _Parameters.args,
    **kwargs: _Parameters.kwargs,
) -> _Result:
    """``function(*args, **kwargs)``: on a worker thread when its input (``size`` bytes or
    items) is large enough to stall the loop, right here otherwise."""
    if size < HEAVY_INPUT:
        return function(*args, **kwargs)
    return await off_loop(function, *args, **kwargs)
