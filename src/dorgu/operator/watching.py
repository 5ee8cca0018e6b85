"""What the operator watches: the caches every replica keeps (``ClusterView``) and the
triggers that turn Deployment, StatefulSet, HPA and persona changes into persona reconciles
(``Triggers``, listeners on those caches).

``ClusterView`` indexes personas by namespace with their parsed spec and selector, so the
webhook finds a workload's persona with a dict lookup and a selector match.  Missing optional
APIs (PDBs, HPAs, the persona CRD itself) leave their store empty and never crash.

Must not call the rule engine, write to the cluster, or block: triggers only enqueue.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from dorgu.models.persona_params import param_spec
from dorgu.models.personas_base import LabelSelector
from dorgu.models.personas_learned import LearnedState
from dorgu.models.personas_policies import NAMESPACE_MODE_LABEL, ValidationMode
from dorgu.models.personas_spec import ApplicationPersonaSpec
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, JsonObject, Kind
from dorgu.operator.caching import Key, Store, run_informer
from dorgu.rules.objects import Manifest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonaEntry:
    """A cached persona: identity, parsed spec (None when invalid) and selector."""

    namespace: str
    name: str
    generation: int | None
    observed_generation: int | None
    spec: ApplicationPersonaSpec | None
    selector: LabelSelector | None
    error: str | None = None
    learned: LearnedState | None = None
    """``status.learned`` (the admission rules on learned baselines read it)."""
    uid: str = ""
    param: str = "{}"
    """The admission policies' parameter spec (``persona_params.param_spec``), as sorted JSON."""

    @property
    def key(self) -> Key:
        return self.namespace, self.name

    def selects(self, labels: Mapping[str, str]) -> bool:
        return self.selector is not None and self.selector.matches(dict(labels))


def _meta(obj: JsonObject) -> Mapping[str, object]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def persona_entry(obj: JsonObject) -> PersonaEntry:
    meta = _meta(obj)
    status = obj.get("status")
    observed = _int(status.get("observedGeneration")) if isinstance(status, dict) else None
    spec: ApplicationPersonaSpec | None = None
    error: str | None = None
    learned: LearnedState | None = None
    raw = status.get("learned") if isinstance(status, dict) else None
    if isinstance(raw, dict) and raw.get("containers"):
        try:
            learned = LearnedState.model_validate(raw)
        except ValidationError:
            learned = None
    try:
        spec = ApplicationPersonaSpec.model_validate(obj.get("spec") or {})
    except ValidationError as problem:
        error = "; ".join(
            f"spec.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problem.errors()[:5]
        )
    return PersonaEntry(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        generation=_int(meta.get("generation")),
        observed_generation=observed,
        spec=spec,
        selector=spec.target_selector() if spec else None,
        error=error,
        learned=learned,
        uid=str(meta.get("uid") or ""),
        param=json.dumps(
            param_spec(raw if isinstance(raw := obj.get("spec"), dict) else {}),
            sort_keys=True,
            separators=(",", ":"),
        ),
    )


def related_object(kind: str) -> Callable[[JsonObject], Manifest]:
    """Keep what the rules read (kind, metadata without managedFields, spec)."""

    def transform(obj: JsonObject) -> Manifest:
        meta = {k: v for k, v in _meta(obj).items() if k != "managedFields"}
        return {"kind": kind, "metadata": meta, "spec": obj.get("spec") or {}}

    return transform


def namespace_mode(obj: JsonObject) -> ValidationMode | None:
    labels = _meta(obj).get("labels")
    value = labels.get(NAMESPACE_MODE_LABEL) if isinstance(labels, dict) else None
    try:
        return ValidationMode(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CachedWorkload:
    """A Deployment or StatefulSet as the reconciler needs it, compact: the fields it selects
    and fingerprints by, and the whole object (no managedFields) as JSON bytes, parsed only
    when the workload must be evaluated again.  A few objects per workload instead of a tree
    of dicts keeps thousands of cached workloads cheap in memory and out of the cyclic
    collector's way (its full scans would pause the webhook)."""

    kind: str
    namespace: str
    name: str
    uid: str
    generation: int | None
    labels: dict[str, str]
    annotations: tuple[tuple[str, str], ...]
    mark: tuple[object, ...]
    """What about the workload matters to its persona's status (see ``_fingerprint``)."""
    raw: bytes

    def manifest(self) -> JsonObject:
        value = json.loads(self.raw)
        return value if isinstance(value, dict) else {}


def workload_object(kind: str) -> Callable[[JsonObject], CachedWorkload]:
    def transform(obj: JsonObject) -> CachedWorkload:
        meta = {k: v for k, v in _meta(obj).items() if k != "managedFields"}
        body = {"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
                "spec": obj.get("spec") or {}, "status": obj.get("status") or {}}  # fmt: skip
        annotations = meta.get("annotations")
        return CachedWorkload(
            kind=kind,
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            uid=str(meta.get("uid") or ""),
            generation=_int(meta.get("generation")),
            labels=_labels(body),
            annotations=tuple(sorted((str(k), str(v)) for k, v in annotations.items()))
            if isinstance(annotations, dict) else (),
            mark=_fingerprint(body),
            raw=json.dumps(body, separators=(",", ":")).encode(),
        )  # fmt: skip

    return transform


def _identity(obj: JsonObject) -> JsonObject:
    return obj


class ClusterView:
    """The caches one replica keeps; read-only for everyone but the informers.

    ``related_version(namespace)`` changes whenever an HPA, PDB, Service or ServiceAccount of
    the namespace changes, so evaluations that read them can be reused until then."""

    def __init__(self, *, peering: str | None = None, admission_only: bool = False) -> None:
        self.admission_only = admission_only
        """Only what the webhook reads (no Deployments, StatefulSets or peering): the caches
        of the webhook worker process (``--webhook-process separate``)."""
        self.personas: Store[PersonaEntry] = Store("applicationpersonas.dorgu.io", persona_entry)
        self.autoscalers = Store(
            "horizontalpodautoscalers", related_object("HorizontalPodAutoscaler")
        )
        self.budgets = Store("poddisruptionbudgets", related_object("PodDisruptionBudget"))
        self.services = Store("services", related_object("Service"))
        self.accounts = Store("serviceaccounts", related_object("ServiceAccount"))
        self.namespaces: Store[ValidationMode | None] = Store("namespaces", namespace_mode)
        self.deployments: Store[CachedWorkload] = Store(
            "deployments", workload_object("Deployment")
        )
        self.statefulsets: Store[CachedWorkload] = Store(
            "statefulsets", workload_object("StatefulSet")
        )
        self.peering_name = peering
        self.peerings = Store("clusterkopfpeerings.kopf.dev", _identity)
        self._related_versions: dict[str, int] = {}
        for store in (self.autoscalers, self.budgets, self.services, self.accounts):
            store.listeners.append(self._bump)

    def _bump(self, _action: str, key: Key, _value: object) -> None:
        self._related_versions[key[0]] = self._related_versions.get(key[0], 0) + 1

    def related_version(self, namespace: str) -> int:
        return self._related_versions.get(namespace, 0)

    def _pairs(self) -> list[tuple[Kind, Store[object]]]:
        pairs = [
            (kinds.PERSONAS, self.personas),
            (kinds.HPAS, self.autoscalers),
            (kinds.PDBS, self.budgets),
            (kinds.SERVICES, self.services),
            (kinds.SERVICE_ACCOUNTS, self.accounts),
            (kinds.CORE_NAMESPACES, self.namespaces),
            (kinds.DEPLOYMENTS, self.deployments),
            (kinds.STATEFULSETS, self.statefulsets),
        ]
        if self.admission_only:
            return pairs[:6]  # type: ignore[return-value]
        if self.peering_name is not None:
            pairs.append((kinds.PEERINGS, self.peerings))
        return pairs  # type: ignore[return-value]

    def stores(self) -> list[Store[object]]:
        return [store for _, store in self._pairs()]

    def start(self, api: Api) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(run_informer(api, kind, store), name=f"informer:{store.name}")
            for kind, store in self._pairs()
        ]

    def synced(self) -> bool:
        return all(store.synced.is_set() for _, store in self._pairs())

    async def wait_synced(self) -> None:
        await asyncio.gather(*(store.synced.wait() for _, store in self._pairs()))

    def peering(self) -> JsonObject | None:
        """The cached peering object; None when it (or its CRD) does not exist."""
        if self.peering_name is None or self.peerings.missing:
            return None
        return self.peerings.get(("", self.peering_name))

    def personas_for(self, namespace: str, labels: Mapping[str, str]) -> list[PersonaEntry]:
        """The personas of ``namespace`` whose selector matches ``labels`` (by name)."""
        found = [p for p in self.personas.in_namespace(namespace) if p.selects(labels)]
        return sorted(found, key=lambda p: p.name) if len(found) > 1 else found

    def workloads_for(self, entry: PersonaEntry) -> list[CachedWorkload]:
        """The Deployments and StatefulSets ``entry`` selects, by kind and name."""
        found = [
            workload
            for store in (self.deployments, self.statefulsets)
            for workload in store.in_namespace(entry.namespace)
            if entry.selects(workload.labels)
        ]
        return sorted(found, key=lambda w: (w.kind, w.name))

    def related(self, namespace: str) -> list[Manifest]:
        return [
            *self.autoscalers.in_namespace(namespace),
            *self.budgets.in_namespace(namespace),
            *self.services.in_namespace(namespace),
            *self.accounts.in_namespace(namespace),
        ]

    def known_services(self, namespace: str) -> frozenset[str] | None:
        if self.services.missing:
            return None
        return frozenset(self.services.by_namespace.get(namespace, {}))

    def namespace_mode(self, namespace: str) -> ValidationMode | None:
        return self.namespaces.get(("", namespace))


def _labels(body: Mapping[str, object]) -> dict[str, str]:
    labels = _meta(dict(body)).get("labels")
    return (
        {k: v for k, v in labels.items() if isinstance(v, str)} if isinstance(labels, dict) else {}
    )


def _fingerprint(body: Mapping[str, object]) -> tuple[object, ...]:
    """What about a workload matters to its persona's status: spec generation, labels, and
    the rollout (observed generation, replica counts, progress condition)."""
    status = body.get("status")
    status = status if isinstance(status, dict) else {}
    progress = [
        (c.get("status"), c.get("reason"))
        for c in status.get("conditions") or []
        if isinstance(c, dict) and c.get("type") == "Progressing"
    ]
    counts = tuple(
        status.get(k)
        for k in ("observedGeneration", "replicas", "updatedReplicas", "availableReplicas")
    )
    return (
        _meta(dict(body)).get("generation"),
        tuple(sorted(_labels(body).items())),
        counts,
        tuple(progress),
    )


class Triggers:
    """Cache changes -> which personas to reconcile.  Installed as listeners on the view's
    stores, so a reconcile always reads a cache at least as new as the event that queued it.
    ``enqueue`` must not block (the reconciler ignores it on a standby replica)."""

    def __init__(
        self,
        *,
        view: ClusterView,
        enqueue: Callable[[Key], None],
        targeted_by: Callable[[str, str, str], Iterable[Key]],
    ) -> None:
        self.view = view
        self.enqueue = enqueue
        self.targeted_by = targeted_by
        self._seen_workloads: dict[tuple[str, str, str], tuple[object, ...]] = {}
        self._seen_personas: set[Key] = set()

    def install(self) -> None:
        view = self.view
        view.personas.listeners.append(self.on_persona)
        view.deployments.listeners.append(lambda a, k, v: self.on_workload("Deployment", a, k, v))
        view.statefulsets.listeners.append(lambda a, k, v: self.on_workload("StatefulSet", a, k, v))
        view.autoscalers.listeners.append(self.on_autoscaler)

    def on_persona(self, action: str, key: Key, entry: object) -> None:
        if action == "DELETE" or not isinstance(entry, PersonaEntry):
            self._seen_personas.discard(key)
            self.enqueue(key)  # the reconciler finds it gone and forgets it
            return
        fresh = key not in self._seen_personas
        if fresh or entry.generation != entry.observed_generation:
            self._seen_personas.add(key)
            self.enqueue(key)

    def on_workload(self, kind: str, action: str, key: Key, body: object) -> None:
        namespace, name = key
        ident = (kind, namespace, name)
        labels: dict[str, str] = {}
        if action == "DELETE":
            self._seen_workloads.pop(ident, None)
        if isinstance(body, CachedWorkload):
            labels = body.labels
            if action != "DELETE":
                if self._seen_workloads.get(ident) == body.mark:
                    return
                self._seen_workloads[ident] = body.mark
        keys = {p.key for p in self.view.personas_for(namespace, labels)} if labels else set()
        keys.update(self.targeted_by(kind, namespace, name))
        for persona in sorted(keys):
            self.enqueue(persona)

    def on_autoscaler(self, action: str, key: Key, body: object) -> None:
        namespace = key[0]
        spec = body.get("spec") if isinstance(body, Mapping) else None
        ref = spec.get("scaleTargetRef") if isinstance(spec, dict) else None
        keys: set[Key] = set()
        if isinstance(ref, dict):
            keys.update(self.targeted_by(str(ref.get("kind")), namespace, str(ref.get("name"))))
        if not keys:  # the target is unknown yet: every persona of the namespace
            keys = {p.key for p in self.view.personas.in_namespace(namespace)}
        for persona in sorted(keys):
            self.enqueue(persona)
