"""Reading Kubernetes manifests (plain YAML, kustomize resources, rendered Helm charts) into
``Described`` containers: one per container of every object that runs pods (Deployment,
StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod).

Must not: read files (texts come in), or keep a secret value (``containers.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dorgu.analysis.descriptors.containers import Values, describe_container
from dorgu.analysis.descriptors.objects import KubeObject
from dorgu.analysis.descriptors.records import Described
from dorgu.models.evidence import Location

MAX_CONTAINERS = 50  # per pod
_POD_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def _values(objects: Iterable[KubeObject]) -> Values:
    configmaps: dict[str, dict[str, tuple[str, Location]]] = {}
    secrets: dict[str, tuple[str, ...]] = {}
    for obj in objects:
        if obj.kind == "ConfigMap" and isinstance(obj.data.get("data"), dict):
            configmaps[obj.name] = {
                str(key): (str(value), obj.at("data", str(key)))
                for key, value in obj.data["data"].items()
                if isinstance(value, str | int | float | bool)
            }
        elif obj.kind == "Secret":
            keys: set[str] = set()
            for section in ("data", "stringData"):
                if isinstance(obj.data.get(section), dict):
                    keys.update(str(k) for k in obj.data[section])
            secrets[obj.name] = tuple(sorted(keys))
    return Values(configmaps, secrets)


def describe_objects(
    objects: list[KubeObject],
    *,
    configmaps: Mapping[str, Mapping[str, tuple[str, Location]]] | None = None,
    secrets: Mapping[str, Iterable[str]] | None = None,
) -> list[Described]:
    """One ``Described`` per container of every pod-running object.  ``configmaps`` and
    ``secrets`` add generated ones (kustomize generators: Secret key names only)."""
    values = _values(objects)
    if configmaps or secrets:
        values = Values(
            {**(configmaps or {}), **values.configmaps},
            {**{k: tuple(sorted(v)) for k, v in (secrets or {}).items()}, **values.secrets},
        )
    described: list[Described] = []
    for obj in objects:
        path = _POD_PATHS.get(obj.kind)
        if path is None:
            continue
        pod = _dig(obj.data, path)
        if not isinstance(pod, dict) or not isinstance(pod.get("containers"), list):
            continue
        replicas = obj.data.get("spec", {}).get("replicas") if obj.kind != "Pod" else None
        metadata = obj.data.get("metadata") if isinstance(obj.data.get("metadata"), dict) else {}
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        template_labels = _dig(obj.data, (*path[:-1], "metadata", "labels"))
        merged_labels = {
            str(k): str(v)
            for source in (labels, template_labels)
            if isinstance(source, dict)
            for k, v in source.items()
            if isinstance(v, str | int | float | bool)
        }
        for index, container in enumerate(pod["containers"][:MAX_CONTAINERS]):
            if not isinstance(container, dict):
                continue
            at: tuple[str | int, ...] = (*path, "containers", index)
            described.append(
                describe_container(
                    obj,
                    container,
                    at,
                    values=values,
                    labels=tuple(sorted(merged_labels.items())),
                    replicas=replicas
                    if isinstance(replicas, int) and not isinstance(replicas, bool)
                    else None,
                )
            )
    return described


def _dig(data: object, path: Iterable[str | int]) -> object:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data
