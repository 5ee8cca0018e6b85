"""HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget.

The HPA scales on CPU (``scaling.target_cpu``, default 70%) and, when set, memory; its
``behavior`` comes from the preset ``scaling.behavior`` (conservative | balanced | aggressive,
default balanced).  Replicated workloads get a PDB with ``maxUnavailable: 1``, which protects
availability during node drains without ever blocking every eviction (as ``minAvailable`` equal
to the replica count would).

Must not set ``spec.replicas``: ``workloads.py`` leaves it out when an HPA exists.
"""

from __future__ import annotations

from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.models.config import ScalingBehavior
from dorgu.models.evidence import Diagnostic

Generated = tuple[list[GeneratedResource], list[Diagnostic]]
DEFAULT_TARGET_CPU = 70


def _policy(kind: str, value: int, period: int) -> Manifest:
    return {"type": kind, "value": value, "periodSeconds": period}


BEHAVIORS: dict[ScalingBehavior, Manifest] = {
    ScalingBehavior.CONSERVATIVE: {
        "scaleUp": {
            "stabilizationWindowSeconds": 60,
            "selectPolicy": "Min",
            "policies": [_policy("Percent", 50, 60), _policy("Pods", 2, 60)],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 600,
            "selectPolicy": "Min",
            "policies": [_policy("Pods", 1, 120)],
        },
    },
    ScalingBehavior.BALANCED: {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [_policy("Percent", 100, 60), _policy("Pods", 4, 60)],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 300,
            "selectPolicy": "Min",
            "policies": [_policy("Percent", 25, 60)],
        },
    },
    ScalingBehavior.AGGRESSIVE: {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [_policy("Percent", 200, 30), _policy("Pods", 8, 30)],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 60,
            "selectPolicy": "Max",
            "policies": [_policy("Percent", 50, 30)],
        },
    },
}


def build_autoscaler(plan: ComponentPlan, app: AppPlan) -> Generated:
    replicas = plan.replicas
    if not replicas.autoscale or plan.workload is not WorkloadKind.DEPLOYMENT:
        return [], []
    scaling = plan.settings.scaling
    metrics: list[object] = [_metric("cpu", scaling.target_cpu or DEFAULT_TARGET_CPU)]
    if scaling.target_memory:
        metrics.append(_metric("memory", scaling.target_memory))
    behavior = BEHAVIORS[scaling.behavior or ScalingBehavior.BALANCED]
    manifest: Manifest = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": plan.metadata(),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": plan.name},
            "minReplicas": replicas.minimum,
            "maxReplicas": replicas.maximum,
            "metrics": metrics,
            "behavior": behavior,
        },
    }
    return [GeneratedResource(manifest, component=plan.component.name)], []


def _metric(resource: str, target: int) -> Manifest:
    return {
        "type": "Resource",
        "resource": {
            "name": resource,
            "target": {"type": "Utilization", "averageUtilization": target},
        },
    }


def build_disruption_budget(plan: ComponentPlan, app: AppPlan) -> Generated:
    if plan.workload not in (WorkloadKind.DEPLOYMENT, WorkloadKind.STATEFULSET):
        return [], []
    if not plan.replicas.replicated:
        return [], []
    manifest: Manifest = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": plan.metadata(),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(plan.selector)}},
    }
    return [GeneratedResource(manifest, component=plan.component.name)], []
