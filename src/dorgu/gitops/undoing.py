"""``kubectl rollout undo`` for a Deployment that Argo CD does not manage: the pod template of
an earlier ReplicaSet (by its ``deployment.kubernetes.io/revision``) written back into the
Deployment as one JSON patch, guarded by the resourceVersion it was planned against.

Like kubectl: a paused Deployment is refused; the previous revision is the highest one below
the current; a target whose template already runs is a no-op; the ReplicaSet's own
annotations are carried over except the controller's bookkeeping ones.

Must not do I/O.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dorgu.errors import ConflictError, UsageError

REVISION = "deployment.kubernetes.io/revision"
UNDO_ANNOTATION = "dorgu.io/last-rollback"
_NOT_COPIED = frozenset(
    {
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "kubectl.kubernetes.io/last-applied-configuration",
    }
)
JsonMap = Mapping[str, object]


@dataclass(frozen=True)
class UndoPlan:
    namespace: str
    name: str
    current: int | None
    target: int
    replicaset: str
    patch: list[dict[str, object]]
    """A JSON patch (RFC 6902) for the Deployment; empty when ``noop``."""
    noop: bool = False

    def describe(self) -> list[str]:
        where = f"Deployment {self.namespace}/{self.name}"
        if self.noop:
            return [f"{where}: the template of revision {self.target} already runs "
                    "(skipped, as kubectl does)"]  # fmt: skip
        return [f"{where}: pod template of revision {self.target} (ReplicaSet "
                f"{self.replicaset}) replaces revision {self.current or '?'}"]  # fmt: skip


def _map(value: object) -> JsonMap:
    return value if isinstance(value, Mapping) else {}


def _revision(obj: JsonMap) -> int | None:
    value = _map(_map(obj.get("metadata")).get("annotations")).get(REVISION)
    try:
        return int(str(value))
    except ValueError:
        return None


def _owned_by(rs: JsonMap, uid: object) -> bool:
    refs = _map(rs.get("metadata")).get("ownerReferences")
    return isinstance(refs, list) and any(
        isinstance(r, Mapping) and r.get("controller") and r.get("uid") == uid for r in refs
    )


def _template(rs: JsonMap) -> dict[str, object]:
    template = copy.deepcopy(dict(_map(_map(rs.get("spec")).get("template"))))
    labels = _map(_map(template.get("metadata")).get("labels"))
    if "pod-template-hash" in labels:
        metadata = dict(_map(template.get("metadata")))
        metadata["labels"] = {k: v for k, v in labels.items() if k != "pod-template-hash"}
        template["metadata"] = metadata
    return template


def plan_undo(
    deployment: JsonMap,
    replicasets: Sequence[JsonMap],
    *,
    to_revision: int | None,
    user: str,
    now: datetime,
) -> UndoPlan:
    meta, spec = _map(deployment.get("metadata")), _map(deployment.get("spec"))
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    where = f"Deployment {namespace}/{name}"
    if spec.get("paused") is True:
        raise ConflictError(f"{where} is paused", hint="resume it first (kubectl rollout resume)")
    owned = {rev: rs for rs in replicasets
             if _owned_by(rs, meta.get("uid")) and (rev := _revision(rs)) is not None}  # fmt: skip
    current = _revision(deployment)
    if to_revision is not None:
        if to_revision not in owned:
            known = ", ".join(str(r) for r in sorted(owned)) or "none"
            raise UsageError(f"{where} has no revision {to_revision}",
                             hint=f"known revisions: {known}")  # fmt: skip
        target = to_revision
    else:
        highest = max(owned, default=None)
        earlier = [r for r in owned if highest is not None and r < highest]
        if not earlier:
            raise ConflictError(f"{where}: no earlier revision to roll back to",
                                hint="its ReplicaSet history is empty (revisionHistoryLimit: 0?)")  # fmt: skip
        target = max(earlier)
    rs = owned[target]
    template = _template(rs)
    rs_name = str(_map(rs.get("metadata")).get("name") or "")
    if template == _map(spec.get("template")):
        return UndoPlan(namespace, name, current, target, rs_name, [], noop=True)
    annotations = dict(_map(meta.get("annotations")))
    for key, value in _map(_map(rs.get("metadata")).get("annotations")).items():
        if key not in _NOT_COPIED:
            annotations[key] = value
    annotations[UNDO_ANNOTATION] = json.dumps(
        {"by": user, "at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "revision": target},
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    patch: list[dict[str, object]] = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": meta.get("resourceVersion")},
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "add", "path": "/metadata/annotations", "value": annotations},
    ]
    return UndoPlan(namespace, name, current, target, rs_name, patch)
