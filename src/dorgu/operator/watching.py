"""What the operator watches: the caches every replica keeps (``ClusterView``) and the
triggers that turn Deployment, StatefulSet, HPA and persona events into persona reconciles
(``Triggers``, called by the kopf handlers of the active replica).

``ClusterView`` indexes personas by namespace with their parsed spec and selector, so the
webhook finds a workload's persona with a dict lookup and a selector match.  Missing optional
APIs (PDBs, HPAs, the persona CRD itself) leave their store empty and never crash.

Must not call the rule engine, write to the cluster, or block: triggers only enqueue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from dorgu.models.personas_base import LabelSelector
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


class ClusterView:
    """The caches one replica keeps; read-only for everyone but the informers."""

    def __init__(self) -> None:
        self.personas: Store[PersonaEntry] = Store("applicationpersonas.dorgu.io", persona_entry)
        self.autoscalers = Store(
            "horizontalpodautoscalers", related_object("HorizontalPodAutoscaler")
        )
        self.budgets = Store("poddisruptionbudgets", related_object("PodDisruptionBudget"))
        self.services = Store("services", related_object("Service"))
        self.accounts = Store("serviceaccounts", related_object("ServiceAccount"))
        self.namespaces: Store[ValidationMode | None] = Store("namespaces", namespace_mode)

    def _pairs(self) -> list[tuple[Kind, Store[object]]]:
        return [
            (kinds.PERSONAS, self.personas),  # type: ignore[list-item]
            (kinds.HPAS, self.autoscalers),  # type: ignore[list-item]
            (kinds.PDBS, self.budgets),  # type: ignore[list-item]
            (kinds.SERVICES, self.services),  # type: ignore[list-item]
            (kinds.SERVICE_ACCOUNTS, self.accounts),  # type: ignore[list-item]
            (kinds.CORE_NAMESPACES, self.namespaces),  # type: ignore[list-item]
        ]

    def start(self, api: Api) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(run_informer(api, kind, store), name=f"informer:{store.name}")
            for kind, store in self._pairs()
        ]

    def synced(self) -> bool:
        return all(store.synced.is_set() for _, store in self._pairs())

    async def wait_synced(self) -> None:
        await asyncio.gather(*(store.synced.wait() for _, store in self._pairs()))

    def personas_for(self, namespace: str, labels: Mapping[str, str]) -> list[PersonaEntry]:
        """The personas of ``namespace`` whose selector matches ``labels`` (by name)."""
        found = [p for p in self.personas.in_namespace(namespace) if p.selects(labels)]
        return sorted(found, key=lambda p: p.name) if len(found) > 1 else found

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
    """Event -> which personas to reconcile.  ``enqueue`` must not block."""

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

    def on_persona(self, event_type: str | None, body: Mapping[str, object]) -> None:
        entry = persona_entry(dict(body))
        if event_type == "DELETED":
            self._seen_personas.discard(entry.key)
            return
        fresh = entry.key not in self._seen_personas
        if fresh or entry.generation != entry.observed_generation:
            self._seen_personas.add(entry.key)
            self.enqueue(entry.key)

    def on_workload(self, kind: str, event_type: str | None, body: Mapping[str, object]) -> None:
        meta = _meta(dict(body))
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        ident = (kind, namespace, name)
        if event_type == "DELETED":
            self._seen_workloads.pop(ident, None)
        else:
            mark = _fingerprint(body)
            if self._seen_workloads.get(ident) == mark:
                return
            self._seen_workloads[ident] = mark
        keys = {p.key for p in self.view.personas_for(namespace, _labels(body))}
        keys.update(self.targeted_by(kind, namespace, name))
        for key in sorted(keys):
            self.enqueue(key)

    def on_autoscaler(self, event_type: str | None, body: Mapping[str, object]) -> None:
        meta = _meta(dict(body))
        namespace = str(meta.get("namespace") or "")
        spec = body.get("spec")
        ref = spec.get("scaleTargetRef") if isinstance(spec, dict) else None
        keys: set[Key] = set()
        if isinstance(ref, dict):
            keys.update(self.targeted_by(str(ref.get("kind")), namespace, str(ref.get("name"))))
        if not keys:  # the target is unknown yet: every persona of the namespace
            keys = {p.key for p in self.view.personas.in_namespace(namespace)}
        for key in sorted(keys):
            self.enqueue(key)
