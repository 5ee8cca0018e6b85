"""The generated persona CRDs against a real kube-apiserver: accepted, Established, and
personas (old Go-dorgu objects included) round-trip with defaults and the status subresource."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_global_resource, create_namespaced_resource
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.types import PatchType
from pydantic import ValidationError

from dorgu.crds import crd_files
from dorgu.generation.personas import build_persona
from dorgu.models.cluster_personas import ClusterPersona
from dorgu.models.config import EffectiveSettings
from dorgu.models.personas import ApplicationPersona, dump_wire
from dorgu.services.analyzing import analyze_path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "crds" / "fixtures"
AP = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")
CP = create_global_resource("dorgu.io", "v1", "ClusterPersona", "clusterpersonas")
MERGE = PatchType.MERGE


def _established(kube: Client, name: str) -> bool:
    crd = kube.get(CustomResourceDefinition, name)
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


@pytest.fixture(scope="module")
def persona_crds(testbed) -> list[str]:  # type: ignore[no-untyped-def]
    names: list[str] = []
    with testbed.client() as kube:
        for text in crd_files().values():
            crd = yaml.safe_load(text)
            kube.apply(codecs.from_dict(crd), force=True)
            names.append(crd["metadata"]["name"])
        deadline = time.monotonic() + 30
        while not all(_established(kube, n) for n in names):
            assert time.monotonic() < deadline, "the persona CRDs never became Established"
            time.sleep(0.2)
    return names


def _load(name: str) -> dict[str, object]:
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_persona_crds_become_established(kube: Client, persona_crds: list[str]) -> None:
    assert persona_crds == [
        "applicationpersonas.dorgu.io",
        "clusterpersonas.dorgu.io",
        "incidentmemories.dorgu.io",
        "personapolicies.dorgu.io",
    ]
    crd = kube.get(CustomResourceDefinition, "applicationpersonas.dorgu.io")
    assert crd.spec.names.shortNames == ["persona", "ap"]
    assert crd.spec.names.categories == ["dorgu"]


def test_generated_persona_round_trips_with_status(
    kube: Client, persona_crds: list[str], namespace: str
) -> None:
    model = analyze_path(ROOT / "examples" / "java-spring-maven", name=None, environment={})
    settings = EffectiveSettings.model_validate({"app": {"name": "orders", "team": "shop"}})
    persona = build_persona(model, model.components[0], settings=settings, namespace=namespace)
    body = dump_wire(persona)
    body.pop("status", None)
    kube.create(codecs.from_dict(body), namespace=namespace)
    status = {
        "phase": "Active",
        "observedGeneration": 1,
        "validation": {
            "passed": False,
            "mode": "audit",
            "lastChecked": "2024-05-01T10:00:00Z",
            "targets": [
                {
                    "kind": "Deployment",
                    "name": "orders",
                    "passed": False,
                    "checks": [
                        {
                            "rule": "persona.resource-bounds",
                            "passed": False,
                            "severity": "error",
                            "field": "spec.template.spec.containers[0].resources.limits.cpu",
                            "message": "4 is above the bound 2",
                        }
                    ],
                }
            ],
        },
        "learned": {"patterns": [{"type": "daily-peak", "description": "x", "confidence": 0.8}]},
        "conditions": [
            {
                "type": "Validated",
                "status": "False",
                "reason": "ChecksFailed",
                "message": "1 check failed",
                "lastTransitionTime": "2024-05-01T10:00:00Z",
            }
        ],
    }
    kube.patch(AP.Status, "orders", {"status": status}, namespace=namespace, patch_type=MERGE)
    stored = kube.get(AP, "orders", namespace=namespace).to_dict()
    back = ApplicationPersona.model_validate(stored)
    assert back.spec == persona.spec  # the API server stored exactly what we generated
    assert stored["spec"]["api"]["routes"]
    assert back.status is not None and back.status.validation is not None
    assert back.status.validation.passed is False
    assert stored["status"]["validation"]["passed"] is False  # always written, even false
    # A write to the main resource leaves status alone (the status subresource).
    kube.patch(AP, "orders", {"spec": {"tier": "critical"}}, namespace=namespace, patch_type=MERGE)
    again = kube.get(AP, "orders", namespace=namespace).to_dict()
    assert again["spec"]["tier"] == "critical"
    assert again["status"]["phase"] == "Active"


def test_old_go_persona_is_accepted_and_defaulted(
    kube: Client, persona_crds: list[str], namespace: str
) -> None:
    old = _load("go-dorgu-persona.yaml")
    old["spec"]["resources"]["profile"] = "standard"  # the Go CRD rejected the CLI's "api" too
    old.pop("status", None)
    old["metadata"] = {"name": old["metadata"]["name"], "labels": old["metadata"]["labels"]}
    kube.create(codecs.from_dict(old), namespace=namespace)
    stored = kube.get(AP, old["metadata"]["name"], namespace=namespace).to_dict()
    assert stored["spec"]["policies"]["security"]["runAsNonRoot"] is True
    assert "imageRunsAsRoot" not in stored["spec"]["policies"]["security"]  # pruned
    assert stored["spec"]["scaling"]["behavior"] == "balanced"
    ApplicationPersona.model_validate(stored)


def test_api_server_rejects_what_the_models_reject(
    kube: Client, persona_crds: list[str], namespace: str
) -> None:
    bad = {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": "bad"},
        "spec": {
            "name": "bad",
            "type": "api",
            "scaling": {"minReplicas": 5, "maxReplicas": 2},
            "resources": {"requests": {"cpu": "lots"}},
        },
    }
    with pytest.raises(ApiError) as caught:
        kube.create(codecs.from_dict(bad), namespace=namespace)
    message = str(caught.value)
    assert "minReplicas must not be greater than maxReplicas" in message
    assert "spec.resources.requests.cpu" in message


def test_cluster_persona_round_trips_with_node_count(kube: Client, persona_crds: list[str]) -> None:
    persona = ClusterPersona.model_validate(_load("go-dorgu-cluster-persona.yaml"))
    body = dump_wire(persona)
    body.pop("status", None)
    name = persona.metadata.name
    assert name is not None
    kube.create(codecs.from_dict(body))
    try:
        status = {"phase": "Ready", "nodeCount": 3, "platform": "kind"}
        kube.patch(CP.Status, name, {"status": status}, patch_type=MERGE)
        stored = ClusterPersona.model_validate(kube.get(CP, name).to_dict())
        assert stored.status is not None and stored.status.node_count == 3
        assert stored.spec.environment.value == "production"
    finally:
        kube.delete(CP, name)


def test_slos_are_stored_defaulted_and_checked_like_the_models(
    kube: Client, persona_crds: list[str], namespace: str
) -> None:
    good = {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": "slo"},
        "spec": {
            "name": "slo",
            "type": "api",
            "slos": [
                {"name": "availability", "indicator": "availability", "objective": 99.9},
                {"name": "latency", "indicator": "latency", "objective": 99, "threshold": "500ms"},
            ],
        },
    }
    kube.create(codecs.from_dict(good), namespace=namespace)
    stored = kube.get(AP, "slo", namespace=namespace).to_dict()
    assert [s["window"] for s in stored["spec"]["slos"]] == ["30d", "30d"]  # defaulted
    ApplicationPersona.model_validate(stored)
    for slo, fragment in (
        ({"name": "latency", "indicator": "latency", "objective": 99}, "needs a threshold"),
        ({"name": "a", "indicator": "availability", "objective": 100}, "objective"),
        ({"name": "a", "indicator": "availability", "objective": 99, "window": "1y"}, "window"),
    ):
        bad = {**good, "metadata": {"name": "bad-slo"}, "spec": {**good["spec"], "slos": [slo]}}  # type: ignore[dict-item]
        with pytest.raises(ApiError) as caught:
            kube.create(codecs.from_dict(bad), namespace=namespace)
        assert fragment in str(caught.value)
        with pytest.raises(ValidationError):
            ApplicationPersona.model_validate(bad)
