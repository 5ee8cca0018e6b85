"""``dorgu cluster init`` and ``cluster status``: create the operator's namespace, install or
upgrade the dorgu CRDs (generated from the models by ``dorgu.crds``, the same text as
``deploy/crds/``) and, when peering is on, kopf's ``ClusterKopfPeering`` CRD (everything a
locally run ``dorgu operator run`` needs), wait until the API server serves them, create the
``ClusterPersona`` with what discovery finds (version, platform,
nodes, add-ons by API group, namespaces and persona counts), and read it back.

Discovery here is a snapshot for ``init``; the operator refreshes it on a timer.  Collaborators
are explicit: ``client``, ``now``, ``sleep``.  Must not print or import click.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import yaml

from dorgu.clients import (
    APPLICATION_PERSONAS,
    CLUSTER_PERSONAS,
    CUSTOM_RESOURCE_DEFINITIONS,
    NAMESPACES,
    NODES,
    JsonObject,
    KubeClient,
)
from dorgu.crds import crd_files
from dorgu.crds.peering import PEERING_CRD
from dorgu.errors import ClusterError
from dorgu.models.cluster_personas import (
    AddonInfo,
    AddonType,
    ClusterPersona,
    ClusterPersonaSpec,
    ClusterPersonaStatus,
    ClusterPhase,
    NamespaceSummary,
    NodeInfo,
    NodeResources,
)
from dorgu.models.personas_base import dump_wire

OPERATOR_NAMESPACE = "dorgu-system"
"""The operator's own namespace (``dorgu operator run -n`` default) that ``cluster init`` makes."""
DEFAULT_CLUSTER_PERSONA = "cluster"
"""The name of the one ClusterPersona ``cluster init`` creates (``--name`` changes it)."""
ESTABLISHED_TIMEOUT_SECONDS = 30.0

ADDON_GROUPS: dict[str, tuple[str, AddonType]] = {
    "cert-manager.io": ("cert-manager", AddonType.CERT_MANAGEMENT),
    "argoproj.io": ("argo-cd", AddonType.GITOPS),
    "source.toolkit.fluxcd.io": ("flux", AddonType.GITOPS),
    "monitoring.coreos.com": ("prometheus-operator", AddonType.MONITORING),
    "metrics.k8s.io": ("metrics-server", AddonType.MONITORING),
    "external-secrets.io": ("external-secrets", AddonType.SECRETS),
    "bitnami.com": ("sealed-secrets", AddonType.SECRETS),
    "networking.istio.io": ("istio", AddonType.SERVICE_MESH),
    "linkerd.io": ("linkerd", AddonType.SERVICE_MESH),
    "traefik.io": ("traefik", AddonType.INGRESS),
    "gateway.networking.k8s.io": ("gateway-api", AddonType.INGRESS),
    "logging.banzaicloud.io": ("logging-operator", AddonType.LOGGING),
    "keda.sh": ("keda", AddonType.OTHER),
}
"""API group -> (add-on, type): served groups are the strongest signal an add-on is there."""

_PLATFORM_SIGNS = (  # (where, substring, platform), first match wins
    ("group", "config.openshift.io", "openshift"),
    ("provider", "aws://", "eks"),
    ("label", "eks.amazonaws.com/", "eks"),
    ("version", "-eks-", "eks"),
    ("provider", "gce://", "gke"),
    ("label", "cloud.google.com/gke-", "gke"),
    ("version", "-gke.", "gke"),
    ("provider", "azure://", "aks"),
    ("label", "kubernetes.azure.com/", "aks"),
    ("provider", "kind://", "kind"),
    ("version", "+k3s", "k3s"),
    ("label", "node.kubernetes.io/instance-type=k3s", "k3s"),
    ("version", "+rke2", "rke2"),
    ("label", "minikube.k8s.io/", "minikube"),
)


@dataclass(frozen=True)
class InitOutcome:
    """What ``cluster init`` did (or would do): CRD names, and the ClusterPersona."""

    crds: tuple[str, ...]
    persona: ClusterPersona
    dry_run: bool
    persona_applied: bool
    namespace: str | None = None


def install_crds(
    *,
    client: KubeClient,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    peering: bool = False,
) -> tuple[str, ...]:
    """Apply (create or upgrade) every dorgu CRD (and kopf's peering CRD with ``peering``) and
    wait until each is Established."""
    names = []
    crds = [yaml.safe_load(text) for text in crd_files().values()]
    for crd in [*crds, PEERING_CRD] if peering else crds:
        client.apply(crd, dry_run=dry_run, force=True)
        metadata = crd["metadata"]
        assert isinstance(metadata, dict)
        names.append(str(metadata["name"]))
    if not dry_run:
        deadline = time.monotonic() + ESTABLISHED_TIMEOUT_SECONDS
        while not all(_established(client, name) for name in names):
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"the dorgu CRDs were not Established within {ESTABLISHED_TIMEOUT_SECONDS:.0f}s",
                    hint="check the API server logs, then re-run dorgu cluster init",
                )
            sleep(0.2)
    return tuple(names)


def _established(client: KubeClient, name: str) -> bool:
    crd = client.get(CUSTOM_RESOURCE_DEFINITIONS, name) or {}
    status = crd.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    return any(
        isinstance(c, dict) and c.get("type") == "Established" and c.get("status") == "True"
        for c in conditions or []
    )


def init_cluster(
    *,
    client: KubeClient,
    now: datetime,
    name: str = DEFAULT_CLUSTER_PERSONA,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    operator_namespace: str | None = OPERATOR_NAMESPACE,
    peering: bool = True,
) -> InitOutcome:
    """Create ``operator_namespace`` (None: skip), install the CRDs (kopf's peering CRD too
    with ``peering``), then create (or update) the ClusterPersona ``name`` and write its
    discovered status.  On a dry run the persona is only sent when the CRDs already exist."""
    served = "dorgu.io/v1" in client.api_groups()
    if operator_namespace is not None:
        client.apply(namespace_manifest(operator_namespace), dry_run=dry_run)
    crds = install_crds(client=client, dry_run=dry_run, sleep=sleep, peering=peering)
    status = discover_cluster(client=client, now=now, personas=served or not dry_run)
    persona = ClusterPersona.model_validate(
        {"metadata": {"name": name}, "spec": ClusterPersonaSpec(name=name), "status": status}
    )
    applied = False
    if served or not dry_run:
        body = dump_wire(persona)
        body.pop("status")
        client.apply(body, dry_run=dry_run)
        if not dry_run:
            client.apply(
                {**body, "status": dump_wire(status)}, dry_run=dry_run, force=True, status=True
            )
        applied = True
    return InitOutcome(crds=crds, persona=persona, dry_run=dry_run, persona_applied=applied,
                       namespace=operator_namespace)  # fmt: skip


def namespace_manifest(name: str) -> JsonObject:
    """The operator's namespace, labelled as dorgu's (the webhook never checks it)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "dorgu"}},
    }


def discover_cluster(
    *, client: KubeClient, now: datetime, personas: bool = True
) -> ClusterPersonaStatus:
    """A snapshot of the cluster for the ClusterPersona status (``personas=False`` skips
    counting personas, for clusters without the CRDs)."""
    version = client.version()
    groups = client.api_groups()
    raw_nodes = client.list(NODES)
    nodes = [node_info(n) for n in raw_nodes]
    namespaces = client.list(NAMESPACES)
    counts: Counter[str] = Counter()
    if personas:
        for item in client.list(APPLICATION_PERSONAS, all_namespaces=True):
            counts[str(_meta(item).get("namespace", ""))] += 1
    active = sum(1 for ns in namespaces if _get(ns, "status", "phase") == "Active")
    return ClusterPersonaStatus(
        phase=ClusterPhase.READY,
        last_discovery=now,
        kubernetes_version=str(version.get("gitVersion") or "") or None,
        platform=detect_platform(version, groups, raw_nodes),
        node_count=len(nodes),
        nodes=nodes,
        addons=detect_addons(groups),
        namespaces=NamespaceSummary(
            total=len(namespaces),
            active=active,
            with_personas=len(counts),
            persona_counts=dict(sorted(counts.items())),
        ),
        application_count=sum(counts.values()),
    )


def detect_platform(
    version: Mapping[str, object], groups: list[str], nodes: list[JsonObject]
) -> str:
    """eks, gke, aks, openshift, k3s, kind, rke2, minikube, or kubernetes.  Pure."""
    signals: dict[str, list[str]] = {
        "group": [g.split("/")[0] for g in groups],
        "version": [str(version.get("gitVersion") or "")],
        "provider": [str(_get(n, "spec", "providerID") or "") for n in nodes],
        "label": [f"{k}={v}" for n in nodes for k, v in _labels(n).items()],
    }
    for where, needle, platform in _PLATFORM_SIGNS:
        if any(needle in value for value in signals[where]):
            return platform
    return "kubernetes"


def detect_addons(groups: list[str]) -> list[AddonInfo]:
    """Add-ons whose API groups are served, sorted by name.  Pure."""
    found: dict[str, AddonInfo] = {}
    for group_version in groups:
        group = group_version.split("/")[0]
        for suffix, (name, kind) in ADDON_GROUPS.items():
            if group == suffix or group.endswith("." + suffix):
                known = found.get(name)
                served = sorted({*(known.api_groups if known else []), group})
                found[name] = AddonInfo(
                    name=name,
                    type=kind,
                    installed=True,
                    detected_by=f"apiGroup:{served[0]}",
                    api_groups=served,
                )
    return [found[name] for name in sorted(found)]


def node_info(node: JsonObject) -> NodeInfo:
    """The ClusterPersona entry of a Node object.  Pure."""
    labels = _labels(node)
    ready = any(
        isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
        for c in _list(_get(node, "status", "conditions"))
    )
    taints = _list(_get(node, "spec", "taints"))
    info = _get(node, "status", "nodeInfo") or {}
    assert isinstance(info, dict)
    runtime = info.get("containerRuntimeVersion")
    control = any(k.startswith("node-role.kubernetes.io/control-plane") for k in labels)
    return NodeInfo(
        name=str(_meta(node).get("name", "")),
        role="control-plane" if control else "worker",
        ready=ready,
        capacity=_resources(_get(node, "status", "capacity")),
        allocatable=_resources(_get(node, "status", "allocatable")),
        taints=[
            f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}"
            for t in taints
            if isinstance(t, dict)
        ],
        labels={k: v for k, v in labels.items() if k.startswith(("node-role.", "topology."))},
        kubelet_version=str(info.get("kubeletVersion") or "") or None,
        container_runtime=str(runtime) if runtime else None,
    )


def _resources(value: object) -> NodeResources | None:
    if not isinstance(value, dict):
        return None
    return NodeResources(
        cpu=_text(value.get("cpu")),
        memory=_text(value.get("memory")),
        pods=_text(value.get("pods")),
        ephemeral_storage=_text(value.get("ephemeral-storage")),
    )


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def cluster_persona(*, client: KubeClient, name: str | None = None) -> ClusterPersona:
    """The ClusterPersona ``name``, or the only one when ``name`` is None."""
    if name is not None:
        found = client.get(CLUSTER_PERSONAS, name)
        items = [found] if found is not None else []
    else:
        items = client.list(CLUSTER_PERSONAS)
    if not items:
        raise ClusterError(
            f"no ClusterPersona{' ' + repr(name) if name else ''} in the cluster",
            hint="run dorgu cluster init",
        )
    if len(items) > 1:
        names = ", ".join(str(_meta(i).get("name")) for i in items)
        raise ClusterError(f"{len(items)} ClusterPersonas ({names})", hint="pass --name")
    return ClusterPersona.model_validate(items[0])


def _meta(obj: Mapping[str, object]) -> Mapping[str, object]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def _labels(obj: Mapping[str, object]) -> dict[str, str]:
    value = _meta(obj).get("labels")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _get(obj: Mapping[str, object], *path: str) -> object:
    current: object = obj
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
