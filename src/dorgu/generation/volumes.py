"""Pod volumes and mounts, persistent claims, and compose bind-mounted files.

- named volumes (and Dockerfile VOLUMEs of image-only services) -> a ``volumeClaimTemplate`` of
  the StatefulSet (one claim per replica), or a PersistentVolumeClaim for other workloads;
- bind-mounted files -> a ConfigMap with the file's text, mounted with ``subPath``; a file that
  looks secret (or could not be read) -> a Secret *template* with a placeholder instead;
- bind-mounted directories -> one ConfigMap (a key per file) mounted as the directory, when
  the service layer could copy every file (a small flat directory of text files, none secret,
  e.g. nginx templates); otherwise nothing (the image must hold them);
- tmpfs -> an in-memory emptyDir; writable paths of a read-only root -> emptyDirs.

Must not read the mounted files: their texts arrive in ``ComponentInput.files``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from dorgu.generation.diagnosing import info, warning
from dorgu.generation.hardening import writable_paths
from dorgu.generation.inputs import MountedFile, NameSanitizer
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import ComponentPlan, WorkloadKind
from dorgu.models.app import ComponentKind, VolumeKind
from dorgu.models.evidence import Diagnostic

PLACEHOLDER = "REPLACE_ME"


@dataclass
class VolumePlan:
    volumes: list[Manifest] = field(default_factory=list)
    mounts: list[Manifest] = field(default_factory=list)
    claim_templates: list[Manifest] = field(default_factory=list)
    resources: list[GeneratedResource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def persistent(self) -> bool:
        return bool(self.claim_templates) or any("persistentVolumeClaim" in v for v in self.volumes)


def plan_volumes(plan: ComponentPlan, *, sanitize: NameSanitizer, storage_size: str) -> VolumePlan:
    """Everything about storage for one component (deterministic, so callers may repeat it)."""
    result = VolumePlan()
    used: set[str] = set()

    def volume_name(text: str) -> str:
        base = sanitize(text)[:50].strip("-") or "data"
        name, index = base, 2
        while name in used:
            name, index = f"{base}-{index}", index + 1
        used.add(name)
        return name

    component = plan.component
    files = {f.source: f for f in plan.input.files}
    stateful = plan.workload is WorkloadKind.STATEFULSET
    for volume in component.volumes:
        target = volume.target
        if volume.kind is VolumeKind.NAMED or (
            volume.kind is VolumeKind.ANONYMOUS and component.kind is not ComponentKind.APP
        ):
            name = volume_name(volume.source or target)
            mount: Manifest = {"name": name, "mountPath": target}
            if volume.read_only:
                mount["readOnly"] = True
            result.mounts.append(mount)
            claim = _claim_spec(storage_size)
            if stateful:
                result.claim_templates.append({"metadata": {"name": name}, "spec": claim})
            else:
                claim_name = f"{plan.name}-{name}"
                result.volumes.append(
                    {"name": name, "persistentVolumeClaim": {"claimName": claim_name}}
                )
                result.resources.append(
                    GeneratedResource(
                        {
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": plan.metadata(claim_name),
                            "spec": claim,
                        },
                        component=component.name,
                    )
                )
        elif volume.kind is VolumeKind.TMPFS:
            name = volume_name(target)
            result.volumes.append({"name": name, "emptyDir": {"medium": "Memory"}})
            result.mounts.append({"name": name, "mountPath": target})
        elif volume.kind is VolumeKind.BIND:
            mounted = files.get(volume.source or "")
            inside = _directory_files(plan.input.files, volume.source or "")
            if mounted is None and inside:
                name = volume_name(posixpath.basename(volume.source or "") or "config")
                object_name = f"{plan.name}-{name}"
                data = {posixpath.basename(f.source): f.text or "" for f in inside}
                result.volumes.append({"name": name, "configMap": {"name": object_name}})
                result.resources.append(
                    GeneratedResource(
                        {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": plan.metadata(object_name),
                            "data": data,
                        },
                        component=component.name,
                    )
                )
                result.mounts.append({"name": name, "mountPath": target, "readOnly": True})
                continue
            if mounted is None:
                result.diagnostics.append(
                    info(
                        "bind-mount-skipped",
                        f"{component.name}: bind mount {volume.source} -> "
                        f"{target} is not a file in the project; not generated (the image must "
                        "contain it)",
                    )
                )
                continue
            name = volume_name(posixpath.basename(mounted.source))
            key = posixpath.basename(mounted.source) or "file"
            object_name = f"{plan.name}-{name}"
            secret = mounted.secret or mounted.text is None
            if secret:
                result.volumes.append({"name": name, "secret": {"secretName": object_name}})
                result.resources.append(
                    GeneratedResource(
                        {
                            "apiVersion": "v1",
                            "kind": "Secret",
                            "metadata": plan.metadata(object_name),
                            "type": "Opaque",
                            "stringData": {key: PLACEHOLDER},
                        },
                        component=component.name,
                        template=True,
                    )
                )
                result.diagnostics.append(
                    warning(
                        "file-placeholder",
                        f"{component.name}: {mounted.source} was not copied "
                        f"({'it looks secret' if mounted.secret else 'it could not be read'}); "
                        f"fill in the Secret template {object_name}",
                    )
                )
            else:
                assert mounted.text is not None
                result.volumes.append({"name": name, "configMap": {"name": object_name}})
                result.resources.append(
                    GeneratedResource(
                        {
                            "apiVersion": "v1",
                            "kind": "ConfigMap",
                            "metadata": plan.metadata(object_name),
                            "data": {key: mounted.text},
                        },
                        component=component.name,
                    )
                )
            result.mounts.append(
                {"name": name, "mountPath": target, "subPath": key, "readOnly": True}
            )
    if plan.settings.security.read_only_root_filesystem or plan.app_settings:
        taken = {str(m["mountPath"]) for m in result.mounts}
        for path in writable_paths(plan):
            if path in taken:
                continue
            name = volume_name(path.strip("/") or "root")
            result.volumes.append({"name": name, "emptyDir": {}})
            result.mounts.append({"name": name, "mountPath": path})
    result.volumes.sort(key=lambda v: str(v["name"]))
    result.mounts.sort(key=lambda m: (str(m["mountPath"]), str(m["name"])))
    return result


def _directory_files(files: Sequence[MountedFile], directory: str) -> list[MountedFile]:
    """The copied files of a bind-mounted directory (all readable, none secret), else []."""
    inside = [f for f in files if directory and posixpath.dirname(f.source) == directory]
    if any(f.text is None or f.secret for f in inside):
        return []
    return sorted(inside, key=lambda f: f.source)


def _claim_spec(size: str) -> Manifest:
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
