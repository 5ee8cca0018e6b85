"""HTTP baselines from the common metric conventions.

An app is recognised by the first convention (in ``HTTP_CONVENTIONS`` order) whose request
counter has data for its pods:

| convention     | request counter                               | status label(s)            | latency histogram                      |
|----------------|-----------------------------------------------|----------------------------|----------------------------------------|
| prometheus     | ``http_requests_total``                       | ``code``, ``status``       | ``http_request_duration_seconds``      |
| micrometer     | ``http_server_requests_seconds_count``        | ``status``                 | ``http_server_requests_seconds``       |
| opentelemetry  | ``http_server_request_duration_seconds_count``| ``http_response_status_code`` | ``http_server_request_duration_seconds`` |
| histogram-only | ``http_request_duration_seconds_count``       | ``code``, ``status``       | ``http_request_duration_seconds``      |

An error is a response whose status label matches ``5..`` (``500``-``599``, or ``5xx`` as
some middlewares write it).  The statistics arrive computed server-side, per convention:
``rate_avg`` (requests over the window / window), ``rate_p95`` and ``rate_max`` (of the
5-minute rates), ``errors`` (5xx per second over the window) and ``latency_p50/p95/p99``
(``histogram_quantile`` over the window's buckets).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.models.personas_learned import HttpBaseline, Latency, RequestRate


@dataclass(frozen=True)
class HttpConvention:
    name: str
    counter: str
    status_labels: tuple[str, ...]
    histogram: str | None


HTTP_CONVENTIONS = (
    HttpConvention("prometheus", "http_requests_total", ("code", "status"),
                   "http_request_duration_seconds"),
    HttpConvention("micrometer", "http_server_requests_seconds_count", ("status",),
                   "http_server_requests_seconds"),
    HttpConvention("opentelemetry", "http_server_request_duration_seconds_count",
                   ("http_response_status_code",), "http_server_request_duration_seconds"),
    HttpConvention("histogram-only", "http_request_duration_seconds_count", ("code", "status"),
                   "http_request_duration_seconds"),
)  # fmt: skip

STATS = ("rate_avg", "rate_p95", "rate_max", "errors", "latency_p50", "latency_p95",
         "latency_p99")  # fmt: skip


def significant(value: float, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits (stable bytes in the status)."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _usable(value: float | None) -> float | None:
    return significant(value) if value is not None and math.isfinite(value) and value >= 0 else None


def http_baseline(stats: Mapping[str, Mapping[str, float]]) -> HttpBaseline | None:
    """The baseline from ``{convention: {stat: value}}``; None when no convention has a
    request rate."""
    for convention in HTTP_CONVENTIONS:
        found = stats.get(convention.name) or {}
        average = _usable(found.get("rate_avg"))
        if average is None:
            continue
        p95, peak = _usable(found.get("rate_p95")), _usable(found.get("rate_max"))
        errors = _usable(found.get("errors"))
        raw_avg = found["rate_avg"]
        ratio = min(1.0, (errors or 0.0) / raw_avg) if raw_avg > 0 else None
        latency = Latency(
            p50=_usable(found.get("latency_p50")),
            p95=_usable(found.get("latency_p95")),
            p99=_usable(found.get("latency_p99")),
        )
        return HttpBaseline(
            metric=convention.counter,
            request_rate=RequestRate(
                avg=average,
                p95=p95 if p95 is not None else average,
                max=peak if peak is not None else average,
            ),
            error_ratio=significant(ratio) if ratio is not None else None,
            latency_seconds=latency if latency.p50 is not None else None,
        )
    return None
