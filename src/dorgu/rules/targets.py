"""What one evaluation looks at: a workload plus the objects that change its meaning (the HPA
that scales it, the PDBs and Services that select its pods, its ServiceAccount) and the
persona that describes it.

``link_targets`` finds these relations in a set of manifests (``dorgu validate``, ``dorgu
generate``); ``target_for`` does it for one workload and the related objects a caller already
holds (the admission webhook, from its watch cache).

Must not do I/O or evaluate rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from dorgu.models.personas_learned import LearnedState
from dorgu.models.personas_spec import ApplicationPersonaSpec
from dorgu.rules.objects import (
    Manifest,
    Workload,
    as_int,
    as_list,
    as_map,
    as_text,
    as_workload,
    identity,
    same_namespace,
)

RELATED_KINDS = frozenset(
    {"HorizontalPodAutoscaler", "PodDisruptionBudget", "Service", "ServiceAccount"}
)


@dataclass(frozen=True)
class PersonaBinding:
    """A persona spec and the namespace of its object (None: any namespace)."""

    spec: ApplicationPersonaSpec
    namespace: str | None = None

    def selects(self, workload: Workload) -> bool:
        labels = {k: str(v) for k, v in workload.labels.items() if isinstance(v, str | int)}
        return same_namespace(self.namespace, workload.namespace) and (
            self.spec.target_selector().matches(labels)
        )


@dataclass(frozen=True)
class Target:
    """A workload and everything the rules need to judge it."""

    workload: Workload
    autoscalers: tuple[Manifest, ...] = ()
    disruption_budgets: tuple[Manifest, ...] = ()
    services: tuple[Manifest, ...] = ()
    service_account: Manifest | None = None
    known_services: frozenset[str] | None = None
    """Names of the Services in the workload's namespace; None when unknown."""
    persona: ApplicationPersonaSpec | None = None
    learned: LearnedState | None = None
    """The persona's ``status.learned`` (baselines the operator learned), when known."""

    @property
    def autoscaler(self) -> Manifest | None:
        """The HPA that scales the workload, if any (the first when several do)."""
        return self.autoscalers[0] if self.autoscalers else None

    def replica_range(self) -> tuple[int, int] | None:
        """Fewest and most replicas: the HPA's range when one scales the workload, else
        ``spec.replicas`` twice; None for kinds without replicas."""
        if self.workload.replicas is None:
            return None
        hpa = self.autoscaler
        if hpa is not None:
            spec = as_map(hpa.get("spec"))
            low = as_int(spec.get("minReplicas"))
            high = as_int(spec.get("maxReplicas"))
            low = 1 if low is None else low
            return low, high if high is not None else low
        return self.workload.replicas, self.workload.replicas


def selector_matches(selector: Mapping[str, object], labels: Mapping[str, object]) -> bool:
    """A ``metav1.LabelSelector`` (``matchLabels``/``matchExpressions``) against labels."""
    for key, value in as_map(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for term in as_list(selector.get("matchExpressions")):
        term_map = as_map(term)
        key = as_text(term_map.get("key")) or ""
        values = as_list(term_map.get("values"))
        operator = term_map.get("operator")
        present = key in labels
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and present and labels.get(key) in values:
            return False
        if (operator == "Exists") != present and operator in ("Exists", "DoesNotExist"):
            return False
    return True


def _scales(hpa: Manifest, workload: Workload) -> bool:
    ref = as_map(as_map(hpa.get("spec")).get("scaleTargetRef"))
    _, _, namespace = identity(hpa)
    return (
        ref.get("kind") == workload.kind
        and ref.get("name") == workload.name
        and same_namespace(namespace, workload.namespace)
    )


def _selects_pods(obj: Manifest, workload: Workload) -> bool:
    kind, _, namespace = identity(obj)
    if not same_namespace(namespace, workload.namespace):
        return False
    spec = as_map(obj.get("spec"))
    if kind == "PodDisruptionBudget":
        selector = spec.get("selector")
        return isinstance(selector, Mapping) and selector_matches(
            selector, workload.template_labels
        )
    selector = as_map(spec.get("selector"))  # a Service: plain labels, empty selects nothing
    return bool(selector) and all(workload.template_labels.get(k) == v for k, v in selector.items())


def target_for(
    workload: Workload,
    *,
    related: Iterable[Manifest] = (),
    persona: ApplicationPersonaSpec | None = None,
    known_services: frozenset[str] | None = None,
    learned: LearnedState | None = None,
) -> Target:
    """The target of ``workload`` given candidate related objects of any kind (only those
    that really scale or select it are kept)."""
    hpas: list[Manifest] = []
    pdbs: list[Manifest] = []
    services: list[Manifest] = []
    account: Manifest | None = None
    account_name = as_text(workload.pod.get("serviceAccountName")) or "default"
    for obj in related:
        kind, name, namespace = identity(obj)
        if kind == "HorizontalPodAutoscaler" and _scales(obj, workload):
            hpas.append(obj)
        elif kind == "PodDisruptionBudget" and _selects_pods(obj, workload):
            pdbs.append(obj)
        elif kind == "Service" and _selects_pods(obj, workload):
            services.append(obj)
        elif (
            kind == "ServiceAccount"
            and name == account_name
            and same_namespace(namespace, workload.namespace)
        ):
            account = obj
    return Target(
        workload=workload,
        autoscalers=tuple(hpas),
        disruption_budgets=tuple(pdbs),
        services=tuple(services),
        service_account=account,
        known_services=known_services,
        persona=persona,
        learned=learned,
    )


def link_targets(
    objects: Sequence[Manifest], *, personas: Sequence[PersonaBinding] = ()
) -> list[tuple[int, Target]]:
    """One target per workload in ``objects`` (with its index), with its related objects and
    the first persona that selects it."""
    related = [o for o in objects if identity(o)[0] in RELATED_KINDS]
    by_namespace: dict[str | None, list[Manifest]] = {}
    for obj in related:
        by_namespace.setdefault(identity(obj)[2], []).append(obj)
    targets: list[tuple[int, Target]] = []
    for index, manifest in enumerate(objects):
        workload = as_workload(manifest)
        if workload is None:
            continue
        namespace = workload.namespace
        nearby = (
            related
            if namespace is None
            else [*by_namespace.get(namespace, ()), *by_namespace.get(None, ())]
        )
        persona = next((p.spec for p in personas if p.selects(workload)), None)
        known = frozenset(identity(o)[1] for o in nearby if identity(o)[0] == "Service")
        target = target_for(workload, related=nearby, persona=persona, known_services=known)
        targets.append((index, target))
    return targets


def target_objects(target: Target) -> Iterator[Manifest]:
    """The workload and the related objects a target's rules look at."""
    yield target.workload.manifest
    yield from target.autoscalers
    yield from target.disruption_budgets
    yield from target.services
    if target.service_account is not None:
        yield target.service_account
