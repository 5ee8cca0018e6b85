"""The Prometheus text format the operator exposes."""

from __future__ import annotations

import json

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


def test_the_worker_admission_series_sum_into_the_operator_and_survive_json() -> None:
    worker, exited, operator = Metrics(), Metrics(), Metrics()
    worker.admission_decisions.inc(result="denied", mode="enforce")
    worker.admission_duration.observe(0.002, result="denied", mode="enforce")
    exited.admission_decisions.inc(2, result="denied", mode="enforce")
    exited.admission_duration.observe(0.3, result="denied", mode="enforce")
    exited.admission_errors.inc()
    states = [json.loads(json.dumps(m.admission_state())) for m in (exited, worker)]

    operator.set_admission_state(*states)

    assert operator.admission_decisions.value(result="denied", mode="enforce") == 3
    assert operator.admission_duration.count(result="denied", mode="enforce") == 2
    assert operator.admission_errors.value() == 1
    lines = operator.render().splitlines()
    assert (
        'dorgu_admission_duration_seconds_bucket{result="denied",mode="enforce",le="0.0025"} 1'
        in lines
    )
    assert (
        'dorgu_admission_duration_seconds_bucket{result="denied",mode="enforce",le="0.5"} 2'
        in lines
    )


def test_a_malformed_worker_state_adds_nothing() -> None:
    operator = Metrics()
    junk: list[dict[str, object]] = [
        {"decisions": "x", "errors": True, "durations": [[1, 2, [0], 3], ["a", "b", "c", 1.0]]},
        {"decisions": [["allowed", "audit"], ["allowed", "audit", "many"]], "errors": None},
        {},
    ]

    operator.set_admission_state(*junk)

    assert operator.admission_decisions.value(result="allowed", mode="audit") == 0
    assert operator.admission_errors.value() == 0
    assert operator.admission_duration.series == {}
