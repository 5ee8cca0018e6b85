"""Right-sizing strategies and the shared adjustments on hand-computed fixtures."""

from __future__ import annotations

import math

import pytest

from dorgu.learning.rightsizing import (
    STRATEGIES,
    ContainerHistory,
    HpaTarget,
    PodUsage,
    PriceSheet,
    Resources,
    TimeSeries,
    cpu_quantity,
    finish,
    memory_quantity,
    monthly_cost,
    parse_quantity,
    quantile,
)
from dorgu.learning.rightsizing.histograms import CPU_BUCKETS, DecayingHistogram

MI = 1024.0**2


def _history(*pods: PodUsage, **kwargs: object) -> ContainerHistory:
    return ContainerHistory(pods=pods, **kwargs)  # type: ignore[arg-type]


def test_quantile_interpolates_like_prometheus():
    assert quantile([5, 1, 3, 2, 4], 0.95) == pytest.approx(4.8)  # rank 3.8: 4·0.2 + 5·0.8
    assert quantile([7], 0.5) == 7
    assert math.isnan(quantile([], 0.5))


def test_quantities_round_up_to_millicores_and_mebibytes():
    assert cpu_quantity(0.2501) == "251m"
    assert cpu_quantity(2.0) == "2"
    assert memory_quantity(345 * MI - 10) == "345Mi"
    assert memory_quantity(2048 * MI) == "2Gi"
    assert parse_quantity("250m") == 0.25
    assert parse_quantity("1Gi") == 1024 * MI
    assert parse_quantity("junk") is None


def test_krr_simple_takes_the_highest_pod_p95_and_peak_memory_plus_15_percent():
    history = _history(
        PodUsage("a", points=60, cpu_p95=0.2, memory_max=200 * MI),
        PodUsage("b", points=60, cpu_p95=0.35, memory_max=300 * MI),
        current=Resources(cpu_request=1.0, cpu_limit=2.0, memory_request=MI * 512),
    )
    done = finish(STRATEGIES["krr-simple"], history)
    assert done.resources.cpu_request == pytest.approx(0.35)
    assert done.resources.cpu_limit is None  # KRR sets no CPU limit
    assert memory_quantity(done.resources.memory_request) == "345Mi"  # 300 · 1.15
    assert done.resources.memory_limit == done.resources.memory_request
    assert done.points == 120
    assert done.defined == {"cpu", "memory"}


def test_below_100_points_there_is_no_recommendation_and_the_reason_says_why():
    current = Resources(cpu_request=0.5, memory_request=256 * MI)
    history = _history(PodUsage("a", points=99, cpu_p95=0.1, memory_max=MI), current=current)
    done = finish(STRATEGIES["krr-simple"], history)
    assert done.defined == frozenset()
    assert done.resources == current
    assert "not enough data: 99 point(s)" in done.reasons[0]


def test_target_utilization_divides_the_peak_by_70_percent():
    history = _history(PodUsage("a", points=200, cpu_max=0.7, memory_max=700 * MI))
    done = finish(STRATEGIES["target-utilization"], history)
    assert cpu_quantity(done.resources.cpu_request) == "1"
    assert memory_quantity(done.resources.memory_request) == "1000Mi"
    assert done.resources.cpu_limit is None


def test_floors_apply_and_are_explained():
    history = _history(PodUsage("a", points=200, cpu_p95=0.001, memory_max=10 * MI))
    done = finish(STRATEGIES["krr-simple"], history)
    assert cpu_quantity(done.resources.cpu_request) == "10m"
    assert memory_quantity(done.resources.memory_request) == "100Mi"
    assert any("floor of 10m" in r for r in done.reasons)
    assert any("floor of 100Mi" in r for r in done.reasons)


def test_an_oomkilled_container_gets_its_last_limit_plus_100mib_or_20_percent():
    history = _history(
        PodUsage("a", points=200, cpu_p95=0.1, memory_max=100 * MI),
        oom_killed_limit=256 * MI,
    )
    done = finish(STRATEGIES["krr-simple"], history)
    assert memory_quantity(done.resources.memory_request) == "356Mi"  # 256 + 100 > 256 · 1.2
    big = _history(
        PodUsage("a", points=200, cpu_p95=0.1, memory_max=100 * MI), oom_killed_limit=1024 * MI
    )
    assert memory_quantity(finish(STRATEGIES["krr-simple"], big).resources.memory_limit) == (
        "1229Mi"  # 1024 · 1.2 = 1228.8
    )


def test_hpa_on_cpu_utilisation_gets_the_equivalent_target():
    history = _history(
        PodUsage("a", points=200, cpu_p95=0.25, memory_max=100 * MI),
        current=Resources(cpu_request=0.5),
        hpas=(HpaTarget("web", "cpu", 70),),
    )
    done = finish(STRATEGIES["krr-simple"], history)
    assert any("HPA web" in r and "140 %" in r for r in done.reasons)


def test_partial_data_halves_the_confidence():
    pod = PodUsage("a", points=7 * 1440, cpu_p95=0.1, memory_max=100 * MI)
    assert finish(STRATEGIES["krr-simple"], _history(pod)).confidence == 1.0
    partial = finish(STRATEGIES["krr-simple"], _history(pod, partial=True))
    assert partial.confidence == 0.5
    assert any("partial data" in r for r in partial.reasons)


def test_vpa_histogram_answers_the_end_of_the_bucket():
    hist = DecayingHistogram(CPU_BUCKETS)
    hist.add(0.0015, 1.0, 0.0)  # bucket 1: [0.001, 0.00205)
    assert hist.percentile(0.9) == pytest.approx(0.001 * (1.05**2 - 1) / 0.05)


def test_vpa_target_is_p90_bucket_end_plus_15_percent_with_confidence_bounds():
    start = 1_700_000_000.0
    samples = tuple((start + 60 * i, 0.5) for i in range(7 * 1440))
    memory = tuple((start + 60 * i, 300 * MI) for i in range(7 * 1440))
    history = ContainerHistory(
        pods=(PodUsage("a", points=7 * 1440),),
        cpu_series=(TimeSeries("a", samples),),
        memory_series=(TimeSeries("a", memory),),
    )
    done = finish(STRATEGIES["vpa"], history)
    # 0.5 core falls in bucket floor(log(0.5·0.05/0.001 + 1)/log 1.05) = 66; its end is the
    # start of bucket 67: 0.001·(1.05^67 − 1)/0.05.
    end = 0.001 * (1.05**67 - 1) / 0.05
    assert done.resources.cpu_request == pytest.approx(math.ceil(end * 1.15 * 1000) / 1000)
    confidence = (7 * 1440 - 1) / 1440  # span of the samples in days
    low, high = done.bounds["cpu"]
    assert high == pytest.approx(end * 1.15 * (1 + 1 / confidence))
    assert low == pytest.approx(end * 1.15 * (1 + 0.001 / confidence) ** -2)
    # memory: 300 MiB in bucket floor(log(300Mi·0.05/1e7 + 1)/log 1.05)
    bucket = int(math.log(300 * MI * 0.05 / 1e7 + 1, 1.05))
    memory_end = 1e7 * (1.05 ** (bucket + 1) - 1) / 0.05
    assert memory_quantity(done.resources.memory_request) == memory_quantity(memory_end * 1.15)


def test_vpa_weighs_recent_days_more():
    start = 1_700_000_000.0
    old = [(start + 60 * i, 1.0) for i in range(3 * 1440)]
    new = [(start + 3 * 86400 + 60 * i, 0.1) for i in range(4 * 1440)]
    history = ContainerHistory(
        pods=(PodUsage("a", points=7 * 1440),), cpu_series=(TimeSeries("a", (*old, *new)),)
    )
    # unweighted, 3 of 7 days at 1 core would put p90 at 1 core; decayed, old days weigh
    # 2^-4..2^-1 of the new ones and p90 falls to the recent 0.1 core.
    done = finish(STRATEGIES["vpa"], history)
    assert done.resources.cpu_request < 0.2


def test_cost_uses_opencost_default_prices_and_max_of_request_and_usage():
    prices = PriceSheet()
    cost = monthly_cost(cpu=1.0, memory=1024 * MI, pods=1, prices=prices)
    assert cost == pytest.approx((0.031611 + 0.004237) * 730)
    used = monthly_cost(cpu=0.1, memory=0, pods=2, prices=prices, cpu_usage=0.5)
    assert used == pytest.approx(0.5 * 0.031611 * 730 * 2)


def test_vpa_confidence_counts_coarse_samples_for_the_minutes_they_cover():
    start = 1_700_000_000.0
    every_5 = tuple((start + 300 * i, 0.5) for i in range(7 * 288))
    history = ContainerHistory(
        pods=(PodUsage("a", points=7 * 1440),), cpu_series=(TimeSeries("a", every_5),)
    )
    _, high = finish(STRATEGIES["vpa"], history).bounds["cpu"]
    end = 0.001 * (1.05**67 - 1) / 0.05
    confidence = (7 * 288 - 1) * 300 / 86400  # span (7 days less one step) < samples · 5 / 1440
    assert high == pytest.approx(end * 1.15 * (1 + 1 / confidence))


def test_a_steadily_growing_working_set_is_called_out():
    day = 86400.0
    growing = _history(
        PodUsage("a", points=200, cpu_p95=0.1, memory_max=300 * MI, memory_slope=20 * MI / day)
    )
    reasons = finish(STRATEGIES["krr-simple"], growing).reasons
    assert any("grows about 20Mi a day" in r for r in reasons)  # 140 MiB a week > 10 % of 300
    flat = _history(
        PodUsage("a", points=200, cpu_p95=0.1, memory_max=300 * MI, memory_slope=MI / day)
    )
    assert not any("grows" in r for r in finish(STRATEGIES["krr-simple"], flat).reasons)
    start = 1_700_000_000.0
    series = TimeSeries("a", [(start + 3600 * i, 100 * MI + 2 * MI * i) for i in range(48)])
    from_series = ContainerHistory(
        pods=(PodUsage("a", points=200, memory_max=194 * MI),), memory_series=(series,)
    )
    assert any(
        "grows about 48Mi a day" in r for r in finish(STRATEGIES["vpa"], from_series).reasons
    )


def test_pods_replaced_by_rollouts_add_up_to_confidence():
    daily = [PodUsage(f"web-{d}", points=1440, cpu_p95=0.1, memory_max=MI) for d in range(7)]
    assert finish(STRATEGIES["krr-simple"], _history(*daily, copies=1)).confidence == 1.0
    assert finish(STRATEGIES["krr-simple"], _history(*daily, copies=7)).confidence == 0.14
