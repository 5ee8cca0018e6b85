"""IncidentMemory objects built directly (as the operator would have stored them)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from dorgu.models.incidents import IncidentMemory
from dorgu.models.personas_base import dump_wire

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


def incident_body(
    name: str,
    *,
    namespace: str = "shop",
    signal: str = "OOMKilled",
    category: str = "resource",
    workload: str = "orders",
    contributing: tuple[str, ...] = (),
    fingerprint: str | None = None,
    episode: int = 1,
    phase: str = "Detected",
    resolution: dict[str, Any] | None = None,
    minutes: int = 0,
    message: str | None = None,
) -> dict[str, Any]:
    seen = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec: dict[str, Any] = {
        "category": category,
        "severity": "critical",
        "fingerprint": fingerprint or _digest(namespace, workload, signal),
        "workload": {"kind": "Deployment", "name": workload, "namespace": namespace,
                     "role": "workload"},
        "detection": {
            "signal": signal,
            "firstSeen": seen,
            "lastSeen": seen,
            "affectedResources": [
                {"kind": "Deployment", "name": workload, "namespace": namespace,
                 "role": "workload"},
                {"kind": "Pod", "name": f"{workload}-7d9f8-a", "namespace": namespace,
                 "role": "pod"},
            ],
            "evidence": [
                {"signal": signal, "resource": f"Pod/{workload}-7d9f8-a", "reason": signal,
                 "message": message or f"{signal} seen", "at": seen}
            ],
        },
    }  # fmt: skip
    if contributing:
        spec["rootCause"] = {
            "contributing": [{"signal": s, "detail": "seen"} for s in contributing]
        }
    if resolution is not None:
        spec["resolution"] = resolution
    status: dict[str, Any] = {"phase": phase, "occurrenceCount": 3, "episode": episode,
                              "lastOccurrence": seen}  # fmt: skip
    if phase == "Resolved":
        status["resolvedAt"] = seen
    return {
        "apiVersion": "dorgu.io/v1",
        "kind": "IncidentMemory",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"dorgu.io/fingerprint": spec["fingerprint"]}},
        "spec": spec,
        "status": status,
    }  # fmt: skip


def incident(name: str, **kwargs: Any) -> IncidentMemory:
    return IncidentMemory.model_validate(incident_body(name, **kwargs))


def wire(model: IncidentMemory) -> dict[str, Any]:
    return dump_wire(model)
