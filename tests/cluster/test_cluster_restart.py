from __future__ import annotations

from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap


def test_restarting_the_apiserver_keeps_data(private_testbed) -> None:
    # A private control plane: restarting the shared one would disturb other tests' watchers.
    namespace = "default"
    with private_testbed.client() as kube:
        kube.create(
            ConfigMap(metadata=ObjectMeta(name="durable"), data={"k": "v"}), namespace=namespace
        )
    before = _pids(private_testbed)

    private_testbed.restart_apiserver()

    after = _pids(private_testbed)
    assert after["kube-apiserver"] != before["kube-apiserver"]
    assert after["etcd"] == before["etcd"]
    with private_testbed.client() as kube:
        assert kube.get(ConfigMap, "durable", namespace=namespace).data == {"k": "v"}


def _pids(private_testbed) -> dict[str, int]:
    return {c.name: c.pid for c in private_testbed.plane.state().components}
