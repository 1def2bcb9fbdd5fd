"""Latency as the transport saw it (SPEC 8 "Measured values are true").

A timestamp taken around our own code (``perf_counter()`` before ``client.send`` and after the
body is read) also measures the time our process took to get back to the check: waiting for
a connection slot, building the request, other checks' work on the same event loop, reading
and decoding the body. The target is only responsible for the time between the request
leaving and the answer arriving, so that is what ``latency`` is for ``http`` and ``metrics``:
from the end of sending the request headers to the end of receiving the response headers, as
httpcore reports them through its ``trace`` request extension, summed over the hops of a
followed redirect. Connecting (and the TLS handshake) is not part of it: a reused connection
and a new one measure alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

#: httpcore's events (``http11.`` or ``http2.`` in front) that open and close a round trip.
REQUEST_SENT = "send_request_headers.complete"
RESPONSE_HEADERS = "receive_response_headers.complete"


def latency_from_events(events: Iterable[tuple[str, float]]) -> float | None:
    """Seconds from each ``…send_request_headers.complete`` to the next
    ``…receive_response_headers.complete``, summed over the request's hops (redirects); ``None``
    when no round trip completed. ``events`` are ``(event name, perf_counter seconds)`` in the
    order they happened."""
    total = 0.0
    completed = False
    sent_at: float | None = None
    for name, moment in events:
        if name.endswith(REQUEST_SENT):
            sent_at = moment
        elif name.endswith(RESPONSE_HEADERS) and sent_at is not None:
            total += moment - sent_at
            completed = True
            sent_at = None
    return total if completed else None


class TraceRecorder:
    """The ``trace`` extension of one httpx request: records when each event happened.

    ``client.build_request(..., extensions={"trace": recorder})``; httpx copies a request's
    extensions to the requests of its redirects, so every hop reports here.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, float]] = []

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        # The moment first: nothing here may add to what it measures.
        self.events.append((name, time.perf_counter()))
        if name.endswith(RESPONSE_HEADERS):
            # Answers that arrive together are handled one after another. Stepping aside here
            # lets the others take their moment before this one reads, decodes and judges.
            await asyncio.sleep(0)

    def latency(self, fallback: float) -> float:
        """The transport's latency, or ``fallback`` (our own timing) when no round trip was
        traced, which only happens when httpcore changes its event names."""
        measured = latency_from_events(self.events)
        return fallback if measured is None else measured
