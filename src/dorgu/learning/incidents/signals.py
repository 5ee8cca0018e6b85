"""The typed signals detection produces, and what each one means for an incident.

``SignalKind`` values are the wire names written to ``spec.detection.signal``.  ``ErrImagePull``
and ``ImagePullBackOff`` are one kind (``ImagePullBackOff``): a kubelet alternates between the two
for one problem, and two kinds would split it into two incidents.

Two kinds come from outside Kubernetes: ``Alert`` (an Alertmanager alert, ``alerts``) and
``MetricAnomaly`` (a finding of the anomaly watch, ``anomalies``).  Their category and severity
depend on the alert or the series, so such a signal carries its own ``Meaning`` (``override``);
their ranks come after every Kubernetes kind, so an OOMKill or a crash loop stays the primary
signal and an alert or an anomaly on the same workload is a contributing one.

Must not do I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dorgu.models.incidents import IncidentCategory, IncidentSeverity


class SignalKind(StrEnum):
    OOM_KILLED = "OOMKilled"
    CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
    IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
    UNSCHEDULABLE = "Unschedulable"
    EVICTED = "Evicted"
    PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
    JOB_FAILED = "JobFailed"
    LIVENESS_PROBE_FAILED = "LivenessProbeFailed"
    READINESS_PROBE_FAILED = "ReadinessProbeFailed"
    CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"
    NODE_NOT_READY = "NodeNotReady"
    ALERT = "Alert"
    METRIC_ANOMALY = "MetricAnomaly"


@dataclass(frozen=True)
class Meaning:
    category: IncidentCategory
    severity: IncidentSeverity
    rank: int
    """Lower is more specific: the primary signal of a group is the one with the lowest rank
    (an OOMKill explains the crash loop it causes, not the other way round)."""


_C = IncidentCategory
_S = IncidentSeverity
MEANINGS: dict[SignalKind, Meaning] = {
    SignalKind.OOM_KILLED: Meaning(_C.RESOURCE, _S.CRITICAL, 0),
    SignalKind.CREATE_CONTAINER_CONFIG_ERROR: Meaning(_C.DEPLOYMENT, _S.CRITICAL, 1),
    SignalKind.IMAGE_PULL_BACK_OFF: Meaning(_C.DEPLOYMENT, _S.CRITICAL, 2),
    SignalKind.UNSCHEDULABLE: Meaning(_C.SCALING, _S.WARNING, 3),
    SignalKind.EVICTED: Meaning(_C.RESOURCE, _S.WARNING, 4),
    SignalKind.PROGRESS_DEADLINE_EXCEEDED: Meaning(_C.DEPLOYMENT, _S.CRITICAL, 5),
    SignalKind.JOB_FAILED: Meaning(_C.HEALTH, _S.WARNING, 6),
    SignalKind.LIVENESS_PROBE_FAILED: Meaning(_C.HEALTH, _S.WARNING, 7),
    SignalKind.READINESS_PROBE_FAILED: Meaning(_C.HEALTH, _S.WARNING, 8),
    SignalKind.CRASH_LOOP_BACK_OFF: Meaning(_C.HEALTH, _S.CRITICAL, 9),
    SignalKind.NODE_NOT_READY: Meaning(_C.NODE, _S.CRITICAL, 10),
    # Defaults; a signal of these kinds normally carries its own ``override``.
    SignalKind.ALERT: Meaning(_C.HEALTH, _S.WARNING, 21),
    SignalKind.METRIC_ANOMALY: Meaning(_C.HEALTH, _S.WARNING, 30),
}
ALERT_RANKS = {_S.CRITICAL: 20, _S.WARNING: 21, _S.INFO: 22}
"""A critical alert explains more than a warning one; every alert ranks before an anomaly."""

SOURCES: dict[SignalKind, str] = {
    SignalKind.ALERT: "alertmanager",
    SignalKind.METRIC_ANOMALY: "anomaly",
}
"""``spec.detection.source`` of an incident whose primary signal is of this kind (else
``kubernetes``)."""


def source_of(kind: SignalKind) -> str:
    return SOURCES.get(kind, "kubernetes")


@dataclass(frozen=True, order=True)
class ObjectRef:
    """A Kubernetes object by kind, namespace (``""`` when cluster-scoped) and name."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Signal:
    """One observation of a failure.

    ``resource`` is the object observed (a Pod, Node, Deployment or Job); ``workload`` the object
    the incident is about (the Deployment owning the Pod, the CronJob owning the Job, the Node).
    ``token`` distinguishes sightings of the same kind on the same resource (a restart count, a
    condition's transition time): seeing an unchanged object again yields the same token, so an
    informer resync never counts as a new occurrence.  ``reason``/``message`` are kept as
    evidence and never enter the fingerprint.
    """

    kind: SignalKind
    resource: ObjectRef
    workload: ObjectRef
    token: str
    at: datetime | None = None
    container: str | None = None
    reason: str | None = None
    message: str | None = None
    labels: tuple[tuple[str, str], ...] = field(default=())
    """The workload's labels (sorted pairs), for attribution to a persona."""
    ongoing: bool = True
    """Whether the object's current state shows the failure (a waiting reason, a condition);
    ``False`` for a record of something past (a ``lastState`` termination, an Event, an evicted
    Pod, a failed Job), which correlation ignores once it is older than the window.

    Inputs from outside Kubernetes say that a signal is gone by sending it again with the same
    ``kind``, ``resource`` and ``token`` and ``ongoing=False`` (a resolved alert, an anomaly
    that ended); its ``at`` is then when it ended."""
    override: Meaning | None = None
    """This signal's own category, severity and rank (alerts, anomalies); else ``MEANINGS``."""

    @property
    def meaning(self) -> Meaning:
        return self.override or MEANINGS[self.kind]
