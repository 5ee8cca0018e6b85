"""Server-side apply and dry-run through lightkube, sync and async."""

from __future__ import annotations

import asyncio

import pytest
from lightkube import ApiError, Client
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap


def _config_map(name: str, data: dict[str, str]) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name), data=data)


def test_server_side_apply_creates_then_updates(kube: Client, namespace: str) -> None:
    kube.apply(_config_map("settings", {"a": "1"}), namespace=namespace, field_manager="dorgu")
    kube.apply(
        _config_map("settings", {"a": "2", "b": "3"}), namespace=namespace, field_manager="dorgu"
    )

    stored = kube.get(ConfigMap, "settings", namespace=namespace)
    assert stored.data == {"a": "2", "b": "3"}
    managers = {entry.manager for entry in stored.metadata.managedFields}
    assert "dorgu" in managers


def test_server_side_apply_reports_conflicts_and_force_takes_over(
    kube: Client, namespace: str
) -> None:
    kube.apply(_config_map("shared", {"owner": "a"}), namespace=namespace, field_manager="team-a")

    with pytest.raises(ApiError) as raised:
        kube.apply(
            _config_map("shared", {"owner": "b"}), namespace=namespace, field_manager="team-b"
        )
    assert raised.value.status.code == 409

    kube.apply(
        _config_map("shared", {"owner": "b"}),
        namespace=namespace,
        field_manager="team-b",
        force=True,
    )
    assert kube.get(ConfigMap, "shared", namespace=namespace).data == {"owner": "b"}


def test_dry_run_apply_and_create_persist_nothing(kube: Client, namespace: str) -> None:
    applied = kube.apply(
        _config_map("ghost", {"k": "v"}), namespace=namespace, field_manager="dorgu", dry_run=True
    )
    created = kube.create(_config_map("ghost2", {"k": "v"}), namespace=namespace, dry_run=True)

    assert applied.data == {"k": "v"}
    assert created.metadata.name == "ghost2"
    names = {cm.metadata.name for cm in kube.list(ConfigMap, namespace=namespace)}
    assert not names & {"ghost", "ghost2"}


def test_async_client_applies(testbed, namespace: str) -> None:
    async def apply_and_read() -> dict[str, str]:
        client = testbed.async_client()
        try:
            await client.apply(_config_map("async", {"x": "y"}), namespace=namespace)
            stored = await client.get(ConfigMap, "async", namespace=namespace)
            return dict(stored.data)
        finally:
            await client.close()

    assert asyncio.run(apply_and_read()) == {"x": "y"}
