from __future__ import annotations

from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap


def test_restarting_the_apiserver_keeps_data(testbed, namespace: str) -> None:
    with testbed.client() as kube:
        kube.create(
            ConfigMap(metadata=ObjectMeta(name="durable"), data={"k": "v"}), namespace=namespace
        )
    before = _pids(testbed)

    testbed.restart_apiserver()

    after = _pids(testbed)
    assert after["kube-apiserver"] != before["kube-apiserver"]
    assert after["etcd"] == before["etcd"]
    with testbed.client() as kube:
        assert kube.get(ConfigMap, "durable", namespace=namespace).data == {"k": "v"}


def _pids(testbed) -> dict[str, int]:
    return {c.name: c.pid for c in testbed.plane.state().components}
