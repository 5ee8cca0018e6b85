"""Read-only views of Kubernetes objects given as plain mappings (parsed YAML, admission
requests, cached watch events): the workload, its pod spec and its containers.

Input is untrusted: every accessor tolerates missing keys and wrong types (a string where a
mapping belongs reads as empty), so a malformed manifest gives findings, never a crash.

Must not import pydantic models of Kubernetes objects or do I/O; must not judge anything
(that is the rules' job).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from dorgu.rules.paths import FieldPath

Manifest = Mapping[str, object]
"""One Kubernetes object as plain data."""

_EMPTY: Mapping[str, object] = {}

POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
"""Workload kinds and where their pod spec lives."""

REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
"""Kinds with ``spec.replicas`` (default 1) that an HPA can scale."""

BATCH_KINDS = frozenset({"Job", "CronJob"})


def as_map(value: object) -> Mapping[str, object]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else _EMPTY


def as_list(value: object) -> Sequence[object]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list | tuple) else ()


def as_text(value: object) -> str | None:
    """``value`` if it is a non-empty string."""
    return value if isinstance(value, str) and value else None


def as_int(value: object) -> int | None:
    """``value`` if it is an integer (not a bool)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dig(data: object, path: FieldPath) -> object:
    """The value at ``path`` inside ``data``, or None."""
    for part in path:
        if isinstance(part, int):
            items = as_list(data)
            data = items[part] if 0 <= part < len(items) else None
        else:
            data = as_map(data).get(part)
    return data


def labels_of(manifest: Manifest) -> Mapping[str, object]:
    return as_map(as_map(manifest.get("metadata")).get("labels"))


def identity(manifest: Manifest) -> tuple[str, str, str | None]:
    """``(kind, name, namespace)``; ``(unnamed)`` when the name is missing."""
    metadata = as_map(manifest.get("metadata"))
    kind = as_text(manifest.get("kind")) or "(unknown)"
    name = as_text(metadata.get("name")) or as_text(metadata.get("generateName")) or "(unnamed)"
    return kind, name, as_text(metadata.get("namespace"))


def same_namespace(a: str | None, b: str | None) -> bool:
    """A missing namespace matches any (``kubectl apply -n`` decides it later)."""
    return a is None or b is None or a == b


@dataclass(frozen=True)
class Container:
    """One container of a pod spec, with its path inside the workload."""

    data: Mapping[str, object]
    path: FieldPath
    init: bool = False

    @property
    def name(self) -> str:
        return as_text(self.data.get("name")) or f"#{self.path[-1]}"

    def at(self, *keys: str | int) -> FieldPath:
        """The path of a field of this container."""
        return (*self.path, *keys)

    @property
    def security_context(self) -> Mapping[str, object]:
        return as_map(self.data.get("securityContext"))

    @property
    def port_names(self) -> frozenset[str]:
        names = (as_text(as_map(p).get("name")) for p in as_list(self.data.get("ports")))
        return frozenset(n for n in names if n)

    @property
    def port_numbers(self) -> frozenset[int]:
        numbers = (as_int(as_map(p).get("containerPort")) for p in as_list(self.data.get("ports")))
        return frozenset(n for n in numbers if n is not None)


@dataclass(frozen=True)
class Workload:
    """An object that runs pods (see ``POD_SPEC_PATHS``)."""

    manifest: Manifest
    kind: str
    name: str
    namespace: str | None
    pod_path: FieldPath

    @cached_property
    def pod(self) -> Mapping[str, object]:
        return as_map(dig(self.manifest, self.pod_path))

    @property
    def metadata(self) -> Mapping[str, object]:
        return as_map(self.manifest.get("metadata"))

    @property
    def labels(self) -> Mapping[str, object]:
        return as_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> Mapping[str, object]:
        return as_map(self.metadata.get("annotations"))

    @property
    def template_labels(self) -> Mapping[str, object]:
        if self.kind == "Pod":
            return self.labels
        return as_map(dig(self.manifest, (*self.pod_path[:-1], "metadata", "labels")))

    def at(self, *keys: str | int) -> FieldPath:
        """The path of a field of the pod spec."""
        return (*self.pod_path, *keys)

    @cached_property
    def containers(self) -> tuple[Container, ...]:
        """Init containers, then app containers (the order pods start them)."""
        found: list[Container] = []
        for group in ("initContainers", "containers"):
            for index, item in enumerate(as_list(self.pod.get(group))):
                if isinstance(item, Mapping):
                    found.append(Container(item, self.at(group, index), group != "containers"))
        return tuple(found)

    @property
    def app_containers(self) -> tuple[Container, ...]:
        return tuple(c for c in self.containers if not c.init)

    @property
    def long_running(self) -> bool:
        """Serves until stopped (not a Job, CronJob or run-to-completion Pod)."""
        if self.kind in BATCH_KINDS:
            return False
        if self.kind == "Pod":
            return self.pod.get("restartPolicy") in (None, "Always")
        return True

    @property
    def replicas(self) -> int | None:
        """``spec.replicas`` (default 1) of a replicated kind; None for other kinds."""
        if self.kind not in REPLICATED_KINDS:
            return None
        value = as_map(self.manifest.get("spec")).get("replicas", 1)
        return as_int(value) if as_int(value) is not None else 1


def as_workload(manifest: Manifest) -> Workload | None:
    """A view of ``manifest`` if it is a workload kind, else None."""
    kind, name, namespace = identity(manifest)
    pod_path = POD_SPEC_PATHS.get(kind)
    if pod_path is None:
        return None
    return Workload(manifest, kind, name, namespace, pod_path)
