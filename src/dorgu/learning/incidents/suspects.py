"""Suspects: what changed shortly before an incident began, named in ``rootCause.contributing``.

- ``rollout_suspect``: the Deployment's newest ReplicaSet revision (annotation
  ``deployment.kubernetes.io/revision``, 2 or more: a change, not the first rollout) created
  within ``window`` before the first signal, with what changed (the images, else "the pod
  template": configuration, environment, resources);
- ``dependency_suspect``: the persona's dependencies that are themselves in an open incident
  (matched by name against the other incident's workload or persona in the same namespace).

Both are ``ContributingSignal`` entries with their own signal names (``Rollout``,
``Dependency``) so they stay within the bounded list and never enter the fingerprint.
``with_suspects`` merges them into an incident (one entry per signal name, newest wins).

Must not do I/O or read the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dorgu.learning.incidents.lifecycle import format_duration
from dorgu.learning.incidents.reading import Obj, mapping, mappings, text, timestamp
from dorgu.learning.incidents.signals import ObjectRef
from dorgu.models.incidents import (
    MAX_CONTRIBUTING,
    MAX_DETAIL,
    ContributingSignal,
    IncidentMemory,
    RootCause,
)

ROLLOUT_WINDOW = timedelta(minutes=30)
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
ROLLOUT = "Rollout"
DEPENDENCY = "Dependency"


@dataclass(frozen=True)
class Revision:
    name: str
    number: int
    created: datetime | None
    images: tuple[tuple[str, str], ...]


def _revision(replica_set: Obj, workload: ObjectRef) -> Revision | None:
    meta = mapping(replica_set, "metadata")
    owner = next((r for r in mappings(meta, "ownerReferences") if r.get("controller") is True),
                 None)  # fmt: skip
    if (
        owner is None
        or text(owner, "kind") != workload.kind
        or text(owner, "name") != workload.name
    ):
        return None
    if (text(meta, "namespace") or "") != workload.namespace:
        return None
    try:
        number = int(text(mapping(meta, "annotations"), REVISION_ANNOTATION) or "")
    except ValueError:
        return None
    containers = mappings(mapping(mapping(mapping(replica_set, "spec"), "template"), "spec"),
                          "containers")  # fmt: skip
    images = tuple(sorted((text(c, "name") or "?", text(c, "image") or "?") for c in containers))
    return Revision(text(meta, "name") or "?", number, timestamp(meta, "creationTimestamp"), images)


def rollout_suspect(
    workload: ObjectRef,
    replica_sets: Iterable[Obj],
    *,
    first_seen: datetime,
    window: timedelta = ROLLOUT_WINDOW,
) -> ContributingSignal | None:
    """The rollout that began within ``window`` before ``first_seen``, if any."""
    if workload.kind != "Deployment":
        return None
    revisions = sorted(
        (r for rs in replica_sets if (r := _revision(rs, workload)) is not None),
        key=lambda r: r.number,
    )
    if not revisions or revisions[-1].number < 2:
        return None
    newest = revisions[-1]
    if newest.created is None or not first_seen - window <= newest.created <= first_seen:
        return None
    before = revisions[-2] if len(revisions) > 1 else None
    change = "the pod template changed (configuration, environment or resources)"
    if before is not None and before.images != newest.images:
        old = dict(before.images)
        moved = [f"{name} {old.get(name, '-')} -> {image}" for name, image in newest.images
                 if old.get(name) != image]  # fmt: skip
        change = "image " + "; ".join(moved) if moved else "containers removed"
    detail = (f"rollout to revision {newest.number} (ReplicaSet {newest.name}) "
              f"{format_duration(first_seen - newest.created)} before the first signal: {change}")  # fmt: skip
    return ContributingSignal(signal=ROLLOUT, detail=detail[:MAX_DETAIL])


@dataclass(frozen=True)
class OpenIncident:
    """Another open incident, as dependency matching needs it."""

    name: str
    namespace: str
    workload: str | None
    persona: str | None


def dependency_suspect(
    namespace: str, dependencies: Sequence[str], open_incidents: Iterable[OpenIncident]
) -> ContributingSignal | None:
    """The persona's dependencies (by name) that are in an open incident of ``namespace``."""
    wanted = set(dependencies)
    found = sorted(
        {(dep, i.name) for i in open_incidents if i.namespace == namespace
         for dep in wanted if dep in (i.workload, i.persona)}
    )  # fmt: skip
    if not found:
        return None
    detail = "dependency " + ", ".join(f"{dep} is in incident {name}" for dep, name in found)
    return ContributingSignal(signal=DEPENDENCY, detail=detail[:MAX_DETAIL])


def with_suspects(
    incident: IncidentMemory, suspects: Iterable[ContributingSignal | None]
) -> IncidentMemory:
    """``incident`` with ``suspects`` in ``rootCause.contributing`` (replacing entries of the
    same signal name; the list stays within its bound, the newest entries kept)."""
    named = [s for s in suspects if s is not None]
    if not named:
        return incident
    root = incident.spec.root_cause or RootCause()
    names = {s.signal for s in named}
    merged = [c for c in root.contributing if c.signal not in names] + named
    if merged == root.contributing:
        return incident
    root = root.model_copy(update={"contributing": merged[-MAX_CONTRIBUTING:]})
    return incident.model_copy(
        update={"spec": incident.spec.model_copy(update={"root_cause": root})}
    )
