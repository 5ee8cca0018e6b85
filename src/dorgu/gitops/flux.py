"""Flux readiness for a persona: the ``Kustomization`` (kustomize.toolkit.fluxcd.io) or
``HelmRelease`` (helm.toolkit.fluxcd.io) that applied the app's workloads, found through the
labels Flux's controllers put on every object they apply
(``kustomize.toolkit.fluxcd.io/name``/``namespace``, ``helm.toolkit.fluxcd.io/name``/
``namespace``), and its ``Ready`` condition and revisions as the persona's ``status.flux``.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

KUSTOMIZATION = "Kustomization"
HELM_RELEASE = "HelmRelease"
LABELS = {
    KUSTOMIZATION: "kustomize.toolkit.fluxcd.io",
    HELM_RELEASE: "helm.toolkit.fluxcd.io",
}
MESSAGE_LENGTH = 512


@dataclass(frozen=True)
class FluxObject:
    kind: str
    namespace: str
    name: str
    ready: str
    """``True``, ``False`` or ``Unknown`` (the ``Ready`` condition)."""
    reason: str | None
    message: str | None
    applied_revision: str | None
    attempted_revision: str | None
    suspended: bool


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def read_flux(kind: str, obj: Mapping[str, object]) -> FluxObject:
    meta, spec, status = _map(obj.get("metadata")), _map(obj.get("spec")), _map(obj.get("status"))
    conditions = status.get("conditions")
    ready: Mapping[str, object] = next(
        (c for c in (conditions if isinstance(conditions, list) else [])
         if isinstance(c, Mapping) and c.get("type") == "Ready"),
        {},
    )  # fmt: skip
    applied = _text(status.get("lastAppliedRevision"))
    attempted = _text(status.get("lastAttemptedRevision"))
    history = status.get("history")
    if kind == HELM_RELEASE and applied is None and isinstance(history, list) and history:
        applied = _text(_map(history[0]).get("chartVersion"))  # helm-controller v2: newest first
    value = ready.get("status")
    return FluxObject(
        kind=kind,
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        ready=value if value in ("True", "False") else "Unknown",
        reason=_text(ready.get("reason")),
        message=_text(ready.get("message")),
        applied_revision=applied,
        attempted_revision=attempted,
        suspended=spec.get("suspend") is True,
    )


def flux_owner(labels: Mapping[str, str]) -> tuple[str, str, str] | None:
    """``(kind, namespace, name)`` of the Flux object that applied an object with ``labels``."""
    for kind, prefix in LABELS.items():
        name, namespace = labels.get(f"{prefix}/name"), labels.get(f"{prefix}/namespace")
        if name and namespace:
            return kind, namespace, name
    return None


def flux_status(
    workload_labels: Sequence[Mapping[str, str]],
    objects: Mapping[tuple[str, str, str], FluxObject],
) -> dict[str, object] | None:
    """The persona's ``status.flux`` from its workloads' labels (the first owner found, in a
    stable order), or None when Flux applied none of them."""
    owners = sorted({o for labels in workload_labels if (o := flux_owner(labels)) is not None})
    for owner in owners:
        found = objects.get(owner)
        if found is None:
            continue
        return {
            "kind": found.kind, "namespace": found.namespace, "name": found.name,
            "ready": found.ready, "reason": found.reason,
            "message": (found.message or "")[:MESSAGE_LENGTH] or None,
            "lastAppliedRevision": found.applied_revision,
            "lastAttemptedRevision": found.attempted_revision,
            "suspended": found.suspended,
        }  # fmt: skip
    return None
