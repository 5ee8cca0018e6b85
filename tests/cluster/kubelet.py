"""What a kubelet writes when a container fails, for testbed tests without a kubelet: Pod
status through the status subresource and core/v1 Events, as the kubelet reports them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lightkube import Client, codecs
from lightkube.resources.core_v1 import Pod
from lightkube.types import PatchType


def stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(kind: str, status: bool, at: str) -> dict[str, str]:
    return {"type": kind, "status": "True" if status else "False", "lastTransitionTime": at}


def oom_crash_looping(pod: Pod, *, restarts: int, finished: datetime) -> dict[str, Any]:
    """The status of a Pod whose only container was OOM-killed and now backs off."""
    container = pod.spec.containers[0] if pod.spec else None
    at = stamp(finished)
    return {
        "phase": "Running",
        "conditions": [
            _condition("PodScheduled", True, at),
            _condition("Ready", False, at),
            _condition("ContainersReady", False, at),
        ],
        "containerStatuses": [
            {
                "name": container.name if container else "app",
                "image": container.image if container else "app",
                "imageID": "",
                "ready": False,
                "started": False,
                "restartCount": restarts,
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 40s restarting failed container",
                    }
                },
                "lastState": {
                    "terminated": {
                        "reason": "OOMKilled",
                        "exitCode": 137,
                        "startedAt": at,
                        "finishedAt": at,
                    }
                },
            }
        ],
    }


def recovered(pod: Pod, *, restarts: int, finished: datetime, ready: datetime) -> dict[str, Any]:
    """Running and Ready since ``ready``; the last termination (the OOM kill) stays."""
    container = pod.spec.containers[0] if pod.spec else None
    since = stamp(ready)
    return {
        "phase": "Running",
        "conditions": [
            _condition("PodScheduled", True, since),
            _condition("Ready", True, since),
            _condition("ContainersReady", True, since),
        ],
        "containerStatuses": [
            {
                "name": container.name if container else "app",
                "image": container.image if container else "app",
                "imageID": "",
                "ready": True,
                "started": True,
                "restartCount": restarts,
                "state": {"running": {"startedAt": since}},
                "lastState": {
                    "terminated": {
                        "reason": "OOMKilled",
                        "exitCode": 137,
                        "startedAt": stamp(finished),
                        "finishedAt": stamp(finished),
                    }
                },
            }
        ],
    }


def write_status(kube: Client, pod: Pod, status: dict[str, Any]) -> None:
    assert pod.metadata is not None and pod.metadata.name is not None
    kube.patch(
        Pod.Status,
        pod.metadata.name,
        {"status": status},
        namespace=pod.metadata.namespace,
        patch_type=PatchType.MERGE,
    )


def post_probe_failure(kube: Client, pod: Pod, *, kind: str = "Liveness") -> None:
    """The Event a kubelet posts when a probe fails."""
    meta = pod.metadata
    assert meta is not None and meta.name is not None
    container = pod.spec.containers[0].name if pod.spec else "app"
    now = stamp()
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta.name}.{uuid.uuid4().hex[:12]}", "namespace": meta.namespace},
        "involvedObject": {"kind": "Pod", "name": meta.name, "namespace": meta.namespace,
                           "uid": meta.uid, "apiVersion": "v1",
                           "fieldPath": f"spec.containers{{{container}}}"},
        "reason": "Unhealthy", "type": "Warning", "count": 1,
        "firstTimestamp": now, "lastTimestamp": now,
        "message": f"{kind} probe failed: HTTP probe failed with statuscode: 500",
        "source": {"component": "kubelet", "host": "node-1"},
    }  # fmt: skip
    kube.create(codecs.from_dict(event), namespace=meta.namespace)
