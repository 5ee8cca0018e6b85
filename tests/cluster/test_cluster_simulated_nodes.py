"""Optional simulated nodes (kube-scheduler + kwok): Pods get scheduled and reach Running."""

from __future__ import annotations

import uuid

from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Node, Pod


def test_simulated_nodes_are_ready(testbed_with_nodes) -> None:
    with testbed_with_nodes.client() as kube:
        nodes = list(kube.list(Node))

    assert sorted(n.metadata.name for n in nodes) == ["kwok-node-0", "kwok-node-1"]
    for node in nodes:
        ready = [c for c in node.status.conditions if c.type == "Ready"]
        assert ready[0].status == "True"


def test_deployment_pods_reach_running_on_simulated_nodes(testbed_with_nodes, eventually) -> None:
    namespace = f"n-{uuid.uuid4().hex[:8]}"
    labels = {"app": "web"}
    deployment = Deployment(
        metadata=ObjectMeta(name="web"),
        spec=DeploymentSpec(
            replicas=3,
            selector=LabelSelector(matchLabels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name="app", image="registry.invalid/app:1")]),
            ),
        ),
    )
    with testbed_with_nodes.client() as kube:
        kube.create(Namespace(metadata=ObjectMeta(name=namespace)))
        kube.create(deployment, namespace=namespace)

        def running() -> list[Pod]:
            pods = list(kube.list(Pod, namespace=namespace, labels=labels))
            return pods if [p.status.phase for p in pods] == ["Running"] * 3 else []

        pods = eventually(running, timeout=60)
        assert {p.spec.nodeName for p in pods} <= {"kwok-node-0", "kwok-node-1"}
        assert eventually(
            lambda: kube.get(Deployment, "web", namespace=namespace).status.readyReplicas == 3
        )
