"""Platform and add-on detection from real-looking signals."""

from __future__ import annotations

import pytest

from dorgu.operator.platforms import NodeSignals, WorkloadSignals, detect_addons, detect_platform


def _node(
    name: str = "n1",
    *,
    labels: dict[str, str] | None = None,
    provider: str = "",
    kubelet: str = "v1.31.0",
) -> NodeSignals:
    return NodeSignals(
        name=name,
        labels=labels or {},
        annotations={},
        provider_id=provider,
        kubelet_version=kubelet,
    )


@pytest.mark.parametrize(
    ("version", "groups", "node", "expected"),
    [
        ("v1.30.4-eks-a737599", [], _node(labels={"eks.amazonaws.com/nodegroup": "ng-1"}, provider="aws:///eu-west-1a/i-0"), "eks"),
        ("v1.30.5-gke.1014001", [], _node(labels={"cloud.google.com/gke-nodepool": "default-pool"}, provider="gce://p/z/n"), "gke"),
        ("v1.30.3", [], _node(labels={"kubernetes.azure.com/cluster": "MC_rg"}, provider="azure:///subscriptions/x"), "aks"),
        ("v1.30.3+k3s1", [], _node(kubelet="v1.30.3+k3s1", provider="k3s://n1"), "k3s"),
        ("v1.31.0", [], _node("kind-control-plane", provider="kind://docker/kind/kind-control-plane"), "kind"),
        ("v1.29.6+abcdef", ["config.openshift.io", "route.openshift.io"], _node(), "openshift"),
        ("v1.31.0", [], _node(labels={"minikube.k8s.io/name": "minikube"}), "minikube"),
        ("v1.30.2+rke2r1", [], _node(kubelet="v1.30.2+rke2r1"), "rke2"),
        ("v1.31.0", [], _node(), "kubernetes"),
    ],
)  # fmt: skip
def test_platform_is_detected_from_real_signals(
    version: str, groups: list[str], node: NodeSignals, expected: str
) -> None:
    platform, evidence = detect_platform(server_version=version, groups=groups, nodes=[node])
    assert platform == expected and evidence


def test_no_nodes_no_signal() -> None:
    assert detect_platform(server_version="v1.31.0", groups=[], nodes=[])[0] == "kubernetes"


def test_addons_from_api_groups_and_workloads() -> None:
    workloads = [
        WorkloadSignals("Deployment", "argocd", "argocd-server", "argocd-server", "quay.io/argoproj/argocd:v2.11.3", True),
        WorkloadSignals("Deployment", "ingress-nginx", "ingress-nginx-controller", "", "registry.k8s.io/ingress-nginx/controller:v1.10.1@sha256:abc", False),
    ]  # fmt: skip
    groups = [
        "argoproj.io",
        "cert-manager.io",
        "external-secrets.io",
        "networking.istio.io",
        "apps",
    ]
    addons = {a.name: a for a in detect_addons(groups=groups, workloads=workloads)}
    assert sorted(addons) == [
        "argo-cd",
        "cert-manager",
        "external-secrets",
        "ingress-nginx",
        "istio",
    ]
    assert addons["argo-cd"].version == "v2.11.3" and addons["argo-cd"].healthy is True
    assert addons["argo-cd"].api_groups == ["argoproj.io"]
    assert addons["ingress-nginx"].version == "v1.10.1" and addons["ingress-nginx"].healthy is False
    assert addons["cert-manager"].detected_by == "apiGroup:cert-manager.io"
    assert addons["istio"].type.value == "service-mesh"
