"""Baselines on hand-computed series: pooled percentiles, hourly means, the bounded status,
stale marking, HTTP conventions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dorgu.learning.baselines import (
    container_baseline,
    distribution,
    hourly_means,
    http_baseline,
    learned_state,
    mark_stale,
)
from dorgu.learning.rightsizing import TimeSeries
from dorgu.models.personas_learned import MAX_CONTAINERS, LearnedState, Pattern

MI = 1024**2
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_distribution_interpolates_like_quantile_over_time() -> None:
    found = distribution([float(v) for v in range(1, 11)])  # 1..10
    assert found is not None
    # rank phi*(n-1): 0.5*9 = 4.5 -> between 5 and 6; 0.95*9 = 8.55; 0.99*9 = 8.91
    assert found.p50 == pytest.approx(5.5)
    assert found.p95 == pytest.approx(9.55)
    assert found.p99 == pytest.approx(9.91)
    assert (found.max, found.mean, found.count) == (10.0, 5.5, 10)
    assert distribution([]) is None


def test_hourly_means_group_samples_by_utc_hour_over_days() -> None:
    day = 86400
    samples = [(0.0, 1.0), (day + 60.0, 3.0), (3600 * 5 + 10.0, 7.0)]
    hourly = hourly_means(samples)
    assert len(hourly) == 24
    assert hourly[0] == 2.0  # 1 and 3, on two days
    assert hourly[5] == 7.0
    assert hourly[1] is None


def test_container_baseline_pools_the_pods_and_ignores_junk() -> None:
    cpu = [
        TimeSeries("web-a", [(0, 0.1), (60, 0.2)]),
        TimeSeries("web-b", [(0, 0.3), (60, float("nan"))]),
    ]
    memory = [
        TimeSeries("web-a", [(0, 100 * MI), (60, 300 * MI)]),
        TimeSeries("web-b", [(0, 200 * MI)]),
    ]
    found = container_baseline(kind="Deployment", workload="web", container="app",
                               cpu_series=cpu, memory_series=memory)  # fmt: skip
    assert found is not None
    assert found.pods == 2 and found.cpu.count == 3
    assert found.cpu.max == 0.3 and found.cpu.p50 == pytest.approx(0.2)
    assert found.memory.p99 == pytest.approx((200 + 0.98 * 100) * MI)  # rank 1.98 of 100,200,300
    assert found.cpu_hourly[0] == pytest.approx(0.2)
    assert container_baseline(kind="Deployment", workload="web", container="app",
                              cpu_series=cpu, memory_series=[]) is None  # fmt: skip


def _baseline(workload: str, container: str, memory: float = 300 * MI):  # type: ignore[no-untyped-def]
    return container_baseline(
        kind="Deployment", workload=workload, container=container,
        cpu_series=[TimeSeries("p", [(0, 0.25), (3600, 0.5)])],
        memory_series=[TimeSeries("p", [(0, memory), (3600, memory)])],
    )  # fmt: skip


def test_learned_state_rounds_up_caps_and_keeps_incidents() -> None:
    previous = LearnedState(incident_count=2, patterns=[Pattern(type="t", description="d")])
    many = [_baseline(f"w{i:02d}", "app") for i in range(MAX_CONTAINERS + 3)]
    main = _baseline("web", "web", memory=300.4 * MI)
    state = learned_state([*many, main], http=None, window="7d", now=NOW, main="web",
                          previous=previous)  # fmt: skip
    assert len(state.containers) == MAX_CONTAINERS
    head = state.containers[0]
    assert (head.workload, head.name) == ("web", "web")  # the main workload first
    assert head.memory.p99 == "301Mi"  # rounded up, never below the truth
    assert head.cpu.p50 == "375m" and head.cpu.max == "500m"
    assert head.hourly is not None
    assert head.hourly.cpu_millicores[:2] == [250, 500] and head.hourly.cpu_millicores[2] == -1
    assert state.resource_baseline is not None and state.resource_baseline.peak_memory == "301Mi"
    assert state.incident_count == 2 and state.patterns == previous.patterns
    assert state.points == 2 * (MAX_CONTAINERS + 4) and state.window == "7d"
    assert state.stale is None and state.last_updated == NOW


def test_mark_stale_keeps_the_last_good_values() -> None:
    good = learned_state([_baseline("web", "web")], http=None, window="7d", now=NOW, main="web")
    later = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    stale = mark_stale(good, reason="cannot reach\nPrometheus " + "x" * 400, now=later)
    assert stale.containers == good.containers and stale.last_updated == NOW
    assert stale.stale is True and stale.last_attempt == later
    assert stale.stale_reason is not None and len(stale.stale_reason) == 300
    assert "\n" not in stale.stale_reason
    assert mark_stale(None, reason="down", now=later).containers == []


def test_http_baseline_takes_the_first_convention_with_traffic() -> None:
    stats = {
        "micrometer": {"rate_avg": 10.0, "rate_p95": 20.0, "rate_max": 31.23456, "errors": 0.5,
                       "latency_p50": 0.012, "latency_p95": 0.1, "latency_p99": 0.25},
        "histogram-only": {"rate_avg": 99.0},
    }  # fmt: skip
    found = http_baseline(stats)
    assert found is not None and found.metric == "http_server_requests_seconds_count"
    assert found.request_rate is not None and found.request_rate.max == 31.23
    assert found.error_ratio == 0.05
    assert found.latency_seconds is not None and found.latency_seconds.p99 == 0.25
    assert http_baseline({"prometheus": {"rate_avg": float("nan")}}) is None
    quiet = http_baseline({"prometheus": {"rate_avg": 0.0}})
    assert quiet is not None and quiet.error_ratio is None and quiet.latency_seconds is None
