"""What kind of cluster this is, from real signals: node labels, providerIDs, version strings
and served API groups (``detect_platform``), and which add-ons run in it, from API groups and
workloads (``detect_addons``).  Pure: the inputs are plain data that ``discovering`` fetched.

Must not do I/O or guess: without a signal the platform is ``kubernetes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dorgu.models.cluster_personas import AddonInfo, AddonType

# (platform, signal kind, needle); earlier rows win.
_PLATFORM_SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("openshift", "group", "config.openshift.io"),
    ("openshift", "group", "route.openshift.io"),
    ("openshift", "label", "node.openshift.io/os_id"),
    ("eks", "label", "eks.amazonaws.com/nodegroup"),
    ("eks", "label", "eks.amazonaws.com/compute-type"),
    ("eks", "version", "-eks-"),
    ("eks", "group", "vpcresources.k8s.aws"),
    ("gke", "label", "cloud.google.com/gke-nodepool"),
    ("gke", "version", "-gke."),
    ("gke", "group", "networking.gke.io"),
    ("aks", "label", "kubernetes.azure.com/cluster"),
    ("aks", "label", "kubernetes.azure.com/agentpool"),
    ("doks", "label", "doks.digitalocean.com/node-id"),
    ("rke2", "version", "+rke2"),
    ("k3s", "version", "+k3s"),
    ("k3s", "label", "k3s.io/hostname"),
    ("minikube", "label", "minikube.k8s.io/name"),
    ("kind", "provider", "kind://"),
    ("kwok", "label", "kwok.x-k8s.io/node"),
    ("kwok", "annotation", "kwok.x-k8s.io/node"),
    ("eks", "provider", "aws://"),
    ("gke", "provider", "gce://"),
    ("aks", "provider", "azure://"),
    ("doks", "provider", "digitalocean://"),
    ("k3s", "provider", "k3s://"),
)


@dataclass(frozen=True)
class NodeSignals:
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    provider_id: str
    kubelet_version: str


def detect_platform(
    *, server_version: str, groups: Iterable[str], nodes: Sequence[NodeSignals]
) -> tuple[str, str]:
    """``(platform, evidence)``, e.g. ``("eks", "node label eks.amazonaws.com/nodegroup")``."""
    group_set = set(groups)
    versions = [server_version, *(n.kubelet_version for n in nodes)]
    for platform, kind, needle in _PLATFORM_SIGNALS:
        if kind == "group" and needle in group_set:
            return platform, f"API group {needle}"
        if kind == "label" and any(needle in n.labels for n in nodes):
            return platform, f"node label {needle}"
        if kind == "annotation" and any(needle in n.annotations for n in nodes):
            return platform, f"node annotation {needle}"
        if kind == "version" and any(needle in v for v in versions):
            return platform, f"version string containing {needle!r}"
        if kind == "provider" and any(n.provider_id.startswith(needle) for n in nodes):
            return platform, f"providerID {needle}"
    if any(n.name.endswith("-control-plane") and n.name.startswith("kind") for n in nodes):
        return "kind", "node name kind*-control-plane"
    return "kubernetes", "no platform signal"


@dataclass(frozen=True)
class AddonRule:
    name: str
    type: AddonType
    groups: tuple[str, ...] = ()
    workloads: tuple[str, ...] = ()
    """Deployment/DaemonSet/StatefulSet names or app.kubernetes.io/name values."""


ADDONS: tuple[AddonRule, ...] = (
    AddonRule(
        "argo-cd",
        AddonType.GITOPS,
        ("argoproj.io",),
        ("argocd-server", "argocd-application-controller"),
    ),
    AddonRule(
        "flux",
        AddonType.GITOPS,
        ("source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io"),
        ("source-controller",),
    ),
    AddonRule(
        "cert-manager",
        AddonType.CERT_MANAGEMENT,
        ("cert-manager.io", "acme.cert-manager.io"),
        ("cert-manager",),
    ),
    AddonRule(
        "prometheus",
        AddonType.MONITORING,
        ("monitoring.coreos.com",),
        (
            "prometheus",
            "prometheus-server",
            "prometheus-operator",
            "kube-prometheus-stack-operator",
        ),
    ),
    AddonRule("grafana", AddonType.MONITORING, ("grafana.integreatly.org",), ("grafana",)),
    AddonRule("loki", AddonType.LOGGING, (), ("loki",)),
    AddonRule(
        "fluent-bit", AddonType.LOGGING, ("fluentbit.fluent.io",), ("fluent-bit", "fluentbit")
    ),
    AddonRule(
        "external-secrets", AddonType.SECRETS, ("external-secrets.io",), ("external-secrets",)
    ),
    AddonRule(
        "sealed-secrets",
        AddonType.SECRETS,
        ("bitnami.com",),
        ("sealed-secrets-controller", "sealed-secrets"),
    ),
    AddonRule(
        "istio", AddonType.SERVICE_MESH, ("networking.istio.io", "security.istio.io"), ("istiod",)
    ),
    AddonRule(
        "linkerd",
        AddonType.SERVICE_MESH,
        ("linkerd.io", "policy.linkerd.io"),
        ("linkerd-destination",),
    ),
    AddonRule(
        "ingress-nginx", AddonType.INGRESS, (), ("ingress-nginx-controller", "ingress-nginx")
    ),
    AddonRule("traefik", AddonType.INGRESS, ("traefik.io", "traefik.containo.us"), ("traefik",)),
    AddonRule("contour", AddonType.INGRESS, ("projectcontour.io",), ("contour",)),
    AddonRule("kong", AddonType.INGRESS, ("configuration.konghq.com",), ("kong", "kong-gateway")),
    AddonRule("gateway-api", AddonType.INGRESS, ("gateway.networking.k8s.io",), ()),
    AddonRule("metrics-server", AddonType.MONITORING, ("metrics.k8s.io",), ("metrics-server",)),
    AddonRule(
        "kyverno", AddonType.OTHER, ("kyverno.io",), ("kyverno", "kyverno-admission-controller")
    ),
)


@dataclass(frozen=True)
class WorkloadSignals:
    kind: str
    namespace: str
    name: str
    app_name: str
    image: str
    ready: bool


def _version(image: str) -> str | None:
    tail = image.rsplit("/", 1)[-1].split("@", 1)[0]
    return tail.rpartition(":")[2] if ":" in tail else None


def detect_addons(
    *, groups: Iterable[str], workloads: Sequence[WorkloadSignals]
) -> list[AddonInfo]:
    """Every add-on with a signal, sorted by name (workload evidence preferred: it has a
    namespace, a version and a health)."""
    group_set = set(groups)
    found: list[AddonInfo] = []
    for rule in ADDONS:
        served = sorted(g for g in rule.groups if g in group_set)
        match = next(
            (w for w in workloads if w.name in rule.workloads or w.app_name in rule.workloads), None
        )
        if match is None and not served:
            continue
        if match is not None:
            evidence = f"{match.kind.lower()}:{match.namespace}/{match.name}"
            found.append(AddonInfo(name=rule.name, type=rule.type, installed=True,
                                   version=_version(match.image), namespace=match.namespace,
                                   healthy=match.ready, detected_by=evidence, api_groups=served))  # fmt: skip
        else:
            found.append(AddonInfo(name=rule.name, type=rule.type, installed=True,
                                   detected_by=f"apiGroup:{served[0]}", api_groups=served))  # fmt: skip
    return sorted(found, key=lambda a: a.name)
