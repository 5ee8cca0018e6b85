"""Benchmark: the pure incident pipeline under a storm, and the worst-case object size.

- storm: 500 Pods across 50 Deployments, every one OOM-crash-looping, plus one liveness-probe
  Event per Pod: ``detect_all`` + ``correlate`` + ``record`` must give exactly 50 incidents
  (one per Deployment), in at most 0.5 s of CPU per pass (median of 5; the operator runs this
  on every batch of informer changes); a second pass over unchanged objects must record nothing;
- size: an IncidentMemory with every bounded list full of maximum-length strings, as JSON; it
  must stay far below etcd's 1.5 MiB request limit (target: at most 512 KiB; eight
  conditions with Kubernetes' 32 KiB messages are most of it).
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from dorgu.learning.incidents import ObjectRef, correlate, detect_all, record
from dorgu.models import incidents as im
from dorgu.models.personas_base import dump_wire

DEPLOYMENTS = 50
PODS_PER_DEPLOYMENT = 10
TARGET_SECONDS = 0.5
TARGET_BYTES = 512 * 1024
NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
T0 = "2026-01-05T10:00:00Z"


def _pod(deployment: str, index: int) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": f"{deployment}-6b7c9-{index}",
            "namespace": "storm",
            "labels": {"app.kubernetes.io/name": deployment, "pod-template-hash": "6b7c9"},
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": f"{deployment}-6b7c9", "controller": True}
            ],
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "OOMKilled", "finishedAt": T0}},
                }
            ],
        },
    }


def _event(pod: dict[str, Any]) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    return {
        "kind": "Event",
        "metadata": {"name": f"{name}.1", "namespace": "storm", "uid": f"uid-{name}"},
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "storm"},
        "reason": "Unhealthy",
        "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "lastTimestamp": T0,
    }


def _storm() -> tuple[list[dict[str, Any]], dict[ObjectRef, dict[str, Any]]]:
    pods = [_pod(f"svc-{d:02d}", i) for d in range(DEPLOYMENTS) for i in range(PODS_PER_DEPLOYMENT)]
    by_ref = {ObjectRef("Pod", "storm", p["metadata"]["name"]): p for p in pods}
    return pods + [_event(p) for p in pods], by_ref


def _pass(
    objects: list[dict[str, Any]],
    pods: dict[ObjectRef, dict[str, Any]],
    stored: dict[str, im.IncidentMemory],
) -> list[im.IncidentMemory]:
    written = []
    for draft in correlate(detect_all(objects, pods=pods), now=NOW, cluster="bench"):
        history = [stored[draft.fingerprint]] if draft.fingerprint in stored else []
        incident = record(draft, history, now=NOW, namespace="dorgu-system")
        if incident is not None:
            written.append(incident)
    return written


def _largest() -> int:
    text = "x" * im.MAX_DETAIL
    name = "n" * im.MAX_NAME
    resource = im.AffectedResource(kind="K" * 63, name=name, namespace="s" * 63, role="r" * 63)
    evidence = im.Evidence(signal="S" * 63, resource="r" * 318, reason="R" * 63, message=text)
    occurrence = im.Occurrence(signal="S" * 63, resource="r" * 318, token="t" * 126, at=NOW)
    condition = {
        "type": "T" * 300,
        "status": "True",
        "lastTransitionTime": NOW,
        "reason": "R" * 1024,
        "message": "m" * 32768,
    }
    incident = im.IncidentMemory(
        metadata={"name": name, "namespace": "storm"},  # type: ignore[arg-type]
        spec=im.IncidentMemorySpec(
            category=im.IncidentCategory.RESOURCE,
            detection=im.Detection(
                signal="S" * 63,
                first_seen=NOW,
                last_seen=NOW,
                affected_resources=[resource] * im.MAX_AFFECTED_RESOURCES,
                evidence=[evidence] * im.MAX_EVIDENCE,
            ),
            root_cause=im.RootCause(
                summary="s" * im.MAX_TEXT,
                contributing=[im.ContributingSignal(signal="S" * 63, detail=text)]
                * im.MAX_CONTRIBUTING,
            ),
            resolution=im.Resolution(action=text, note="n" * im.MAX_TEXT, resolved_by=name),
        ),
        status=im.IncidentMemoryStatus(
            recent_occurrences=[occurrence] * im.MAX_RECENT_OCCURRENCES,
            conditions=[condition] * im.MAX_CONDITIONS,  # type: ignore[list-item]
        ),
    )
    return len(json.dumps(dump_wire(incident)).encode("utf-8"))


def run() -> list[dict[str, object]]:
    objects, pods = _storm()
    timings = []
    first: list[im.IncidentMemory] = []
    for _ in range(5):
        start = time.process_time()
        first = _pass(objects, pods, {})
        timings.append(time.process_time() - start)
    stored = {i.spec.fingerprint or "": i for i in first}
    again = _pass(objects, pods, stored)
    median = statistics.median(timings)
    size = _largest()
    return [
        {
            "name": "incidents_storm",
            "pods": len(pods),
            "signals_objects": len(objects),
            "incidents": len(first),
            "rewritten_on_resync": len(again),
            "cpu_seconds_p50": round(median, 4),
            "cpu_seconds_max": round(max(timings), 4),
            "target_seconds": TARGET_SECONDS,
            "ratio_to_target": round(median / TARGET_SECONDS, 3),
            "ok": len(first) == DEPLOYMENTS and not again and median <= TARGET_SECONDS,
        },
        {
            "name": "incidents_max_object_bytes",
            "bytes": size,
            "target_bytes": TARGET_BYTES,
            "ratio_to_target": round(size / TARGET_BYTES, 3),
            "ok": size <= TARGET_BYTES,
        },
    ]
