"""What the cluster benchmarks create: a compliant Deployment, the persona that selects it, and
a free loopback port."""

from __future__ import annotations

import socket
from typing import Any


def persona(name: str, *, mode: str, namespace: str = "bench") -> dict[str, Any]:
    return {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "name": name,
            "type": "api",
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
            "scaling": {"minReplicas": 1, "maxReplicas": 4},
            "validation": {"mode": mode},
        },
    }


def deployment(
    name: str, *, app: str, namespace: str | None = None, replicas: int = 2
) -> dict[str, Any]:
    """A Deployment within the persona's bounds that passes every error-level rule."""
    labels = {"app.kubernetes.io/name": app}
    container = {
        "name": app,
        "image": "registry.example.com/app:1.2.3",
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
    }  # fmt: skip
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}},
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
