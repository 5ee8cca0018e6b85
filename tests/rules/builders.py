"""Realistic manifests for rule tests: a hardened Deployment that passes every rule, and its
HPA, PDB, Service and ServiceAccount; tests break one thing at a time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from dorgu.models.findings import Finding
from dorgu.models.personas import ApplicationPersonaSpec
from dorgu.rules import PersonaBinding, RulePolicy, evaluate
from dorgu.rules.policies import DEFAULT_POLICY

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LABELS = {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api"}


def container(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "api",
        "image": "ghcr.io/acme/api:1.4.2",
        "imagePullPolicy": "Always",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 5,
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    data.update(overrides)
    return data


def deployment(name: str = "api", *, replicas: int | None = 3, **pod: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container(name=name)],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(LABELS)},
            }
        ],
    }
    spec.update(pod)
    manifest: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop", "labels": dict(LABELS)},
        "spec": {
            "selector": {"matchLabels": dict(LABELS)},
            "template": {"metadata": {"labels": dict(LABELS)}, "spec": spec},
        },
    }
    if replicas is not None:
        manifest["spec"]["replicas"] = replicas
    return manifest


def hpa(target: str = "api", *, low: int | None = 2, high: int = 6) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
        "maxReplicas": high,
    }
    if low is not None:
        spec["minReplicas"] = low
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target, "namespace": "shop"},
        "spec": spec,
    }


def pdb(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": dict(LABELS)}, **(spec or {"maxUnavailable": 1})},
    }


def service(target_port: object = "http", name: str = "api") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "selector": dict(LABELS),
            "ports": [{"name": "http", "port": 80, "targetPort": target_port}],
        },
    }


def app(**deployment_options: Any) -> list[dict[str, Any]]:
    """A clean app: Deployment (3 replicas), PDB and Service."""
    return [deployment(**deployment_options), pdb(), service()]


def persona(**spec: Any) -> PersonaBinding:
    return PersonaBinding(
        ApplicationPersonaSpec.model_validate({"name": "api", "type": "api", **spec})
    )


def run(
    objects: list[dict[str, Any]],
    *,
    personas: tuple[PersonaBinding, ...] = (),
    policy: RulePolicy = DEFAULT_POLICY,
    now: datetime = NOW,
) -> list[Finding]:
    return [f.finding for f in evaluate(objects, now=now, personas=personas, policy=policy)]


def hits(objects: list[dict[str, Any]], rule: str, **options: Any) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in run(objects, **options) if f.rule_id == rule]


def pod(manifest: dict[str, Any]) -> dict[str, Any]:
    found = manifest["spec"]["template"]["spec"]
    assert isinstance(found, dict)
    return found


def first(manifest: dict[str, Any]) -> dict[str, Any]:
    found = pod(manifest)["containers"][0]
    assert isinstance(found, dict)
    return found


def clone(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)
