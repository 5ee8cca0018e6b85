"""Anomaly findings (``dorgu.models.anomalies``) -> ``MetricAnomaly`` signals.

A finding is about a persona's series, summed (or maxed) over the pods of the workloads the
persona selects; it cannot be pinned to one of them, so ``anomaly_signals`` gives one signal
per workload passed in (a persona normally selects one).  On a workload with an OOMKill or a
crash loop the anomaly then joins that incident as a contributing signal.

Identity: the token is the series (``latency``, ``memory/app``) and the finding's start, so a
finding that grows (a later sample, a higher score) is the same sighting; a finding that ended
is the same signal with ``ongoing=False`` at its end.  The category follows the metric (memory
and cpu: resource; request rate: scaling; restarts, errors, latency: health); the severity is
``warning`` (``info`` for a request-rate change, which is not a failure by itself).

Must not do I/O or read the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC

from dorgu.learning.incidents.signals import Meaning, ObjectRef, Signal, SignalKind
from dorgu.models.anomalies import AnomalyFinding, SeriesMetric
from dorgu.models.incidents import MAX_DETAIL, MAX_SHORT, IncidentCategory, IncidentSeverity

_C, _S = IncidentCategory, IncidentSeverity
RANK = 30
MEANINGS: dict[SeriesMetric, Meaning] = {
    SeriesMetric.MEMORY: Meaning(_C.RESOURCE, _S.WARNING, RANK),
    SeriesMetric.CPU: Meaning(_C.RESOURCE, _S.WARNING, RANK),
    SeriesMetric.RESTARTS: Meaning(_C.HEALTH, _S.WARNING, RANK),
    SeriesMetric.ERROR_RATE: Meaning(_C.HEALTH, _S.WARNING, RANK),
    SeriesMetric.LATENCY: Meaning(_C.HEALTH, _S.WARNING, RANK),
    SeriesMetric.REQUEST_RATE: Meaning(_C.SCALING, _S.INFO, RANK + 1),
}
_UNITS = {SeriesMetric.CPU: " cores", SeriesMetric.MEMORY: " bytes", SeriesMetric.LATENCY: " s"}


def anomaly_signals(
    finding: AnomalyFinding,
    *,
    workloads: Sequence[tuple[ObjectRef, Mapping[str, str]]],
) -> list[Signal]:
    """One signal per ``(workload, its labels)`` of the finding's persona."""
    series = finding.series
    ended = finding.end
    token = f"{series.label}@{finding.start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return [
        Signal(
            SignalKind.METRIC_ANOMALY,
            workload,
            workload,
            token,
            at=(finding.start if ended is None else ended).astimezone(UTC),
            container=series.container,
            reason=_short(series.label, MAX_SHORT),
            message=_short(describe(finding), MAX_DETAIL),
            labels=tuple(sorted(labels.items())),
            ongoing=ended is None,
            override=MEANINGS[series.metric],
        )
        for workload, labels in sorted(workloads, key=lambda pair: pair[0])
    ]


def describe(finding: AnomalyFinding) -> str:
    """``latency 0.84 s outside 0.1-0.2 s (score 0.97)``: numbers only, no free text."""
    unit = _UNITS.get(finding.series.metric, "")
    band = finding.expected
    return (
        f"{finding.series.label} {_number(finding.observed)}{unit} outside "
        f"{_number(band.low)}-{_number(band.high)}{unit} (score {finding.score:.2f})"
    )


def _number(value: float) -> str:
    return f"{value:.4g}"


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
