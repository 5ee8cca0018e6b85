"""The ServiceMonitor, PodMonitor and PrometheusRules ``dorgu generate`` writes are accepted by
a real API server with prometheus-operator's CRDs (the pinned release the schema bundle uses,
``tests/cluster/fixtures/prometheus-operator-crds.yaml.gz``, written by
``scripts/update-k8s-schemas --crds``) and stored unchanged: no field is pruned as unknown."""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition

from dorgu.generation import GenerationOptions
from dorgu.models.app import Component, Endpoint, EndpointKind, Port, Volume, VolumeKind
from tests.generation.builders import generate, settings

FIXTURE = Path(__file__).parent / "fixtures" / "prometheus-operator-crds.yaml.gz"
KINDS = {
    "ServiceMonitor": "servicemonitors",
    "PodMonitor": "podmonitors",
    "PrometheusRule": "prometheusrules",
}


def _established(kube: Client, name: str) -> bool:
    crd = kube.get(CustomResourceDefinition, name)
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


@pytest.fixture(scope="module")
def monitoring_crds(testbed: Any) -> list[str]:
    names = []
    with testbed.client() as kube:
        for crd in yaml.safe_load_all(gzip.decompress(FIXTURE.read_bytes())):
            kube.apply(codecs.from_dict(crd), field_manager="dorgu-tests", force=True)
            names.append(crd["metadata"]["name"])
        deadline = time.monotonic() + 30
        while not all(_established(kube, n) for n in names):
            assert time.monotonic() < deadline, "the prometheus-operator CRDs never got Established"
            time.sleep(0.2)
    return names


def _generated(namespace: str, component: Component) -> list[dict[str, Any]]:
    config = settings(namespace=namespace, app={"name": "shop", "runbook": "https://rb.example"})
    result = generate(component, config=config, options=GenerationOptions())
    objects = []
    for document in result.documents:
        name = document.filename
        if name.startswith("monitoring/") and not name.endswith((".prometheus.yaml", ".test.yaml")):
            objects.append(yaml.safe_load(document.text))
    return objects


def test_generated_monitors_and_rules_are_accepted_and_stored_unchanged(
    testbed: Any, monitoring_crds: list[str], namespace: str
) -> None:
    assert sorted(monitoring_crds) == [
        "podmonitors.monitoring.coreos.com",
        "prometheusrules.monitoring.coreos.com",
        "servicemonitors.monitoring.coreos.com",
    ]
    metrics = [Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)]
    deployment = Component(name="api", ports=[Port(number=8080)], endpoints=metrics)
    stateful = Component(
        name="api",
        ports=[Port(number=8080)],
        endpoints=metrics,
        volumes=[Volume(kind=VolumeKind.NAMED, source="data", target="/data")],
    )
    seen: set[str] = set()
    with testbed.client() as kube:
        for component in (deployment, stateful):
            for obj in _generated(namespace, component):
                kind = obj.get("kind")
                if kind not in KINDS:  # dashboards, ConfigMaps, plain route snippets
                    continue
                resource = create_namespaced_resource(
                    "monitoring.coreos.com", "v1", kind, KINDS[kind]
                )
                name = obj["metadata"]["name"]
                kube.apply(
                    codecs.from_dict(obj), namespace=namespace, field_manager="dorgu", force=True
                )
                stored = kube.get(resource, name, namespace=namespace).to_dict()
                assert stored["spec"] == obj["spec"], kind
                assert stored["metadata"]["labels"] == obj["metadata"]["labels"]
                kube.delete(resource, name, namespace=namespace)
                seen.add(kind)
    assert seen == {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
