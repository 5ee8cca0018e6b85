"""What the operator learned about a running app (``ApplicationPersona.status.learned``).

Compatible with the existing ``dorgu.io/v1`` fields (``resourceBaseline``, ``incidentCount``,
``lastIncident``, ``patterns``); additions, all optional: ``lastUpdated``, ``window``,
``points``, ``stale``/``staleReason``, ``lastAttempt``, ``containers[]`` (per container CPU and
memory percentiles and a 24-hour profile) and ``http`` (request rate, error ratio, latency).

Bounded in size: at most ``MAX_CONTAINERS`` containers, 24 values per hourly profile, short
strings, so a status stays a few KiB whatever the app.  The fields the admission rules read
(``containers[].workload``, ``.name``, ``.cpu.p95``, ``.memory.p99``, ``.points``) are plain
strings and numbers, so a CEL expression can read them too.

``learned.patterns[].confidence`` is a number now; the strings the old operator wrote
(``"0.92"``) are still read.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from dorgu.models.kubesyntax import Quantity
from dorgu.models.personas_base import Timestamp, WireModel

MAX_CONTAINERS = 10
HOURS = 24
NO_DATA = -1
"""An hour of the daily profile without samples."""


class ResourceBaseline(WireModel):
    """Observed resource use of the main container (the fields of the existing CRD)."""

    avg_cpu: Quantity | None = Field(None, description="Average CPU.")
    avg_memory: Quantity | None = Field(None, description="Average memory.")
    peak_cpu: Quantity | None = Field(None, description="Peak CPU.")
    peak_memory: Quantity | None = Field(None, description="Peak memory.")


def _number(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


class Pattern(WireModel):
    """A behaviour the operator learned."""

    type: str = Field(description="Pattern kind, e.g. daily-peak, memory-leak.")
    description: str = Field(description="What was observed.")
    confidence: Annotated[float | None, BeforeValidator(_number)] = Field(
        None, ge=0, le=1, description="Confidence between 0 and 1."
    )


class UsagePercentiles(WireModel):
    """The distribution of one resource's per-pod usage samples over the window."""

    p50: Quantity = Field(description="Median.")
    p95: Quantity = Field(description="95th percentile.")
    p99: Quantity = Field(description="99th percentile.")
    max: Quantity = Field(description="Largest sample.")
    avg: Quantity = Field(description="Mean.")


class HourlyProfile(WireModel):
    """Mean usage per hour of the day (UTC, index 0 = 00:00-00:59); -1: no samples."""

    cpu_millicores: list[Annotated[int, Field(ge=NO_DATA)]] = Field(
        min_length=HOURS, max_length=HOURS, description="Mean CPU in millicores, 24 values."
    )
    memory_mebibytes: list[Annotated[int, Field(ge=NO_DATA)]] = Field(
        min_length=HOURS, max_length=HOURS, description="Mean working set in MiB, 24 values."
    )


class ContainerBaseline(WireModel):
    """One container of one workload the persona selects."""

    kind: str = Field(max_length=63, description="Workload kind, e.g. Deployment.")
    workload: str = Field(max_length=253, description="Workload name.")
    name: str = Field(max_length=63, description="Container name.")
    points: int = Field(ge=0, description="CPU samples the percentiles come from (all pods).")
    pods: int = Field(ge=0, description="Pods seen over the window.")
    cpu: UsagePercentiles = Field(description="CPU usage (cores) per pod.")
    memory: UsagePercentiles = Field(description="Memory working set per pod.")
    hourly: HourlyProfile | None = Field(None, description="Daily profile by hour.")


class RequestRate(WireModel):
    """Requests per second of the whole app."""

    avg: float = Field(ge=0, description="Mean over the window.")
    p95: float = Field(ge=0, description="95th percentile of the 5-minute rates.")
    max: float = Field(ge=0, description="Highest 5-minute rate.")


class Latency(WireModel):
    """Request duration in seconds over the window (from the histogram's buckets)."""

    p50: float | None = Field(None, ge=0, description="Median.")
    p95: float | None = Field(None, ge=0, description="95th percentile.")
    p99: float | None = Field(None, ge=0, description="99th percentile.")


class HttpBaseline(WireModel):
    """The app's HTTP traffic, when it exposes one of the documented metric conventions."""

    metric: str = Field(max_length=200, description="The request counter the rates come from.")
    request_rate: RequestRate | None = Field(None, description="Requests per second.")
    error_ratio: float | None = Field(
        None, ge=0, le=1, description="Share of 5xx responses over the window."
    )
    latency_seconds: Latency | None = Field(None, description="Latency percentiles.")


class LearnedState(WireModel):
    """What the operator learned over time."""

    resource_baseline: ResourceBaseline | None = Field(None, description="Resource baseline.")
    incident_count: int | None = Field(None, ge=0, description="Incidents seen.")
    last_incident: str | None = Field(None, description="When the last incident happened.")
    patterns: list[Pattern] = Field(default_factory=list, description="Learned patterns.")
    last_updated: Timestamp | None = Field(
        None, description="When the baselines were last learned successfully."
    )
    window: str | None = Field(
        None, max_length=16, description="The history the baselines cover, e.g. 7d."
    )
    points: int | None = Field(None, ge=0, description="CPU samples over every container.")
    stale: bool | None = Field(
        None, description="True when the last attempt failed: these are the last good values."
    )
    stale_reason: str | None = Field(
        None, max_length=300, description="Why the last attempt failed."
    )
    last_attempt: Timestamp | None = Field(None, description="When learning last ran.")
    containers: list[ContainerBaseline] = Field(
        default_factory=list,
        max_length=MAX_CONTAINERS,
        description=f"Per container baselines (at most {MAX_CONTAINERS}).",
    )
    http: HttpBaseline | None = Field(None, description="HTTP traffic baselines.")
