"""Simulated nodes: kube-scheduler places Pods on fake Nodes that kwok keeps Ready, so Pods
reach Running without a kubelet or container runtime.  Optional: needs the ``kube-scheduler``
and ``kwok`` extras and the kwok stage definitions collected at build time.

kwok only acts through Stages; the build copies kwok's own "fast" node and pod stages (and the
node lease heartbeat) from its Go module into ``kwok-stages.yaml`` next to the binaries.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from dorgu.devcluster.components import LOOPBACK, Layout

STAGES_FILE = "kwok-stages.yaml"
# Relative to the sigs.k8s.io/kwok module root.
KWOK_STAGE_SOURCES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
NODE_ANNOTATION = "kwok.x-k8s.io/node"
# The taint admission puts on new Nodes is lifted by this controller once kwok reports Ready.
EXTRA_CONTROLLERS = ("node-lifecycle-controller",)


def collect_stages(module_dir: Path) -> str:
    """kwok's stage documents from its module directory, as one multi-document YAML."""
    return "\n---\n".join(
        (module_dir / source).read_text(encoding="utf-8").strip() for source in KWOK_STAGE_SOURCES
    )


def scheduler_argv(*, binary: Path, kubeconfig: Path, port: int) -> list[str]:
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={port}",
        "--leader-elect=false",
        "--v=1",
    ]


def kwok_argv(*, binary: Path, kubeconfig: Path, stages: Path, server_port: int = 0) -> list[str]:
    """kwok's command line; ``server_port`` (when set) serves the emulated kubelet metrics and
    the Prometheus service discovery on loopback."""
    argv = [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--config={stages}",
        f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}=fake",
        f"--node-ip={LOOPBACK}",
    ]
    if server_port:
        # ERROR: at WARN kwok logs every scrape of a Node without Pods.
        argv += [f"--server-address={LOOPBACK}:{server_port}", "--v=ERROR"]
    return argv


def node_manifest(name: str) -> dict[str, Any]:
    """A fake Node that kwok manages (generous capacity, Linux/amd64 labels)."""
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: "fake"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
        "status": {"allocatable": capacity, "capacity": capacity},
    }


def node_names(count: int) -> list[str]:
    return [f"kwok-node-{index}" for index in range(count)]


def create_node(*, server: str, context: ssl.SSLContext, name: str) -> None:
    """POST one fake Node (urllib: the Kubernetes client library lives in dorgu.clients)."""
    request = urllib.request.Request(
        f"{server}/api/v1/nodes",
        data=json.dumps(node_manifest(name)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    with opener.open(request, timeout=10) as response:
        response.read()


def node_is_ready(document: dict[str, Any] | None) -> bool:
    conditions = (document or {}).get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def scheduler_kubeconfig(layout: Layout) -> Path:
    """The scheduler and kwok reuse the controller manager's identity (system:masters)."""
    return layout.controller_manager_kubeconfig
