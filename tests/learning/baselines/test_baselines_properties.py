"""Properties of baselines on arbitrary samples: percentiles are ordered and within the
samples, the status they make always validates (rounded-up quantities, 24-hour profiles) and
stays bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.learning.baselines import container_baseline, distribution, learned_state
from dorgu.learning.rightsizing import TimeSeries, parse_quantity
from dorgu.models.personas_base import dump_wire
from dorgu.models.personas_learned import MAX_CONTAINERS, LearnedState

VALUES = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
BYTES = st.integers(min_value=0, max_value=10**12).map(float)  # working sets are whole bytes
SAMPLES = st.lists(st.tuples(st.floats(min_value=0, max_value=4e9), BYTES), min_size=1,
                   max_size=60)  # fmt: skip


@given(st.lists(VALUES, min_size=1, max_size=200))
def test_percentiles_are_ordered_and_within_the_samples(values: list[float]) -> None:
    found = distribution(values)
    assert found is not None
    assert min(values) <= found.p50 <= found.p95 <= found.p99 <= found.max == max(values)
    assert min(values) <= found.mean * (1 + 1e-9) and found.mean <= max(values) * (1 + 1e-9)


@settings(max_examples=50)
@given(st.lists(st.tuples(SAMPLES, SAMPLES), min_size=1, max_size=MAX_CONTAINERS + 3))
def test_the_status_always_validates_and_stays_bounded(containers: list) -> None:  # type: ignore[type-arg]
    baselines = [
        container_baseline(kind="Deployment", workload=f"w{i}", container="app",
                           cpu_series=[TimeSeries("p", [(t, v / 1e9) for t, v in cpu])],
                           memory_series=[TimeSeries("p", mem)])
        for i, (cpu, mem) in enumerate(containers)
    ]  # fmt: skip
    found = [b for b in baselines if b is not None]
    state = learned_state(found, http=None, window="7d", now=datetime.now(UTC))
    wire = dump_wire(state)
    again = LearnedState.model_validate(wire)
    assert len(again.containers) == min(len(found), MAX_CONTAINERS)
    sources = {b.workload: b for b in found}
    for entry in again.containers:
        assert entry.hourly is not None and len(entry.hourly.cpu_millicores) == 24
        p99 = parse_quantity(entry.memory.p99)
        assert p99 is not None and p99 >= sources[entry.workload].memory.p99  # rounded up
    assert len(json.dumps(wire)) < 8000
