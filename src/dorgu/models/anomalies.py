"""Anomalies the operator found on a persona's Prometheus series: the typed finding (what the
incident work consumes) and the bounded summary an ``ApplicationPersona`` carries in
``status.anomalies``.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from dorgu.models.personas_base import Timestamp, WireModel


class SeriesMetric(StrEnum):
    """The series the operator watches for each persona (see docs/anomaly.md, "Live")."""

    CPU = "cpu"
    """CPU usage rate of one container, summed over the persona's pods (cores)."""
    MEMORY = "memory"
    """Working set of one container, the largest over the persona's pods (bytes)."""
    RESTARTS = "restarts"
    """Container restarts per scrape step, summed over the pods (kube-state-metrics)."""
    REQUEST_RATE = "request_rate"
    """HTTP requests per second over the pods (``http_requests_total``)."""
    ERROR_RATE = "error_rate"
    """Share of HTTP requests answered 5xx (``http_requests_total{code=~"5.."}``)."""
    LATENCY = "latency"
    """p90 HTTP latency in seconds (``http_request_duration_seconds_bucket``)."""


class PersonaRef(WireModel):
    """The persona whose series it is."""

    namespace: str = Field(description="The persona's namespace.")
    name: str = Field(description="The persona's name.")


class SeriesRef(WireModel):
    """One watched series."""

    metric: SeriesMetric = Field(description="cpu, memory, restarts, request_rate, ...")
    container: str | None = Field(
        None, description="The container, for per-container series (cpu, memory, restarts)."
    )

    @property
    def label(self) -> str:
        return f"{self.metric.value}/{self.container}" if self.container else self.metric.value


class Band(WireModel):
    """The values the series showed just before the anomaly (its 5th to 95th percentile)."""

    low: float = Field(description="Low edge.")
    high: float = Field(description="High edge.")


class AnomalyFinding(WireModel):
    """One anomaly: a window of samples the detector judged out of the series' normal."""

    persona: PersonaRef = Field(description="The persona whose series it is.")
    series: SeriesRef = Field(description="The series.")
    start: Timestamp = Field(description="The first anomalous sample.")
    end: Timestamp | None = Field(
        None, description="The last anomalous sample, once it ended; unset while current."
    )
    expected: Band = Field(description="The band the series kept before the anomaly.")
    observed: float = Field(description="The value at the highest score.")
    score: float = Field(ge=0, le=1, description="The highest score in the window (0-1).")

    @property
    def current(self) -> bool:
        return self.end is None


class AnomalySummary(WireModel):
    """``status.anomalies``: what anomaly detection found, bounded in size."""

    current: list[AnomalyFinding] = Field(
        default_factory=list, description="Anomalies going on now (at most 10)."
    )
    recent: list[AnomalyFinding] = Field(
        default_factory=list, description="The last anomalies that ended, newest first (at most 5)."
    )
    total: int = Field(0, ge=0, description="Anomalies found since detection started.")
    series: int = Field(0, ge=0, description="Series watched.")
    since: Timestamp | None = Field(None, description="When the oldest watched sample was taken.")
