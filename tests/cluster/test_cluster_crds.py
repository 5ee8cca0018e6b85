from __future__ import annotations

import time

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.types import PatchType

GROUP = "testbed.dorgu.dev"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer", "minimum": 1}},
                                "required": ["size"],
                            },
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}
Widget = create_namespaced_resource(GROUP, "v1", "Widget", "widgets")


def _established(kube: Client) -> bool:
    crd = kube.get(CustomResourceDefinition, CRD["metadata"]["name"])
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


@pytest.fixture(scope="module")
def widget_crd(testbed) -> str:
    with testbed.client() as kube:
        kube.apply(codecs.from_dict(CRD))
        deadline = time.monotonic() + 30
        while not _established(kube):
            assert time.monotonic() < deadline, "the CRD never became Established"
            time.sleep(0.2)
    return CRD["metadata"]["name"]


def test_crd_becomes_established(kube: Client, widget_crd: str) -> None:
    assert _established(kube)


def test_custom_resource_round_trips_with_status_subresource(
    kube: Client, widget_crd: str, namespace: str
) -> None:
    kube.create(Widget(metadata=ObjectMeta(name="w1"), spec={"size": 3}), namespace=namespace)

    merge = PatchType.MERGE  # custom resources take no strategic merge patches
    kube.patch(
        Widget.Status, "w1", {"status": {"phase": "Ready"}}, namespace=namespace, patch_type=merge
    )
    # A write to the main resource must not touch status (that is what the subresource means).
    kube.patch(
        Widget,
        "w1",
        {"spec": {"size": 4}, "status": {"phase": "Ignored"}},
        namespace=namespace,
        patch_type=merge,
    )

    widget = kube.get(Widget, "w1", namespace=namespace)
    assert widget.spec == {"size": 4}
    assert widget.status == {"phase": "Ready"}


def test_custom_resource_schema_is_enforced(kube: Client, widget_crd: str, namespace: str) -> None:
    with pytest.raises(ApiError) as raised:
        kube.create(Widget(metadata=ObjectMeta(name="bad"), spec={"size": 0}), namespace=namespace)

    assert raised.value.status.code == 422
    assert "spec.size" in raised.value.status.message
