"""The ``metrics`` probe: fetch a Prometheus text endpoint and expose every sample.

Every sample the parser yields becomes a ``MetricSample`` under its *sample* name, so histogram
``_bucket``/``_sum``/``_count`` series, summary quantiles and counters' ``_total`` series are
all addressable as ``metric NAME{label="v"}``. Parsing is prometheus-client's job, never ours.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ...errors import ProbeFailure
from ...model import ResolvedCheck
from ...resolve import parse_url
from ..offload import off_loop_if_heavy
from . import READ_CAP_BYTES, MetricSample, Observation, ProbeContext
from .http import origin_of, read_capped, request_failure
from .timing import TraceRecorder

#: Ask for the classic text format, so servers that negotiate do not answer with protobuf.
ACCEPT_TEXT_FORMAT = "text/plain;version=0.0.4;q=1.0, */*;q=0.1"


async def probe(check: ResolvedCheck, context: ProbeContext) -> Observation:
    url, _ = parse_url(check.target, shown=check.display_target)
    client = context.http_client(
        verify_tls=bool(check.params.get("verify_tls", True)), origin=origin_of(url)
    )
    try:
        return await _scrape(check, client, url)
    finally:
        context.release_client(client)


async def _scrape(check: ResolvedCheck, client: httpx.AsyncClient, url: httpx.URL) -> Observation:
    headers = {"Accept": ACCEPT_TEXT_FORMAT, **_string_headers(check.params.get("headers"))}
    trace = TraceRecorder()
    started = time.perf_counter()
    try:
        async with client.stream(
            "GET", url, headers=headers, timeout=check.timeout, extensions={"trace": trace}
        ) as response:
            if not response.is_success:
                raise ProbeFailure(
                    f"metrics endpoint {check.display_target} answered {response.status_code}"
                    f"{_redirect_hint(response)}",
                    value=str(response.status_code),
                )
            body, truncated = await read_capped(response)
    except httpx.TimeoutException as exc:
        raise ProbeFailure(
            f"metrics endpoint {check.display_target} did not answer within {check.timeout:g}s",
            value=f"timed out after {check.timeout:g}s",
        ) from exc
    except httpx.HTTPError as exc:
        # ``from None``: httpx's own exceptions carry the real URL, secrets included.
        raise request_failure(exc, check) from None
    latency = trace.latency(fallback=time.perf_counter() - started)

    text = body.decode("utf-8", errors="replace")
    if truncated:
        # Keep what arrived whole: a line cut in the middle would be a bogus parse error.
        text = text[: text.rfind("\n") + 1]
    # Parsing a large exposition takes a while; keep the event loop free for other checks.
    samples = await off_loop_if_heavy(len(text), parse_samples, text)
    detail = (
        f"the response was cut at {READ_CAP_BYTES // (1024 * 1024)} MiB; "
        "series after that point were not read"
        if truncated
        else ""
    )
    return Observation(
        subjects={"metrics": samples, "series": len(samples), "latency": latency},
        value=f"{len(samples)} series",
        detail=detail,
    )


def parse_samples(text: str) -> list[MetricSample]:
    """Every sample of a Prometheus text exposition, in the order they appear.

    Raises ``ProbeFailure`` naming the offending line when the text is not valid.
    """
    try:
        return [
            MetricSample(name=sample.name, labels=dict(sample.labels), value=float(sample.value))
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]
    except ValueError as exc:
        raise ProbeFailure(
            f"the metrics endpoint did not send Prometheus text format: {exc}"
            f"{_locate_parse_error(text)}",
            value="invalid metrics",
        ) from exc


def _locate_parse_error(text: str) -> str:
    """`` (line N: …)`` for the first line the parser rejects on its own, or ``""``.

    The parser does not report positions; re-parsing single lines (only on this error path)
    finds the culprit for the author without parsing anything by hand.
    """
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            for _ in text_string_to_metric_families(line + "\n"):
                pass
        except ValueError:
            # Whole: the runner masks secrets in the message before it shortens it.
            return f" (line {number}: {line!r})"
    return ""


def _string_headers(headers: Any) -> dict[str, str]:
    if not headers:
        return {}
    return {str(name): str(value) for name, value in dict(headers).items()}


def _redirect_hint(response: httpx.Response) -> str:
    location = response.headers.get("location")
    if response.is_redirect and location:
        return f" (a redirect to {location}; point the check at that URL)"
    return ""
