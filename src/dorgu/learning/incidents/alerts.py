"""Alertmanager webhook payloads -> signals.

``parse_webhook`` validates a request body (``dorgu.models.alertmanager``, every part bounded)
and raises ``InputError`` with one line naming the first bad field.  ``alert_signals`` turns
each alert into one ``Alert`` signal on the workload its labels name, as kube-state-metrics and
the kube-prometheus-stack rules label them:

1. ``namespace`` plus ``deployment``, ``statefulset``, ``daemonset``, ``job_name`` (kube-state-
   metrics' Job label: ``job`` is Prometheus' scrape job) or ``cronjob``; or ``workload`` with
   ``workload_type`` (the ``namespace_workload_pod:kube_pod_owner:relabel`` rules);
2. ``namespace`` plus ``pod``: the Pod's controller through ``owners`` (the objects the
   operator's informers hold) when the Pod is there, else its Deployment when the name has the
   ``<deployment>-<pod-template-hash>-<suffix>`` shape (the hash's alphabet is narrow: digits
   encoded as ``4-9bcdf``), else the Pod itself;
3. ``node`` without ``namespace``: the Node.

A workload found in ``owners`` is followed to its outermost controller (a Job to its CronJob)
and lends its labels for attribution to a persona.  Alerts naming no workload (``Watchdog``,
cluster-wide or namespace-wide alerts) are counted as ignored.

Identity: the token is Alertmanager's ``fingerprint`` (a hash of the alert's labels) and its
``startsAt``, so a re-sent notification (``repeat_interval``, a retry) is the same sighting; the
primary-signal name in the incident fingerprint is ``Alert``, never the alertname or any
annotation: the alertname is evidence (``reason``), the summary the evidence's message.
Severity comes from the ``severity`` label, the category from a ``dorgu_category`` label, else
from the well-known kube-prometheus-stack alert names, else ``health``.  A resolved alert is the
same signal with ``ongoing=False`` at its ``endsAt``.

Must not do I/O, read the clock or the environment.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from dorgu.errors import InputError
from dorgu.learning.incidents.reading import Obj
from dorgu.learning.incidents.signals import (
    ALERT_RANKS,
    Meaning,
    ObjectRef,
    Signal,
    SignalKind,
)
from dorgu.learning.incidents.workloads import lift, workload_of, workload_of_pod
from dorgu.models.alertmanager import MAX_ALERTS, Alert, AlertStatus, WebhookPayload
from dorgu.models.incidents import MAX_DETAIL, MAX_SHORT, IncidentCategory, IncidentSeverity

_C = IncidentCategory
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CONTAINER = _NAMESPACE
_CONTROLLER_LABELS = (
    ("deployment", "Deployment"),
    ("statefulset", "StatefulSet"),
    ("daemonset", "DaemonSet"),
    ("job_name", "Job"),
    ("cronjob", "CronJob"),
)
_WORKLOAD_TYPES = {
    "deployment": "Deployment",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "job": "Job",
    "cronjob": "CronJob",
}
_SEVERITIES = {
    "critical": IncidentSeverity.CRITICAL,
    "error": IncidentSeverity.CRITICAL,
    "page": IncidentSeverity.CRITICAL,
    "warning": IncidentSeverity.WARNING,
    "warn": IncidentSeverity.WARNING,
    "info": IncidentSeverity.INFO,
    "informational": IncidentSeverity.INFO,
    "none": IncidentSeverity.INFO,
}
CATEGORY_LABEL = "dorgu_category"
KNOWN_ALERTS: dict[str, IncidentCategory] = {
    "KubePodCrashLooping": _C.HEALTH,
    "KubePodNotReady": _C.HEALTH,
    "KubeContainerWaiting": _C.HEALTH,
    "KubeJobFailed": _C.HEALTH,
    "KubeJobNotCompleted": _C.HEALTH,
    "KubeDeploymentGenerationMismatch": _C.DEPLOYMENT,
    "KubeDeploymentReplicasMismatch": _C.DEPLOYMENT,
    "KubeDeploymentRolloutStuck": _C.DEPLOYMENT,
    "KubeStatefulSetGenerationMismatch": _C.DEPLOYMENT,
    "KubeStatefulSetReplicasMismatch": _C.DEPLOYMENT,
    "KubeStatefulSetUpdateNotRolledOut": _C.DEPLOYMENT,
    "KubeDaemonSetRolloutStuck": _C.DEPLOYMENT,
    "KubeDaemonSetNotScheduled": _C.SCALING,
    "KubeDaemonSetMisScheduled": _C.SCALING,
    "KubeHpaReplicasMismatch": _C.SCALING,
    "KubeHpaMaxedOut": _C.SCALING,
    "CPUThrottlingHigh": _C.RESOURCE,
    "KubePersistentVolumeFillingUp": _C.RESOURCE,
    "KubePersistentVolumeInodesFillingUp": _C.RESOURCE,
    "KubePersistentVolumeErrors": _C.RESOURCE,
    "KubeNodeNotReady": _C.NODE,
    "KubeNodeUnreachable": _C.NODE,
    "KubeNodeReadinessFlapping": _C.NODE,
    "KubeletTooManyPods": _C.NODE,
}
_SUMMARY_KEYS = ("summary", "description", "message")


def parse_webhook(body: bytes) -> WebhookPayload:
    """The payload of one notification, or ``InputError`` naming the first problem."""
    envelope, alerts = parse_envelope(body)
    parsed = [parse_alert(raw, index) for index, raw in enumerate(alerts)]
    return envelope.model_copy(update={"alerts": parsed})


def parse_envelope(body: bytes) -> tuple[WebhookPayload, list[object]]:
    """The payload without its alerts, and the alerts as decoded JSON, to be checked one by one
    with ``parse_alert`` (a caller can pause between them); ``InputError`` when the body is not
    a JSON object, the envelope is invalid, or there are too many alerts."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        reason = "nested too deeply" if isinstance(error, RecursionError) else "invalid JSON"
        raise _invalid("body", reason) from error
    if not isinstance(data, dict):
        raise _invalid("body", "not a JSON object")
    alerts = data.get("alerts", [])
    if not isinstance(alerts, list):
        raise _invalid("alerts", "not a list")
    if len(alerts) > MAX_ALERTS:
        raise _invalid("alerts", f"more than {MAX_ALERTS} alerts (set max_alerts in the receiver)")
    try:
        envelope = WebhookPayload.model_validate({**data, "alerts": []})
    except ValidationError as error:
        raise _first(error) from error
    return envelope, alerts


def parse_alert(raw: object, index: int) -> Alert:
    """One alert of ``parse_envelope``'s list, or ``InputError`` naming its first problem."""
    try:
        return Alert.model_validate(raw)
    except ValidationError as error:
        raise _first(error, prefix=f"alerts.{index}") from error


def _first(error: ValidationError, *, prefix: str = "") -> InputError:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join([prefix] * bool(prefix) + [str(part) for part in first["loc"]])
    return _invalid(where or "body", first["msg"])


def _invalid(where: str, reason: str) -> InputError:
    where = "".join(c if c.isprintable() else "?" for c in where[:120])
    return InputError(
        f"not an Alertmanager webhook payload (version 4): {where}: {reason}"[:300],
        hint="point a webhook_configs receiver of Alertmanager at this endpoint",
    )


@dataclass(frozen=True)
class AlertSignals:
    signals: tuple[Signal, ...]
    ignored: tuple[str, ...]
    """The alertnames of the alerts that name no workload (in payload order)."""


def alert_signals(
    payload: WebhookPayload, *, owners: Mapping[ObjectRef, Obj] | None = None
) -> AlertSignals:
    """One ``Alert`` signal per alert that names a workload."""
    found: list[Signal] = []
    ignored: list[str] = []
    for alert in payload.alerts:
        signal = alert_signal(alert, owners=owners)
        if signal is None:
            ignored.append(alert.labels.get("alertname", "") or "?")
        else:
            found.append(signal)
    return AlertSignals(tuple(found), tuple(ignored))


def alert_signal(alert: Alert, *, owners: Mapping[ObjectRef, Obj] | None = None) -> Signal | None:
    target = alert_target(alert.labels, owners=owners)
    if target is None:
        return None
    resource, workload, workload_labels = target
    severity = alert_severity(alert.labels)
    firing = alert.status is AlertStatus.FIRING
    ends_at = _ended(alert)
    name = alert.labels.get("alertname", "")
    container = alert.labels.get("container", "")
    return Signal(
        SignalKind.ALERT,
        resource,
        workload,
        f"{_alert_fingerprint(alert)}@{_stamp(alert.starts_at)}",
        at=_utc(alert.starts_at) if firing or ends_at is None else ends_at,
        container=container if _CONTAINER.match(container) and len(container) <= 63 else None,
        reason=_short(name, MAX_SHORT) or "Alert",
        message=_summary(alert),
        labels=tuple(sorted(workload_labels.items())),
        ongoing=firing,
        override=Meaning(alert_category(alert.labels), severity, ALERT_RANKS[severity]),
    )


def alert_target(
    labels: Mapping[str, str], *, owners: Mapping[ObjectRef, Obj] | None = None
) -> tuple[ObjectRef, ObjectRef, dict[str, str]] | None:
    """(resource observed, workload, the workload's labels) for an alert's labels."""
    namespace = labels.get("namespace", "")
    if not (_NAMESPACE.match(namespace) and len(namespace) <= 63):
        node = labels.get("node", "")
        if "namespace" not in labels and _valid(node):
            ref = ObjectRef("Node", "", node)
            return ref, ref, _own_labels(ref, owners)
        return None
    pod = labels.get("pod", "")
    pod_ref = ObjectRef("Pod", namespace, pod) if _valid(pod) else None
    named = _named_controller(labels, namespace)
    if named is not None:
        workload, workload_labels = lift(named, owners)
        return pod_ref or named, workload, workload_labels
    if pod_ref is None:
        return None
    workload, workload_labels = workload_of_pod(pod_ref, (owners or {}).get(pod_ref), owners=owners)
    return pod_ref, workload, workload_labels


def _named_controller(labels: Mapping[str, str], namespace: str) -> ObjectRef | None:
    for label, kind in _CONTROLLER_LABELS:
        name = labels.get(label, "")
        if _valid(name):
            return ObjectRef(kind, namespace, name)
    kind_ = _WORKLOAD_TYPES.get(labels.get("workload_type", "").lower())
    name = labels.get("workload", "")
    if kind_ is not None and _valid(name):
        return ObjectRef(kind_, namespace, name)
    return None


def _own_labels(ref: ObjectRef, owners: Mapping[ObjectRef, Obj] | None) -> dict[str, str]:
    known = (owners or {}).get(ref)
    found = workload_of(known, kind=ref.kind) if known is not None else None
    return found[1] if found is not None else {}


def _valid(name: str) -> bool:
    return 0 < len(name) <= 253 and _NAME.match(name) is not None


def alert_severity(labels: Mapping[str, str]) -> IncidentSeverity:
    """From the ``severity`` label (critical/error/page, warning/warn, info/none); else
    warning."""
    return _SEVERITIES.get(labels.get("severity", "").strip().lower(), IncidentSeverity.WARNING)


def alert_category(labels: Mapping[str, str]) -> IncidentCategory:
    """From a ``dorgu_category`` label, else the known alert names, else ``health``."""
    try:
        return IncidentCategory(labels.get(CATEGORY_LABEL, "").strip().lower())
    except ValueError:
        return KNOWN_ALERTS.get(labels.get("alertname", ""), IncidentCategory.HEALTH)


def _alert_fingerprint(alert: Alert) -> str:
    if alert.fingerprint:
        return alert.fingerprint.lower()
    canonical = json.dumps(sorted(alert.labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _ended(alert: Alert) -> datetime | None:
    """``endsAt`` unless it is Go's zero time (a firing alert without an end)."""
    if alert.ends_at is None or alert.ends_at.year < 1970:
        return None
    return _utc(alert.ends_at)


def _stamp(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value.year >= 1970 else "-"


def _short(value: str, limit: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _summary(alert: Alert) -> str | None:
    for key in _SUMMARY_KEYS:
        value = _short(alert.annotations.get(key, ""), MAX_DETAIL)
        if value:
            return value
    return None
