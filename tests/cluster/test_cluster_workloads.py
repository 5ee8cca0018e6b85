from __future__ import annotations

from lightkube import Client
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Pod


def _deployment(name: str, replicas: int = 2) -> Deployment:
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name, labels=labels),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(matchLabels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name="app", image="registry.invalid/app:1")]),
            ),
        ),
    )


def test_deployment_gets_a_replicaset_and_pods(kube: Client, namespace: str, eventually) -> None:
    kube.create(_deployment("web", replicas=2), namespace=namespace)

    replica_sets = eventually(
        lambda: list(kube.list(ReplicaSet, namespace=namespace, labels={"app": "web"}))
    )
    pods = eventually(
        lambda: (
            (found := list(kube.list(Pod, namespace=namespace, labels={"app": "web"})))
            and len(found) == 2
            and found
        )
    )

    assert len(replica_sets) == 1
    owner = replica_sets[0].metadata.ownerReferences[0]
    assert (owner.kind, owner.name) == ("Deployment", "web")
    assert {p.metadata.ownerReferences[0].name for p in pods} == {replica_sets[0].metadata.name}
    # No nodes and no scheduler: the pods exist but stay Pending.
    assert {p.status.phase for p in pods} == {"Pending"}


def test_deleting_a_deployment_collects_its_replicasets(
    kube: Client, namespace: str, eventually
) -> None:
    kube.create(_deployment("gone", replicas=1), namespace=namespace)
    eventually(lambda: list(kube.list(ReplicaSet, namespace=namespace, labels={"app": "gone"})))

    kube.delete(Deployment, "gone", namespace=namespace)

    assert eventually(
        lambda: not list(kube.list(ReplicaSet, namespace=namespace, labels={"app": "gone"})),
        timeout=60,
    )
