"""Synthetic usage histories: known shapes, valid for backfilling, deterministic."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.formats.openmetrics import check_backfill
from dorgu.formats.usagehistories import (
    DAY,
    PATTERNS,
    SyntheticContainer,
    factors,
    render_history,
)

END = 1_800_000_000.0 - 4 * 3600


def _container(name: str, **kwargs: object) -> SyntheticContainer:
    return SyntheticContainer(
        labels={"namespace": "shop", "pod": f"{name}-0", "container": name},
        cpu_cores=0.5,
        memory_bytes=100 * 2**20,
        **kwargs,  # type: ignore[arg-type]
    )


def _samples(lines: list[str], metric: str) -> list[tuple[float, float]]:
    rows = [line.split() for line in lines if line.startswith(metric)]
    return [(float(t), float(v)) for _, v, t in rows]


def test_history_passes_the_backfill_check_and_ends_before_end() -> None:
    containers = [_container(p, cpu_pattern=p, memory_pattern=p) for p in PATTERNS]

    lines = list(render_history(containers, end=END, days=2, step=300))
    summary = check_backfill(lines, file="h", now=END + 3 * 3600)

    assert summary.series == 2 * len(PATTERNS)
    assert summary.samples == 2 * len(PATTERNS) * (2 * 86400 // 300)
    assert summary.has_eof and lines[-1] == "# EOF\n"
    assert summary.end is not None and END - 300 < summary.end <= END


def test_steady_cpu_counter_grows_by_usage_times_step() -> None:
    lines = list(render_history([_container("api")], end=END, days=1, step=60))

    cpu = _samples(lines, "container_cpu_usage_seconds_total")
    rates = {round((b[1] - a[1]) / (b[0] - a[0]), 6) for a, b in itertools.pairwise(cpu)}
    assert rates == {0.5}
    memory = _samples(lines, "container_memory_working_set_bytes")
    assert {v for _, v in memory} == {100 * 2**20}


def test_labels_are_written_sorted_and_escaped() -> None:
    container = SyntheticContainer(
        labels={"pod": 'we"ird', "container": "c", "namespace": "n"},
        cpu_cores=1,
        memory_bytes=1,
    )

    line = next(
        row for row in render_history([container], end=END, days=1) if row.startswith("container_")
    )

    assert line.startswith(
        'container_cpu_usage_seconds_total{container="c",namespace="n",pod="we\\"ird"} '
    )


def test_patterns_have_their_documented_shapes() -> None:
    times = [index * 60.0 for index in range(int(2 * DAY // 60))]
    rng = random.Random(1)

    def shape(name: str) -> list[float]:
        return factors(name, times=times, start=0.0, period=DAY, rng=rng)

    daily = shape("daily")
    assert min(daily) == pytest.approx(0.25) and max(daily) == pytest.approx(1.75, abs=1e-3)
    assert sum(daily) / len(daily) == pytest.approx(1.0, abs=0.01)
    spiky = shape("spiky")
    assert sum(1 for f in spiky if f == 4.0) / len(spiky) == pytest.approx(0.1, abs=0.01)
    leak = shape("leak")
    assert leak[0] == 1.0 and leak[-1] == pytest.approx(3.0, abs=0.01)
    assert all(b > a for a, b in itertools.pairwise(leak))
    jitter = shape("jitter")
    assert min(jitter) >= 0.5 and max(jitter) < 1.5 and len(set(jitter)) > 100
    bursty = shape("bursty")
    assert set(bursty) - {1.0} and all(f == 1.0 or 3.0 <= f <= 6.0 for f in bursty)
    assert shape("steady") == [1.0] * len(times)


def test_the_same_seed_gives_the_same_bytes() -> None:
    containers = [_container("a", cpu_pattern="jitter", memory_pattern="bursty")]

    first = "".join(render_history(containers, end=END, days=1, seed=7))
    again = "".join(render_history(containers, end=END, days=1, seed=7))
    other = "".join(render_history(containers, end=END, days=1, seed=8))

    assert first == again and first != other


def test_unknown_patterns_and_negative_usage_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown usage pattern 'wavy'"):
        _container("a", cpu_pattern="wavy")
    with pytest.raises(ValueError, match="negative"):
        SyntheticContainer(labels={}, cpu_cores=-1, memory_bytes=0)


@given(
    patterns=st.lists(st.sampled_from(sorted(PATTERNS)), min_size=1, max_size=4),
    step=st.sampled_from([15.0, 60.0, 300.0, 3600.0]),
    days=st.floats(min_value=0.05, max_value=2.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
@settings(max_examples=25, deadline=None)
def test_every_history_is_backfillable(
    patterns: list[str], step: float, days: float, seed: int
) -> None:
    containers = [
        _container(f"c{index}", cpu_pattern=pattern, memory_pattern=pattern)
        for index, pattern in enumerate(patterns)
    ]

    lines = list(render_history(containers, end=END, days=days, step=step, seed=seed))
    summary = check_backfill(lines, file="h", now=END + 3 * 3600)

    assert summary.series == 2 * len(containers)
    assert summary.samples == 2 * len(containers) * int(days * DAY // step)
