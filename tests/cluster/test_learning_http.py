"""HTTP baselines against the metrics testbed's real Prometheus: backfilled request counters
(``http_requests_total{code}``) and a latency histogram, read by the learner's one query per
persona, give the rates, error ratio and latency percentiles computed by hand."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from dorgu.clients.prometheus import PrometheusClient
from dorgu.services.learning import LearnTarget, learn_baselines
from dorgu.services.usage import UsageOptions
from dorgu.services.workloads import workload_of
from tests.cluster import metrics

PODS = ("shop-5d8f7c9b4-abcde", "shop-5d8f7c9b4-fghij")
BUCKETS = ((0.05, 0.5), (0.1, 0.9), (0.5, 1.0), (float("inf"), 1.0))  # le, cumulative share


def _history(namespace: str, *, end: float, hours: int = 8, step: int = 60) -> list[str]:
    times = [end - step * i for i in range(hours * 3600 // step)][::-1]
    lines = ["# TYPE http_requests counter\n"]
    for pod in PODS:
        for code, per_second in (("200", 10.0), ("500", 0.5)):
            labels = f'code="{code}",namespace="{namespace}",pod="{pod}"'
            lines += [f"http_requests_total{{{labels}}} {per_second * step * (i + 1):.1f} {t:.0f}\n"
                      for i, t in enumerate(times)]  # fmt: skip
    lines.append("# TYPE http_request_duration_seconds histogram\n")
    for pod in PODS:
        base = f'namespace="{namespace}",pod="{pod}"'
        for le, share in BUCKETS:
            bound = "+Inf" if le == float("inf") else f"{le:g}"
            lines += [f'http_request_duration_seconds_bucket{{{base},le="{bound}"}} '
                      f"{10.5 * share * step * (i + 1):.2f} {t:.0f}\n" for i, t in enumerate(times)]  # fmt: skip
        lines += [f"http_request_duration_seconds_count{{{base}}} {10.5 * step * (i + 1):.1f} {t:.0f}\n"
                  for i, t in enumerate(times)]  # fmt: skip
    lines.append("# EOF\n")
    return lines


def test_http_baselines_from_request_counters_and_a_latency_histogram(
    testbed_with_metrics: Any,
) -> None:
    bed = testbed_with_metrics
    namespace = f"h-{uuid.uuid4().hex[:8]}"
    end = round(metrics.history_end())
    bed.backfill(_history(namespace, end=end))
    deployment = {"kind": "Deployment", "metadata": {"name": "shop", "namespace": namespace},
                  "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "shop"}]}}}}  # fmt: skip
    target = LearnTarget((namespace, "shop"), (workload_of(deployment),), main="shop")

    async def learn() -> Any:
        client = PrometheusClient(bed.prometheus_url)
        try:
            options = UsageOptions(window_seconds=6 * 3600, end=end - 60, series=True)
            now = datetime.fromtimestamp(end, UTC)
            result = await learn_baselines([target], client=client, options=options,
                                           window="6h", now=now)  # fmt: skip
            return result, client.stats
        finally:
            await client.aclose()

    result, stats = asyncio.run(learn())
    assert not result.http_failed and stats.failed == 0
    learned = result.learned[(namespace, "shop")]
    assert learned.containers == []  # no usage series for these pods
    http = learned.http
    assert http is not None and http.metric == "http_requests_total"
    assert http.request_rate is not None
    assert http.request_rate.avg == pytest.approx(21.0, rel=0.02)  # 2 pods x 10.5/s
    assert http.request_rate.p95 == pytest.approx(21.0, rel=0.02)
    assert http.request_rate.max == pytest.approx(21.0, rel=0.02)
    assert http.error_ratio == pytest.approx(1 / 21, rel=0.02)  # 0.5 of 10.5 per pod
    latency = http.latency_seconds
    assert latency is not None
    assert latency.p50 == pytest.approx(0.05, rel=0.02)  # the top of the first bucket
    assert latency.p95 == pytest.approx(0.3, rel=0.02)  # 0.1 + (0.05 / 0.1) x 0.4
    assert latency.p99 == pytest.approx(0.46, rel=0.02)  # 0.1 + (0.09 / 0.1) x 0.4
    assert stats.sent == 4  # probe, CPU and memory ranges, one HTTP query
