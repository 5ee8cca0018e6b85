"""Which workload a failing object belongs to, and which persona that workload belongs to.

``workload_of`` follows controller owner references upwards (Pod -> ReplicaSet -> Deployment,
Pod -> Job -> CronJob) through ``owners``, the owner objects the informers hold; when a
ReplicaSet is not known, its Deployment is recognised by the ``pod-template-hash`` suffix.
``attribute`` picks the persona whose selector matches the workload's labels.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dorgu.learning.incidents.reading import Obj, labels, mapping, mappings, text
from dorgu.learning.incidents.signals import ObjectRef
from dorgu.models.incidents import PersonaKind, PersonaRef
from dorgu.models.patterns import LazyPattern
from dorgu.models.personas_base import LabelSelector

MAX_DEPTH = 4
TEMPLATE_HASH = "pod-template-hash"
_POD_OF_DEPLOYMENT = LazyPattern(
    r"^(?P<deployment>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)-[4-9bcdf]{6,10}-[bcdfghjklmnpqrstvwxz2-9]{5}$"
)
"""The name a ReplicaSet gives its Pods: ``<deployment>-<template hash>-<5>`` (the hash is
encoded with ``4-9bcdf``, the suffix with consonants and digits)."""


def ref_of(obj: object, *, kind: str | None = None) -> ObjectRef | None:
    """The ``ObjectRef`` of an object dict, or ``None`` without a kind or a name."""
    meta = mapping(obj, "metadata")
    found_kind = kind or text(obj, "kind")
    name = text(meta, "name")
    if found_kind is None or name is None:
        return None
    return ObjectRef(found_kind, text(meta, "namespace") or "", name)


def _controller(obj: object, namespace: str) -> ObjectRef | None:
    references = mappings(mapping(obj, "metadata"), "ownerReferences")
    chosen = next((r for r in references if r.get("controller") is True), None)
    if chosen is None:
        return None
    kind, name = text(chosen, "kind"), text(chosen, "name")
    return ObjectRef(kind, namespace, name) if kind and name else None


def owner_chain(
    obj: Obj, *, kind: str | None = None, owners: Mapping[ObjectRef, Obj] | None = None
) -> list[ObjectRef]:
    """``obj`` and its controllers, innermost first (at most ``MAX_DEPTH`` levels)."""
    start = ref_of(obj, kind=kind)
    if start is None:
        return []
    chain = [start]
    current: Obj = obj
    own_labels = labels(obj)
    for _ in range(MAX_DEPTH):
        parent = _controller(current, start.namespace)
        if parent is None or parent in chain:
            break
        chain.append(parent)
        known = (owners or {}).get(parent)
        if known is not None:
            current = known
            continue
        suffix = own_labels.get(TEMPLATE_HASH)
        if parent.kind == "ReplicaSet" and suffix and parent.name.endswith(f"-{suffix}"):
            chain.append(ObjectRef("Deployment", parent.namespace, parent.name[: -len(suffix) - 1]))
        break
    return chain


def workload_of(
    obj: Obj, *, kind: str | None = None, owners: Mapping[ObjectRef, Obj] | None = None
) -> tuple[ObjectRef, dict[str, str]] | None:
    """The outermost controller of ``obj`` (itself when it has none) and the labels to attribute
    it by: the workload's own labels when the informers hold it, else ``obj``'s."""
    chain = owner_chain(obj, kind=kind, owners=owners)
    if not chain:
        return None
    top = chain[-1]
    known = (owners or {}).get(top)
    return top, labels(known if known is not None else obj)


def lift(
    ref: ObjectRef, owners: Mapping[ObjectRef, Obj] | None
) -> tuple[ObjectRef, dict[str, str]]:
    """``ref``'s outermost controller and labels when the informers hold it, else ``ref``."""
    known = (owners or {}).get(ref)
    if known is not None:
        lifted = workload_of(known, kind=ref.kind, owners=owners)
        if lifted is not None and lifted[0].namespace == ref.namespace:
            return lifted
    return ref, {}


def workload_of_pod(
    pod: ObjectRef, known: Obj | None, *, owners: Mapping[ObjectRef, Obj] | None = None
) -> tuple[ObjectRef, dict[str, str]]:
    """The workload of a Pod named by an Event or an alert: through the Pod object when the
    informers hold it (``known``), else through the name its ReplicaSet gave it, else the Pod
    itself.  A Pod the caches have not seen yet so still joins its Deployment's incident."""
    if known is not None:
        lifted = workload_of(known, kind="Pod", owners=owners)
        if lifted is not None:
            return lifted
    shaped = _POD_OF_DEPLOYMENT.match(pod.name)
    if shaped is not None:
        return lift(ObjectRef("Deployment", pod.namespace, shaped.group("deployment")), owners)
    return pod, {}


@dataclass(frozen=True)
class PersonaTarget:
    """An ApplicationPersona as attribution needs it: where it is and what it selects."""

    name: str
    namespace: str
    selector: LabelSelector


def attribute(
    workload: ObjectRef,
    workload_labels: Mapping[str, str],
    personas: Iterable[PersonaTarget],
    *,
    cluster_persona: str | None = None,
) -> PersonaRef | None:
    """The persona ``workload`` belongs to: the first (by name) ApplicationPersona in its
    namespace whose selector matches, else for a cluster-scoped object the ClusterPersona."""
    if not workload.namespace:
        if cluster_persona:
            return PersonaRef(kind=PersonaKind.CLUSTER, name=cluster_persona)
        return None
    candidates = sorted(
        (p for p in personas if p.namespace == workload.namespace), key=lambda p: p.name
    )
    for persona in candidates:
        if persona.selector.matches(dict(workload_labels)):
            return PersonaRef(
                kind=PersonaKind.APPLICATION, name=persona.name, namespace=persona.namespace
            )
    return None
