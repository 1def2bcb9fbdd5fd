"""A bound on an awaited step, without a task of its own where Python allows it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

_Result = TypeVar("_Result")


async def within(seconds: float | None, work: Coroutine[Any, Any, _Result]) -> _Result:
    """``work``, cancelled after ``seconds`` with ``TimeoutError`` (``None``: unbounded).

    From Python 3.11 it runs in the calling task: ``wait_for`` runs it as a task of its own,
    which costs an http check more CPU than judging it (the check worker's loop times every
    other check)."""
    if seconds is None:
        return await work
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await work
    return await asyncio.wait_for(work, timeout=seconds)
