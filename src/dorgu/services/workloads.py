"""The workloads `dorgu recommend` sizes, read from the Kubernetes API: every container of every
Deployment, StatefulSet, DaemonSet and CronJob in scope with its current requests and limits,
its current pods, a pattern matching the names of its past and present pods, the memory limit
at its last OOMKill, and the HPAs that scale it on CPU or memory utilisation.

Must not talk to Prometheus, decide sizes, or print.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dorgu.clients import NAMESPACES, JsonObject, KubeClient, ResourceKind
from dorgu.errors import ClusterError, UsageError
from dorgu.learning.rightsizing import HpaTarget, Resources, parse_quantity

DEPLOYMENTS = ResourceKind("apps/v1", "Deployment", "deployments", namespaced=True)
STATEFULSETS = ResourceKind("apps/v1", "StatefulSet", "statefulsets", namespaced=True)
DAEMONSETS = ResourceKind("apps/v1", "DaemonSet", "daemonsets", namespaced=True)
CRONJOBS = ResourceKind("batch/v1", "CronJob", "cronjobs", namespaced=True)
PODS = ResourceKind("v1", "Pod", "pods", namespaced=True)
HPAS = ResourceKind(
    "autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", namespaced=True
)
KINDS = (DEPLOYMENTS, STATEFULSETS, DAEMONSETS, CRONJOBS)
KIND_NAMES = {k.kind.lower(): k for k in KINDS} | {
    "deploy": DEPLOYMENTS, "sts": STATEFULSETS, "ds": DAEMONSETS, "cj": CRONJOBS,
    "deployments": DEPLOYMENTS, "statefulsets": STATEFULSETS, "daemonsets": DAEMONSETS,
    "cronjobs": CRONJOBS,
}  # fmt: skip
# Pod names the controllers generate: <deployment>-<template hash>-<5>, <statefulset>-<ordinal>,
# <daemonset>-<5>, <cronjob>-<scheduled minute>-<5>.  Generated names are cut to 58 characters,
# so long workload names fall back to the current pods' exact names.
_SUFFIXES = {
    "Deployment": "-[a-z0-9]{1,10}-[a-z0-9]{5}",
    "StatefulSet": "-[0-9]+",
    "DaemonSet": "-[a-z0-9]{5}",
    "CronJob": "-[0-9]+-[a-z0-9]{5}",
}
_LONGEST_PATTERN_NAME = 40


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    current: Resources


@dataclass(frozen=True)
class Workload:
    kind: str
    namespace: str
    name: str
    containers: tuple[ContainerSpec, ...]
    replicas: int
    pods: tuple[str, ...] = ()
    pod_pattern: str = ""
    """An RE2 regular expression (unquoted) that matches the names of the workload's pods."""
    oom_limits: Mapping[str, float] = field(default_factory=dict)
    hpas: tuple[tuple[str | None, HpaTarget], ...] = ()
    """(container or None for every container, target)."""

    def matches_pod(self, pod: str) -> bool:
        return pod in self.pods or re.fullmatch(self.pod_pattern, pod) is not None


def parse_target(text: str | None) -> tuple[ResourceKind | None, str] | None:
    """``WORKLOAD``: ``NAME`` or ``KIND/NAME`` (``deployment/web``, ``sts/db``)."""
    if not text:
        return None
    kind_text, slash, name = text.rpartition("/")
    if not slash:
        return None, text
    kind = KIND_NAMES.get(kind_text.lower())
    if kind is None or not name:
        raise UsageError(
            f"workload {text!r}: unknown kind {kind_text!r}",
            hint="use NAME or KIND/NAME with KIND one of deployment, statefulset, daemonset, "
            "cronjob",
        )
    return kind, name


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _resources(container: Mapping[str, object]) -> Resources:
    resources = _mapping(container.get("resources"))
    requests, limits = _mapping(resources.get("requests")), _mapping(resources.get("limits"))
    return Resources(
        cpu_request=parse_quantity(requests.get("cpu")),
        cpu_limit=parse_quantity(limits.get("cpu")),
        memory_request=parse_quantity(requests.get("memory")),
        memory_limit=parse_quantity(limits.get("memory")),
    )


def _pod_spec(obj: Mapping[str, object]) -> Mapping[str, object]:
    spec = _mapping(obj.get("spec"))
    if obj.get("kind") == "CronJob":
        spec = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
    return _mapping(_mapping(spec.get("template")).get("spec"))


def _replicas(obj: Mapping[str, object]) -> int:
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet"):
        value = _mapping(obj.get("spec")).get("replicas", 1)
    elif kind == "DaemonSet":
        value = _mapping(obj.get("status")).get("desiredNumberScheduled", 0)
    else:
        value = 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def owner_of(pod: Mapping[str, object]) -> tuple[str, str] | None:
    """(kind, name) of the workload that owns ``pod``, from its owner and controller labels."""
    metadata = _mapping(pod.get("metadata"))
    labels = _mapping(metadata.get("labels"))
    for ref in _list(metadata.get("ownerReferences")):
        if not ref.get("controller"):
            continue
        kind, name = str(ref.get("kind")), str(ref.get("name"))
        if kind == "ReplicaSet":
            template_hash = str(labels.get("pod-template-hash") or "")
            if template_hash and name.endswith("-" + template_hash):
                return "Deployment", name[: -len(template_hash) - 1]
            return None
        if kind == "Job":
            match = re.fullmatch(r"(.+)-[0-9]+", name)
            return ("CronJob", match.group(1)) if match else None
        if kind in ("StatefulSet", "DaemonSet"):
            return kind, name
    return None


def _oom_limits(pod: Mapping[str, object]) -> dict[str, float]:
    found: dict[str, float] = {}
    spec = _mapping(pod.get("spec"))
    specs = {str(c.get("name")): _resources(c) for c in _list(spec.get("containers"))}
    for status in _list(_mapping(pod.get("status")).get("containerStatuses")):
        terminated = _mapping(_mapping(status.get("lastState")).get("terminated"))
        if terminated.get("reason") != "OOMKilled":
            continue
        name = str(status.get("name"))
        current = specs.get(name, Resources())
        limit = current.memory_limit or current.memory_request
        if limit:
            found[name] = max(found.get(name, 0.0), limit)
    return found


def _hpa_targets(hpa: Mapping[str, object]) -> list[tuple[str | None, HpaTarget]]:
    name = str(_mapping(hpa.get("metadata")).get("name"))
    targets: list[tuple[str | None, HpaTarget]] = []
    for metric in _list(_mapping(hpa.get("spec")).get("metrics")):
        kind = metric.get("type")
        source = _mapping(metric.get("resource" if kind == "Resource" else "containerResource"))
        if kind not in ("Resource", "ContainerResource"):
            continue
        target = _mapping(source.get("target"))
        value = target.get("averageUtilization")
        resource = str(source.get("name"))
        if target.get("type") == "Utilization" and isinstance(value, int) and resource in (
            "cpu", "memory"
        ):  # fmt: skip
            container = str(source.get("container")) if kind == "ContainerResource" else None
            targets.append((container, HpaTarget(name, resource, value)))
    return targets


def _pattern(kind: str, name: str, pods: Sequence[str]) -> str:
    exact = [re.escape(p) for p in sorted(pods)]
    if len(name) <= _LONGEST_PATTERN_NAME:
        return "|".join([re.escape(name) + _SUFFIXES[kind], *exact])
    return "|".join(exact) or re.escape(name)


def workload_of(
    obj: Mapping[str, object],
    *,
    namespace: str | None = None,
    pods: Sequence[Mapping[str, object]] = (),
    hpas: tuple[tuple[str | None, HpaTarget], ...] = (),
) -> Workload:
    """The ``Workload`` of one Deployment/StatefulSet/DaemonSet/CronJob object (``kind`` set)
    and its current ``pods`` (without them, the pod pattern alone finds its series)."""
    meta = _mapping(obj.get("metadata"))
    kind, name = str(obj.get("kind")), str(meta.get("name"))
    ns = str(meta.get("namespace") or namespace or "")
    pod_names = tuple(sorted(str(_mapping(p.get("metadata")).get("name")) for p in pods))
    ooms: dict[str, float] = {}
    for member in pods:
        for container, limit in _oom_limits(member).items():
            ooms[container] = max(ooms.get(container, 0.0), limit)
    containers = tuple(
        ContainerSpec(str(c.get("name")), _resources(c))
        for c in _list(_pod_spec(obj).get("containers"))
    )
    return Workload(
        kind=kind,
        namespace=ns,
        name=name,
        containers=containers,
        replicas=_replicas(obj),
        pods=pod_names,
        pod_pattern=_pattern(kind, name, pod_names),
        oom_limits=ooms,
        hpas=hpas,
    )


def list_workloads(
    *,
    client: KubeClient,
    namespace: str | None = None,
    all_namespaces: bool = False,
    target: str | None = None,
) -> list[Workload]:
    """The workloads in scope, sorted by namespace, kind and name.  ``UsageError`` when
    ``target`` names no workload."""
    wanted = parse_target(target)
    kinds = KINDS if wanted is None or wanted[0] is None else (wanted[0],)
    objects: list[JsonObject] = []
    for resource in kinds:
        for obj in client.list(resource, namespace=namespace, all_namespaces=all_namespaces):
            obj.setdefault("kind", resource.kind)
            if wanted is None or _mapping(obj.get("metadata")).get("name") == wanted[1]:
                objects.append(obj)
    if not objects and not all_namespaces:
        _require_namespace(client, namespace or client.namespace)
    if wanted is not None and not objects:
        where = "any namespace" if all_namespaces else f"namespace {namespace or client.namespace}"
        raise UsageError(
            f"no Deployment, StatefulSet, DaemonSet or CronJob named {wanted[1]!r} in {where}",
            hint="list them with kubectl get deploy,sts,ds,cronjob",
        )
    pods_of: dict[tuple[str, str, str], list[Mapping[str, object]]] = {}
    hpas_of: dict[tuple[str, str, str], list[tuple[str | None, HpaTarget]]] = {}
    if objects:
        for pod in client.list(PODS, namespace=namespace, all_namespaces=all_namespaces):
            owner = owner_of(pod)
            ns = str(_mapping(pod.get("metadata")).get("namespace"))
            if owner is not None:
                pods_of.setdefault((ns, *owner), []).append(pod)
        for hpa in client.list(HPAS, namespace=namespace, all_namespaces=all_namespaces):
            ref = _mapping(_mapping(hpa.get("spec")).get("scaleTargetRef"))
            ns = str(_mapping(hpa.get("metadata")).get("namespace"))
            key = (ns, str(ref.get("kind")), str(ref.get("name")))
            hpas_of.setdefault(key, []).extend(_hpa_targets(hpa))
    workloads = []
    for obj in objects:
        meta = _mapping(obj.get("metadata"))
        kind, name = str(obj.get("kind")), str(meta.get("name"))
        ns = str(meta.get("namespace") or namespace or client.namespace)
        pods = pods_of.get((ns, kind, name), [])
        workloads.append(
            workload_of(obj, namespace=ns, pods=pods, hpas=tuple(hpas_of.get((ns, kind, name), [])))
        )
    return sorted(workloads, key=lambda w: (w.namespace, w.kind, w.name))


def _require_namespace(client: KubeClient, namespace: str) -> None:
    """``UsageError`` when ``namespace`` does not exist (a typo would otherwise read as a
    namespace without workloads); a caller who may not read namespaces is not checked."""
    try:
        found = client.get(NAMESPACES, namespace)
    except ClusterError:
        return
    if found is None:
        raise UsageError(
            f"namespace {namespace!r} does not exist",
            hint="list namespaces with kubectl get namespaces, or use -A",
        )
