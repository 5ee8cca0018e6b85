"""Kubernetes objects -> signals.  Each ``detect_*`` takes one object dict as an informer holds
it and returns the failures it shows; ``detect`` dispatches on ``kind``.

What is read (all from status the kubelet and controllers write; nothing is polled):
- Pod: container and init-container ``state``/``lastState`` (OOMKilled, CrashLoopBackOff,
  ErrImagePull/ImagePullBackOff, CreateContainerConfigError), ``PodScheduled=False`` with reason
  ``Unschedulable``, ``phase=Failed`` with reason ``Evicted``, and - when ``now`` is given - a
  Running pod whose containers run but stay not Ready for longer than ``not_ready_grace``;
- Event (``reason=Unhealthy`` on a Pod): liveness, startup and readiness probe failures;
  ``reason=Evicted``;
- Deployment: ``Progressing=False`` with reason ``ProgressDeadlineExceeded``;
- Job: ``Failed=True``;
- Node: ``Ready`` not ``True``.

Must not do I/O or read the clock.  Junk never raises: what is not understood is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from dorgu.learning.incidents.messages import clean_message
from dorgu.learning.incidents.reading import (
    Obj,
    condition,
    integer,
    labels,
    mapping,
    mappings,
    text,
    timestamp,
)
from dorgu.learning.incidents.signals import ObjectRef, Signal, SignalKind
from dorgu.learning.incidents.workloads import ref_of, workload_of, workload_of_pod
from dorgu.models.incidents import MAX_DETAIL

NOT_READY_GRACE = timedelta(minutes=2)
_IMAGE_PULL = frozenset({"ErrImagePull", "ImagePullBackOff"})
_PROBES = {
    "Liveness probe failed": SignalKind.LIVENESS_PROBE_FAILED,
    "Startup probe failed": SignalKind.LIVENESS_PROBE_FAILED,
    "Readiness probe failed": SignalKind.READINESS_PROBE_FAILED,
}

Owners = Mapping[ObjectRef, Obj]


def _short(message: str | None) -> str | None:
    """A message as evidence: redacted (secrets never enter a signal), then truncated."""
    return clean_message(message, limit=MAX_DETAIL)


def _pairs(found: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(found.items()))


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def detect_pod(
    pod: Obj,
    *,
    owners: Owners | None = None,
    now: datetime | None = None,
    not_ready_grace: timedelta = NOT_READY_GRACE,
) -> list[Signal]:
    """The failures a Pod's status shows."""
    resource = ref_of(pod, kind="Pod")
    owner = workload_of(pod, kind="Pod", owners=owners)
    if resource is None or owner is None:
        return []
    workload, workload_labels = owner
    found: list[Signal] = []

    def add(
        kind: SignalKind,
        token: str,
        *,
        at: datetime | None = None,
        container: str | None = None,
        reason: str | None = None,
        message: str | None = None,
        ongoing: bool = True,
    ) -> None:
        found.append(
            Signal(
                kind,
                resource,
                workload,
                token,
                at=at,
                container=container,
                reason=reason,
                message=message,
                labels=_pairs(workload_labels),
                ongoing=ongoing,
            )
        )

    status = mapping(pod, "status")
    containers = mappings(status, "initContainerStatuses") + mappings(status, "containerStatuses")
    for container in containers:
        name = text(container, "name") or "?"
        restarts = integer(container, "restartCount") or 0
        state, last = mapping(container, "state"), mapping(container, "lastState")
        waiting = mapping(state, "waiting")
        terminated = mapping(state, "terminated") or mapping(last, "terminated")
        if text(terminated, "reason") == "OOMKilled":
            finished = timestamp(terminated, "finishedAt")
            token = f"{name}@{_stamp(finished)}" if finished else f"{name}#{restarts}"
            add(
                SignalKind.OOM_KILLED,
                token,
                at=finished,
                container=name,
                reason="OOMKilled",
                ongoing=False,
                message=_short(f"container {name} was OOM-killed (restarts: {restarts})"),
            )
        reason = text(waiting, "reason")
        if reason == "CrashLoopBackOff":
            add(
                SignalKind.CRASH_LOOP_BACK_OFF,
                f"{name}#{restarts}",
                at=timestamp(mapping(last, "terminated"), "finishedAt"),
                container=name,
                reason=reason,
                message=_short(text(waiting, "message")),
            )
        elif reason in _IMAGE_PULL:
            add(
                SignalKind.IMAGE_PULL_BACK_OFF,
                f"{name}:{text(container, 'image') or '?'}",
                container=name,
                reason=reason,
                message=_short(text(waiting, "message")),
            )
        elif reason == "CreateContainerConfigError":
            add(
                SignalKind.CREATE_CONTAINER_CONFIG_ERROR,
                name,
                container=name,
                reason=reason,
                message=_short(text(waiting, "message")),
            )
    scheduled = condition(pod, "PodScheduled")
    if (
        scheduled
        and scheduled.get("status") == "False"
        and scheduled.get("reason") == "Unschedulable"
    ):
        since = timestamp(scheduled, "lastTransitionTime")
        add(
            SignalKind.UNSCHEDULABLE,
            _stamp(since),
            at=since,
            reason="Unschedulable",
            message=_short(text(scheduled, "message")),
        )
    if text(status, "phase") == "Failed" and text(status, "reason") == "Evicted":
        disruption = condition(pod, "DisruptionTarget")
        since = timestamp(disruption, "lastTransitionTime") if disruption else None
        add(
            SignalKind.EVICTED,
            "evicted",
            at=since,
            reason="Evicted",
            ongoing=False,
            message=_short(text(status, "message")),
        )
    stuck = _not_ready(pod, containers, now=now, grace=not_ready_grace) if now else None
    if stuck is not None:
        since, names = stuck
        add(
            SignalKind.READINESS_PROBE_FAILED,
            _stamp(since),
            at=since,
            container=names[0],
            reason="NotReady",
            message=_short(f"containers not ready: {', '.join(names)}"),
        )
    return found


def _not_ready(
    pod: Obj, containers: list[Obj], *, now: datetime, grace: timedelta
) -> tuple[datetime, list[str]] | None:
    """Since when a Running pod's running containers have stayed not Ready, and which ones."""
    ready = condition(pod, "Ready")
    status = mapping(pod, "status")
    if not ready or ready.get("status") != "False" or text(status, "phase") != "Running":
        return None
    since = timestamp(ready, "lastTransitionTime")
    if since is None or now - since < grace or not containers:
        return None
    running = all("running" in mapping(c, "state") for c in containers)
    names = [text(c, "name") or "?" for c in containers if c.get("ready") is False]
    return (since, names) if running and names else None


def detect_event(
    event: Obj, *, pods: Mapping[ObjectRef, Obj] | None = None, owners: Owners | None = None
) -> list[Signal]:
    """Probe failures and evictions reported as Events on a Pod."""
    involved = mapping(event, "involvedObject") or mapping(event, "regarding")
    reason = text(event, "reason")
    message = text(event, "message") or text(event, "note") or ""
    if text(involved, "kind") != "Pod" or reason not in {"Unhealthy", "Evicted"}:
        return []
    name = text(involved, "name")
    namespace = text(involved, "namespace") or text(mapping(event, "metadata"), "namespace")
    if name is None or namespace is None:
        return []
    if reason == "Evicted":
        kind = SignalKind.EVICTED
    else:
        matched = next((k for prefix, k in _PROBES.items() if message.startswith(prefix)), None)
        if matched is None:
            return []
        kind = matched
    resource = ObjectRef("Pod", namespace, name)
    workload, workload_labels = workload_of_pod(resource, (pods or {}).get(resource), owners=owners)
    meta = mapping(event, "metadata")
    at = (
        timestamp(event, "lastTimestamp")
        or timestamp(mapping(event, "series"), "lastObservedTime")
        or timestamp(event, "eventTime")
        or timestamp(event, "firstTimestamp")
    )
    token = text(meta, "uid") or text(meta, "name") or _stamp(at)
    return [
        Signal(
            kind,
            resource,
            workload,
            f"event:{token}",
            at=at,
            container=_container(involved),
            reason=reason,
            message=_short(message) or None,
            labels=_pairs(workload_labels),
            ongoing=False,
        )
    ]


def _container(involved: Obj) -> str | None:
    path = text(involved, "fieldPath") or ""
    if path.startswith("spec.containers{") and path.endswith("}"):
        return path[len("spec.containers{") : -1] or None
    return None


def detect_deployment(deployment: Obj) -> list[Signal]:
    """A rollout that exceeded its progress deadline."""
    resource = ref_of(deployment, kind="Deployment")
    progressing = condition(deployment, "Progressing")
    if resource is None or progressing is None:
        return []
    if (
        progressing.get("status") != "False"
        or progressing.get("reason") != "ProgressDeadlineExceeded"
    ):
        return []
    since = timestamp(progressing, "lastTransitionTime")
    return [
        Signal(
            SignalKind.PROGRESS_DEADLINE_EXCEEDED,
            resource,
            resource,
            _stamp(since),
            at=since,
            reason="ProgressDeadlineExceeded",
            message=_short(text(progressing, "message")),
            labels=_pairs(labels(deployment)),
        )
    ]


def detect_job(job: Obj, *, owners: Owners | None = None) -> list[Signal]:
    """A Job that failed (its CronJob is the workload when it has one)."""
    resource = ref_of(job, kind="Job")
    failed = condition(job, "Failed")
    owner = workload_of(job, kind="Job", owners=owners)
    if resource is None or owner is None or failed is None or failed.get("status") != "True":
        return []
    workload, workload_labels = owner
    since = timestamp(failed, "lastTransitionTime")
    token = text(mapping(job, "metadata"), "uid") or f"{resource.name}@{_stamp(since)}"
    return [
        Signal(
            SignalKind.JOB_FAILED,
            resource,
            workload,
            token,
            at=since,
            reason=text(failed, "reason"),
            message=_short(text(failed, "message")),
            labels=_pairs(workload_labels),
            ongoing=False,
        )
    ]


def detect_node(node: Obj) -> list[Signal]:
    """A Node whose Ready condition is False or Unknown."""
    resource = ref_of(node, kind="Node")
    ready = condition(node, "Ready")
    if resource is None or ready is None or ready.get("status") not in {"False", "Unknown"}:
        return []
    resource = ObjectRef("Node", "", resource.name)
    since = timestamp(ready, "lastTransitionTime")
    return [
        Signal(
            SignalKind.NODE_NOT_READY,
            resource,
            resource,
            _stamp(since),
            at=since,
            reason=text(ready, "reason"),
            message=_short(text(ready, "message")),
            labels=_pairs(labels(node)),
        )
    ]


def detect(
    obj: Obj,
    *,
    kind: str | None = None,
    owners: Owners | None = None,
    pods: Mapping[ObjectRef, Obj] | None = None,
    now: datetime | None = None,
) -> list[Signal]:
    """The signals of one object of any supported kind (``kind`` defaults to ``obj["kind"]``)."""
    if not isinstance(obj, Mapping):
        return []
    match kind or text(obj, "kind"):
        case "Pod":
            return detect_pod(obj, owners=owners, now=now)
        case "Event":
            return detect_event(obj, pods=pods, owners=owners)
        case "Deployment":
            return detect_deployment(obj)
        case "Job":
            return detect_job(obj, owners=owners)
        case "Node":
            return detect_node(obj)
        case _:
            return []


def detect_all(
    objects: Iterable[Obj],
    *,
    owners: Owners | None = None,
    pods: Mapping[ObjectRef, Obj] | None = None,
    now: datetime | None = None,
) -> list[Signal]:
    """The signals of many objects, in a canonical order (independent of the input order)."""
    found = [s for obj in objects for s in detect(obj, owners=owners, pods=pods, now=now)]
    return sorted(found, key=_order)


def _order(signal: Signal) -> tuple[str, ...]:
    return (
        signal.workload.namespace,
        signal.workload.kind,
        signal.workload.name,
        signal.kind.value,
        signal.resource.kind,
        signal.resource.name,
        signal.token,
        _stamp(signal.at),
    )
