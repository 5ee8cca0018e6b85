from __future__ import annotations

import uuid

from lightkube import ApiError, Client
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap, Namespace, ServiceAccount


def _gone(kube: Client, name: str) -> bool:
    try:
        kube.get(Namespace, name)
    except ApiError as error:
        return error.status.code == 404
    return False


def test_namespace_create_and_delete_completes(kube: Client, eventually) -> None:
    name = f"ns-{uuid.uuid4().hex[:8]}"
    kube.create(Namespace(metadata=ObjectMeta(name=name)))
    kube.create(ConfigMap(metadata=ObjectMeta(name="inside"), data={"k": "v"}), namespace=name)

    kube.delete(Namespace, name)

    assert eventually(lambda: _gone(kube, name), timeout=60)


def test_new_namespace_gets_a_default_service_account(
    kube: Client, namespace: str, eventually
) -> None:
    account = eventually(lambda: _find(kube, namespace))
    assert account.metadata.name == "default"


def test_new_namespace_gets_the_root_ca_config_map(
    kube: Client, namespace: str, eventually
) -> None:
    def root_ca() -> ConfigMap | None:
        try:
            return kube.get(ConfigMap, "kube-root-ca.crt", namespace=namespace)
        except ApiError:
            return None

    config_map = eventually(root_ca)
    assert "BEGIN CERTIFICATE" in config_map.data["ca.crt"]


def _find(kube: Client, namespace: str) -> ServiceAccount | None:
    try:
        return kube.get(ServiceAccount, "default", namespace=namespace)
    except ApiError:
        return None
