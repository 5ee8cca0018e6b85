"""The fake behaves like the real client where services depend on it."""

import pytest

from dorgu.clients import APPLICATION_PERSONAS, CRDS_MISSING, FakeKube, KubeClient
from dorgu.errors import ClusterError

PERSONA = {
    "apiVersion": "dorgu.io/v1",
    "kind": "ApplicationPersona",
    "metadata": {"name": "orders"},
    "spec": {"name": "orders", "type": "api"},
}


def test_apply_stores_in_the_default_namespace_and_dry_run_does_not() -> None:
    kube: KubeClient = FakeKube(namespace="shop")
    kube.apply(PERSONA, dry_run=True)
    assert kube.get(APPLICATION_PERSONAS, "orders") is None
    applied = kube.apply(PERSONA)
    assert applied["metadata"]["namespace"] == "shop"  # type: ignore[index]
    assert kube.get(APPLICATION_PERSONAS, "orders", namespace="shop") is not None
    assert [p["metadata"]["name"] for p in kube.list(APPLICATION_PERSONAS)] == ["orders"]  # type: ignore[index]
    assert kube.delete(APPLICATION_PERSONAS, "orders") is True
    assert kube.delete(APPLICATION_PERSONAS, "orders") is False


def test_status_is_a_subresource() -> None:
    kube = FakeKube()
    kube.apply(PERSONA)
    kube.apply({**PERSONA, "status": {"phase": "Active"}}, status=True)
    kube.apply({**PERSONA, "spec": {"name": "orders", "type": "web"}, "status": {"phase": "X"}})
    stored = kube.get(APPLICATION_PERSONAS, "orders")
    assert stored is not None
    assert stored["status"] == {"phase": "Active"}
    assert stored["metadata"]["generation"] == 2  # type: ignore[index]


def test_failures_look_like_the_real_client() -> None:
    with pytest.raises(ClusterError, match="connection refused"):
        FakeKube(unreachable=True).list(APPLICATION_PERSONAS)
    with pytest.raises(ClusterError) as caught:
        FakeKube(crds_installed=False).apply(PERSONA)
    assert str(caught.value) == CRDS_MISSING
