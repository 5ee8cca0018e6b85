"""Cluster services with the fake client: CRD install, discovery signals, the ClusterPersona."""

from datetime import UTC, datetime

import pytest

from dorgu.clients import CLUSTER_PERSONAS, CUSTOM_RESOURCE_DEFINITIONS, NAMESPACES, FakeKube
from dorgu.errors import ClusterError
from dorgu.services.clusters import (
    cluster_persona,
    detect_addons,
    detect_platform,
    init_cluster,
    node_info,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
    "spec": {
        "providerID": "kind://docker/kind/n1",
        "taints": [{"key": "k", "effect": "NoSchedule"}],
    },
    "status": {
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "50Gi"},
        "conditions": [{"type": "Ready", "status": "True"}],
        "nodeInfo": {"kubeletVersion": "v1.37.2", "containerRuntimeVersion": "containerd://2.0"},
    },
}


def _establish(kube: FakeKube) -> None:
    for key, obj in kube.objects.items():
        if key[1] == "CustomResourceDefinition":
            obj["status"] = {"conditions": [{"type": "Established", "status": "True"}]}


def test_init_installs_the_crds_and_creates_the_cluster_persona() -> None:
    kube = FakeKube()
    kube.add(NODE)
    kube.add(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "shop"},
            "status": {"phase": "Active"},
        }
    )
    kube.add(
        {
            "apiVersion": "dorgu.io/v1",
            "kind": "ApplicationPersona",
            "metadata": {"name": "a", "namespace": "shop"},
        }
    )
    kube.groups += ["cert-manager.io/v1", "dorgu.io/v1"]
    outcome = init_cluster(client=kube, now=NOW, sleep=lambda _: _establish(kube))
    assert outcome.crds == (
        "applicationpersonas.dorgu.io",
        "clusterpersonas.dorgu.io",
        "incidentmemories.dorgu.io",
        "personapolicies.dorgu.io",
        "clusterkopfpeerings.kopf.dev",
    )
    assert kube.get(CUSTOM_RESOURCE_DEFINITIONS, "clusterpersonas.dorgu.io") is not None
    assert kube.get(CUSTOM_RESOURCE_DEFINITIONS, "clusterkopfpeerings.kopf.dev") is not None
    assert outcome.namespace == "dorgu-system"
    assert kube.get(NAMESPACES, "dorgu-system") is not None
    stored = cluster_persona(client=kube)
    status = stored.status
    assert status is not None
    assert stored.metadata.name == "cluster"
    assert (status.kubernetes_version, status.platform, status.node_count) == ("v1.37.2", "kind", 1)
    assert [a.name for a in status.addons] == ["cert-manager"]
    assert status.namespaces is not None and status.namespaces.persona_counts == {"shop": 1}
    assert status.application_count == 1


def test_init_can_skip_the_namespace_and_the_peering_crd() -> None:
    kube = FakeKube()
    outcome = init_cluster(
        client=kube, now=NOW, operator_namespace=None, peering=False,
        sleep=lambda _: _establish(kube),
    )  # fmt: skip
    assert outcome.crds == (
        "applicationpersonas.dorgu.io",
        "clusterpersonas.dorgu.io",
        "incidentmemories.dorgu.io",
        "personapolicies.dorgu.io",
    )
    assert outcome.namespace is None
    assert kube.list(NAMESPACES) == []
    other = FakeKube()
    init_cluster(client=other, now=NOW, operator_namespace="ops", sleep=lambda _: _establish(other))
    assert other.get(NAMESPACES, "ops") is not None


def test_dry_run_on_a_cluster_without_crds_sends_no_persona() -> None:
    kube = FakeKube()
    outcome = init_cluster(client=kube, now=NOW, dry_run=True)
    assert not outcome.persona_applied
    assert kube.objects == {}
    assert all(dry for _, dry, _ in kube.applied)


def test_missing_cluster_persona_points_at_init() -> None:
    with pytest.raises(ClusterError, match="run dorgu cluster init"):
        cluster_persona(client=FakeKube())
    kube = FakeKube()
    for name in ("a", "b"):
        kube.add(
            {
                "apiVersion": "dorgu.io/v1",
                "kind": "ClusterPersona",
                "metadata": {"name": name},
                "spec": {"name": name},
            }
        )
    with pytest.raises(ClusterError, match="2 ClusterPersonas"):
        cluster_persona(client=kube)
    assert cluster_persona(client=kube, name="b").spec.name == "b"
    assert kube.get(CLUSTER_PERSONAS, "a") is not None


@pytest.mark.parametrize(
    ("version", "groups", "labels", "provider", "platform"),
    [
        ("v1.30.1-eks-abc", [], {}, "", "eks"),
        ("v1.30.1", [], {}, "gce://p/z/n", "gke"),
        ("v1.30.1", [], {"kubernetes.azure.com/cluster": "x"}, "", "aks"),
        ("v1.30.1+k3s1", [], {}, "", "k3s"),
        ("v1.30.1", ["config.openshift.io/v1"], {}, "aws://x", "openshift"),
        ("v1.30.1", [], {}, "kind://docker/x", "kind"),
        ("v1.30.1", [], {}, "", "kubernetes"),
    ],
)
def test_platform_comes_from_real_signals(
    version: str, groups: list[str], labels: dict[str, str], provider: str, platform: str
) -> None:
    node = {"metadata": {"labels": labels}, "spec": {"providerID": provider}}
    assert detect_platform({"gitVersion": version}, groups, [node]) == platform


def test_addons_are_found_by_api_group() -> None:
    found = detect_addons(
        ["argoproj.io/v1alpha1", "acme.cert-manager.io/v1", "cert-manager.io/v1", "apps/v1"]
    )
    assert [(a.name, a.type.value if a.type else None) for a in found] == [
        ("argo-cd", "gitops"),
        ("cert-manager", "cert-management"),
    ]
    assert found[1].api_groups == ["acme.cert-manager.io", "cert-manager.io"]


def test_node_info_reads_role_readiness_capacity_and_taints() -> None:
    info = node_info(NODE)
    assert (info.name, info.role, info.ready) == ("n1", "control-plane", True)
    assert info.capacity is not None and info.capacity.ephemeral_storage == "50Gi"
    assert info.taints == ["k=:NoSchedule"]
    assert info.container_runtime == "containerd://2.0"
