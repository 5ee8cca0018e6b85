"""Properties of right-sizing over arbitrary usage: every finished recommendation respects the
floors, never puts a limit below its request, and an OOMKilled container never gets less than
the bump; the Prometheus reply parser never crashes on junk (only ``PrometheusError``)."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.clients.prometheus import PrometheusError, parse_response
from dorgu.learning.rightsizing import (
    STRATEGIES,
    ContainerHistory,
    PodUsage,
    Resources,
    TimeSeries,
    finish,
)

MI = 1024.0**2
cores = st.floats(min_value=0.0, max_value=64.0, allow_nan=False)
sizes = st.floats(min_value=0.0, max_value=256 * 1024 * MI, allow_nan=False)


@st.composite
def histories(draw: st.DrawFn) -> ContainerHistory:
    pods = []
    cpu_series, memory_series = [], []
    for index in range(draw(st.integers(1, 3))):
        values = draw(st.lists(st.tuples(cores, sizes), min_size=1, max_size=30))
        name = f"p{index}"
        cpu = [c for c, _ in values]
        memory = [m for _, m in values]
        pods.append(PodUsage(name, points=draw(st.integers(0, 5000)), cpu_p95=max(cpu),
                             cpu_max=max(cpu), cpu_mean=min(cpu), memory_max=max(memory),
                             memory_mean=min(memory)))  # fmt: skip
        cpu_series.append(TimeSeries(name, tuple((1e9 + 300 * i, c) for i, c in enumerate(cpu))))
        memory_series.append(
            TimeSeries(name, tuple((1e9 + 300 * i, m) for i, m in enumerate(memory)))
        )
    current = Resources(
        cpu_request=draw(st.none() | cores), cpu_limit=draw(st.none() | cores),
        memory_request=draw(st.none() | sizes), memory_limit=draw(st.none() | sizes),
    )  # fmt: skip
    return ContainerHistory(
        pods=tuple(pods), cpu_series=tuple(cpu_series), memory_series=tuple(memory_series),
        current=current, oom_killed_limit=draw(st.none() | sizes.filter(lambda s: s > 0)),
        partial=draw(st.booleans()),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from(sorted(STRATEGIES)))
def test_finished_recommendations_respect_floors_limits_and_oom(history, name):
    done = finish(STRATEGIES[name], history)
    assert 0.0 <= done.confidence <= 1.0
    r = done.resources
    if "cpu" in done.defined:
        assert r.cpu_request is not None and r.cpu_request >= 0.010
        assert r.cpu_limit is None or r.cpu_limit >= r.cpu_request
    if "memory" in done.defined:
        assert r.memory_request is not None and r.memory_request >= 100 * MI
        assert r.memory_limit is None or r.memory_limit >= r.memory_request
        if history.oom_killed_limit:
            bump = max(history.oom_killed_limit * 1.2, history.oom_killed_limit + 100 * MI)
            assert r.memory_request >= bump - 1
    if not done.defined:
        assert r == history.current


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.integers(100, 599), json_values | st.binary(max_size=64))
def test_the_reply_parser_never_crashes(status, body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with contextlib.suppress(PrometheusError):
        parse_response(status, raw, where="Prometheus at http://x")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["vector", "matrix", "scalar", "string", "bogus"]), json_values)
def test_a_success_envelope_with_any_result_never_crashes(kind, result):
    body = {"status": "success", "data": {"resultType": kind, "result": result}}
    with contextlib.suppress(PrometheusError):
        parse_response(200, json.dumps(body).encode(), where="Prometheus at http://x")
