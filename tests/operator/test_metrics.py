"""The Prometheus text format the operator exposes."""

from __future__ import annotations

from dorgu.operator.metrics import Gauge, Metrics


def test_histogram_counter_and_gauge_render_in_text_format() -> None:
    metrics = Metrics()
    metrics.admission_duration.observe(0.0007, result="allowed", mode="audit")
    metrics.admission_duration.observe(0.3, result="allowed", mode="audit")
    metrics.admission_decisions.inc(result="denied", mode="enforce")
    metrics.add_gauge(Gauge("dorgu_cache_objects", "Objects.", "cache", lambda: {'we"ird\n': 3.0}))

    lines = metrics.render().splitlines()

    assert "# TYPE dorgu_admission_duration_seconds histogram" in lines
    assert (
        'dorgu_admission_duration_seconds_bucket{result="allowed",mode="audit",le="0.0005"} 0'
        in lines
    )
    assert (
        'dorgu_admission_duration_seconds_bucket{result="allowed",mode="audit",le="0.001"} 1'
        in lines
    )
    assert (
        'dorgu_admission_duration_seconds_bucket{result="allowed",mode="audit",le="+Inf"} 2'
        in lines
    )
    assert 'dorgu_admission_duration_seconds_count{result="allowed",mode="audit"} 2' in lines
    assert 'dorgu_admission_decisions_total{result="denied",mode="enforce"} 1' in lines
    assert 'dorgu_cache_objects{cache="we\\"ird\\n"} 3' in lines
    assert all(line.startswith("#") or " " in line for line in lines)


def test_buckets_are_cumulative() -> None:
    metrics = Metrics()
    for value in (0.002, 0.002, 0.02, 5.0):
        metrics.admission_duration.observe(value, result="allowed", mode="warn")
    buckets = [int(line.rsplit(" ", 1)[1]) for line in metrics.render().splitlines()
               if line.startswith("dorgu_admission_duration_seconds_bucket")]  # fmt: skip
    assert buckets == sorted(buckets) and buckets[-1] == 4
