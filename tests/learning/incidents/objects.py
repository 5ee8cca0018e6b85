"""Kubernetes object dicts shaped like the ones a kubelet and the controllers write."""

from __future__ import annotations

from typing import Any

T0 = "2026-01-05T10:00:00Z"


def pod(
    name: str,
    *,
    deployment: str = "orders",
    namespace: str = "shop",
    containers: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    **status: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/name": deployment, "pod-template-hash": "7d9f8"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{deployment}-7d9f8",
                    "uid": "u",
                    "controller": True,
                }
            ],
        },
        "status": {
            "phase": phase,
            "containerStatuses": containers or [],
            "conditions": conditions or [],
            **status,
        },
    }


def oom_crashloop(restarts: int = 3, finished: str = T0) -> dict[str, Any]:
    return {
        "name": "app",
        "image": "shop/orders:1.2",
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
        "lastState": {
            "terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": finished}
        },
    }


def waiting(reason: str, message: str = "") -> dict[str, Any]:
    return {
        "name": "app",
        "image": "shop/orders:9.9",
        "ready": False,
        "restartCount": 0,
        "state": {"waiting": {"reason": reason, "message": message}},
    }
