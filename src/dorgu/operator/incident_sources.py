"""What incident detection reads from the informers: compact caches of Pods, Events,
ReplicaSets, Jobs and Nodes (plus the view's Deployments), and the ``SignalBoard`` that turns
every cache change into the signals of that one object (``dorgu.learning.incidents.detect``),
indexed by the workload they belong to.

Nothing is polled: a store listener re-detects the changed object only and marks its workload
dirty; the tracker correlates dirty workloads in batches.  The caches keep only what detection,
suspects and resolution read (no managedFields, no Pod specs; Events other than probe failures
and evictions on Pods are kept as ``None``).

Must not write to the cluster or block (listeners run inside the informers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from dorgu.learning.incidents import ObjectRef, Signal, detect
from dorgu.learning.incidents.reading import condition, mapping, text, timestamp
from dorgu.learning.incidents.workloads import workload_of
from dorgu.operator.api import JsonObject, Kind
from dorgu.operator.caching import Key, Store
from dorgu.operator.watching import CachedWorkload, ClusterView

PODS = Kind("", "v1", "pods")
EVENTS = Kind("", "v1", "events")
NODES = Kind("", "v1", "nodes", namespaced=False)
REPLICASETS = Kind("apps", "v1", "replicasets")
JOBS = Kind("batch", "v1", "jobs")
INCIDENTS = Kind("dorgu.io", "v1", "incidentmemories")

_META_KEYS = ("name", "namespace", "uid", "labels", "ownerReferences", "creationTimestamp")
_REPLICA_SET_ANNOTATIONS = ("deployment.kubernetes.io/revision",)
_EVENT_REASONS = frozenset({"Unhealthy", "Evicted"})
Obj = Mapping[str, object]


def _meta(obj: JsonObject, *, annotations: tuple[str, ...] = ()) -> dict[str, object]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kept: dict[str, object] = {k: meta[k] for k in _META_KEYS if k in meta}
    found = meta.get("annotations")
    if annotations and isinstance(found, dict):
        kept["annotations"] = {k: found[k] for k in annotations if k in found}
    return kept


def compact_pod(obj: JsonObject) -> JsonObject:
    status = obj.get("status")
    status = status if isinstance(status, dict) else {}
    keep = ("phase", "reason", "message", "conditions", "containerStatuses",
            "initContainerStatuses")  # fmt: skip
    return {
        "kind": "Pod",
        "metadata": _meta(obj),
        "status": {k: status[k] for k in keep if k in status},
    }


def compact_event(obj: JsonObject) -> JsonObject | None:
    """Only probe failures and evictions on Pods; everything else is ``None``."""
    involved = mapping(obj, "involvedObject") or mapping(obj, "regarding")
    if text(obj, "reason") not in _EVENT_REASONS or text(involved, "kind") != "Pod":
        return None
    keep = ("reason", "message", "note", "involvedObject", "regarding", "lastTimestamp",
            "eventTime", "firstTimestamp", "series")  # fmt: skip
    return {"kind": "Event", "metadata": _meta(obj), **{k: obj[k] for k in keep if k in obj}}


def compact_replica_set(obj: JsonObject) -> JsonObject:
    spec = mapping(obj, "spec")
    containers = mapping(mapping(spec, "template"), "spec").get("containers")
    images = [
        {"name": c.get("name"), "image": c.get("image")}
        for c in (containers if isinstance(containers, list) else [])
        if isinstance(c, dict)
    ]
    return {"kind": "ReplicaSet", "metadata": _meta(obj, annotations=_REPLICA_SET_ANNOTATIONS),
            "spec": {"template": {"spec": {"containers": images}}}}  # fmt: skip


def compact_status_object(kind: str) -> Callable[[JsonObject], JsonObject]:
    """Jobs and Nodes: metadata and status conditions."""

    def transform(obj: JsonObject) -> JsonObject:
        status = mapping(obj, "status")
        return {"kind": kind, "metadata": _meta(obj),
                "status": {"conditions": status.get("conditions") or []}}  # fmt: skip

    return transform


class IncidentStores:
    """The caches incident detection adds to the view's (``ClusterView.deployments``)."""

    def __init__(self) -> None:
        self.pods: Store[JsonObject] = Store("pods", compact_pod)
        self.events: Store[JsonObject | None] = Store("events", compact_event)
        self.replica_sets: Store[JsonObject] = Store("replicasets", compact_replica_set)
        self.jobs: Store[JsonObject] = Store("jobs.batch", compact_status_object("Job"))
        self.nodes: Store[JsonObject] = Store("nodes", compact_status_object("Node"))

    def pairs(self) -> list[tuple[Kind, Store[object]]]:
        found = [(REPLICASETS, self.replica_sets), (JOBS, self.jobs), (NODES, self.nodes),
                 (PODS, self.pods), (EVENTS, self.events)]  # fmt: skip
        return found  # type: ignore[return-value]


class Owners(Mapping[ObjectRef, Obj]):
    """The owner objects the informers hold, by ``ObjectRef`` (what ``workload_of`` walks)."""

    def __init__(self, stores: IncidentStores, view: ClusterView) -> None:
        self.stores, self.view = stores, view

    def __getitem__(self, ref: ObjectRef) -> Obj:
        key = (ref.namespace, ref.name)
        found: object = None
        if ref.kind == "ReplicaSet":
            found = self.stores.replica_sets.get(key)
        elif ref.kind == "Job":
            found = self.stores.jobs.get(key)
        elif ref.kind in ("Deployment", "StatefulSet"):
            store = self.view.deployments if ref.kind == "Deployment" else self.view.statefulsets
            workload = store.get(key)
            if isinstance(workload, CachedWorkload):
                found = {"kind": ref.kind, "metadata": {"name": workload.name,
                         "namespace": workload.namespace, "labels": workload.labels}}  # fmt: skip
        if not isinstance(found, Mapping):
            raise KeyError(ref)
        return found

    def _keyed(self) -> Iterator[tuple[str, Store[Any]]]:
        yield "ReplicaSet", self.stores.replica_sets
        yield "Job", self.stores.jobs
        yield "Deployment", self.view.deployments
        yield "StatefulSet", self.view.statefulsets

    def __iter__(self) -> Iterator[ObjectRef]:
        for kind, store in self._keyed():
            for (namespace, name), _ in store.items():
                yield ObjectRef(kind, namespace, name)

    def __len__(self) -> int:
        return sum(len(store) for _, store in self._keyed())

    def __bool__(self) -> bool:  # ``owners or {}`` must keep this view, and cheaply
        return True


class Pods(Mapping[ObjectRef, Obj]):
    def __init__(self, store: Store[JsonObject]) -> None:
        self.store = store

    def __getitem__(self, ref: ObjectRef) -> Obj:
        found = self.store.get((ref.namespace, ref.name))
        if found is None:
            raise KeyError(ref)
        return found

    def __iter__(self) -> Iterator[ObjectRef]:
        for (namespace, name), _ in self.store.items():
            yield ObjectRef("Pod", namespace, name)

    def __len__(self) -> int:
        return len(self.store)

    def __bool__(self) -> bool:
        return True


def _ready_since(pod: Obj) -> datetime | None:
    """When the Pod became Ready (``None``: it is not Ready, or it is not running)."""
    ready = condition(pod, "Ready")
    if ready is None or ready.get("status") != "True":
        return None
    return timestamp(ready, "lastTransitionTime")


class SignalBoard:
    """The current signals of every watched object, by workload, kept up to date by store
    listeners; ``on_change(workload)`` is called for every workload whose signals or pods
    changed (it must not block)."""

    def __init__(
        self,
        *,
        stores: IncidentStores,
        view: ClusterView,
        on_change: Callable[[ObjectRef], None],
        clock: Callable[[], datetime],
    ) -> None:
        self.stores, self.view, self.on_change, self.clock = stores, view, on_change, clock
        self.owners = Owners(stores, view)
        self.pods = Pods(stores.pods)
        self.signals: dict[ObjectRef, tuple[Signal, ...]] = {}
        """By observed object (the Pod, Event, Job, Node or Deployment)."""
        self.workload_of: dict[ObjectRef, ObjectRef] = {}
        self.members: dict[ObjectRef, set[ObjectRef]] = {}
        self.ready: dict[ObjectRef, datetime | None] = {}
        """Pods: since when Ready (``None``: not Ready)."""

    def install(self) -> None:
        s = self.stores
        s.pods.listeners.append(lambda a, k, v: self._changed("Pod", a, k, v))
        s.events.listeners.append(lambda a, k, v: self._changed("Event", a, k, v))
        s.jobs.listeners.append(lambda a, k, v: self._changed("Job", a, k, v))
        s.nodes.listeners.append(lambda a, k, v: self._changed("Node", a, k, v))
        self.view.deployments.listeners.append(self._deployment)

    def _deployment(self, action: str, key: Key, value: object) -> None:
        body = value.manifest() if isinstance(value, CachedWorkload) else None
        self._changed("Deployment", action, key, body)

    def _changed(self, kind: str, action: str, key: Key, value: object) -> None:
        ref = ObjectRef(kind, key[0], key[1])
        old_workload = self.workload_of.get(ref)
        if action == "DELETE" or not isinstance(value, Mapping):
            self._forget(ref)
            if old_workload is not None:
                self.on_change(old_workload)
            return
        found = detect(value, kind=kind, owners=self.owners, pods=self.pods, now=self.clock())
        workload = found[0].workload if found else self._workload(kind, value, ref)
        if workload is None:
            self._forget(ref)
            return
        previous = (self.signals.get(ref, ()), self.ready.get(ref, False))
        if old_workload is not None and old_workload != workload:
            self._forget(ref)
            self.on_change(old_workload)
        self.workload_of[ref] = workload
        self.members.setdefault(workload, set()).add(ref)
        if found:
            self.signals[ref] = tuple(found)
        else:
            self.signals.pop(ref, None)
        if kind == "Pod":
            self.ready[ref] = _ready_since(value)
        if previous != (self.signals.get(ref, ()), self.ready.get(ref, False)):
            self.on_change(workload)

    def _workload(self, kind: str, value: Obj, ref: ObjectRef) -> ObjectRef | None:
        """The workload of an object without signals: Pods count (their readiness is the
        evidence of recovery); other objects only while they had signals."""
        if kind == "Pod":
            owner = workload_of(value, kind="Pod", owners=self.owners)
            return owner[0] if owner else None
        return self.workload_of.get(ref)

    def _forget(self, ref: ObjectRef) -> None:
        workload = self.workload_of.pop(ref, None)
        self.signals.pop(ref, None)
        self.ready.pop(ref, None)
        if workload is not None:
            members = self.members.get(workload)
            if members is not None:
                members.discard(ref)
                if not members:
                    del self.members[workload]

    def signals_of(self, workload: ObjectRef) -> list[Signal]:
        return [s for ref in sorted(self.members.get(workload, ())) for s in
                self.signals.get(ref, ())]  # fmt: skip

    def ready_of(self, workload: ObjectRef) -> list[datetime | None]:
        """The Ready-since of the workload's pods (sorted by pod for determinism)."""
        return [self.ready[ref] for ref in sorted(self.members.get(workload, ()))
                if ref.kind == "Pod" and ref in self.ready]  # fmt: skip

    def replica_sets(self, namespace: str) -> list[Obj]:
        return list(self.stores.replica_sets.in_namespace(namespace))
