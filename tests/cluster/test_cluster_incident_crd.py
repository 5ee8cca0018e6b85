"""The generated IncidentMemory CRD against a real kube-apiserver: installed and Established,
an incident recorded by ``dorgu.learning.incidents`` round-trips with its status, the API server
enforces the bounds (maxItems, maxLength, enums, confidence range) and serves the printer
columns (``kubectl get im``)."""

from __future__ import annotations

import copy
import ssl
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import yaml
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.types import PatchType

from dorgu.crds import crd_files
from dorgu.learning.incidents import correlate, detect_all, record
from dorgu.models.incidents import IncidentMemory
from dorgu.models.personas_base import dump_wire
from tests.learning.incidents.objects import oom_crashloop, pod

IM = create_namespaced_resource("dorgu.io", "v1", "IncidentMemory", "incidentmemories")
NAME = "incidentmemories.dorgu.io"
NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def incident_crd(testbed) -> str:  # type: ignore[no-untyped-def]
    crd = yaml.safe_load(crd_files()[f"{NAME}.yaml"])
    with testbed.client() as kube:
        kube.apply(codecs.from_dict(crd), force=True)
        deadline = time.monotonic() + 30
        while True:
            got = kube.get(CustomResourceDefinition, NAME)
            conditions = got.status.conditions if got.status else None
            if any(c.type == "Established" and c.status == "True" for c in conditions or []):
                break
            assert time.monotonic() < deadline, "the IncidentMemory CRD never became Established"
            time.sleep(0.2)
        # the established CRD is served after a short discovery delay
        while True:
            try:
                kube.list(IM, namespace="default")
                break
            except ApiError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    return NAME


def _incident(namespace: str, pods: int = 3) -> IncidentMemory:
    objects = [
        pod(f"orders-7d9f8-{i}", namespace=namespace, containers=[oom_crashloop()])
        for i in range(pods)
    ]
    (draft,) = correlate(detect_all(objects), now=NOW, cluster="testbed")
    incident = record(draft, [], now=NOW, namespace=namespace)
    assert incident is not None
    return incident


def _create(kube: Client, incident: IncidentMemory, namespace: str) -> dict[str, Any]:
    body = dump_wire(incident)
    status = body.pop("status")
    kube.create(codecs.from_dict(body), namespace=namespace)
    name = incident.metadata.name
    kube.patch(IM.Status, name, {"status": status}, namespace=namespace, patch_type=PatchType.MERGE)
    return kube.get(IM, name, namespace=namespace).to_dict()


def test_crd_names_and_short_name(kube: Client, incident_crd: str) -> None:
    crd = kube.get(CustomResourceDefinition, incident_crd)
    assert crd.spec.scope == "Namespaced"
    assert crd.spec.names.shortNames == ["im"]
    assert crd.spec.names.categories == ["dorgu"]


def test_recorded_incident_round_trips_with_status(
    kube: Client, incident_crd: str, namespace: str
) -> None:
    incident = _incident(namespace)
    stored = IncidentMemory.model_validate(_create(kube, incident, namespace))
    assert stored.spec == incident.spec
    assert stored.status == incident.status
    assert stored.status is not None and stored.status.occurrence_count == 6


def _rejected(kube: Client, body: dict[str, Any], namespace: str) -> str:
    with pytest.raises(ApiError) as caught:
        kube.create(codecs.from_dict(body), namespace=namespace)
    assert caught.value.status.code == 422
    return str(caught.value)


def test_api_server_enforces_the_bounds(kube: Client, incident_crd: str, namespace: str) -> None:
    body = dump_wire(_incident(namespace))
    body.pop("status")
    body["metadata"] = {"name": "bounded"}
    spec: Any = body["spec"]

    too_many = copy.deepcopy(body)
    resources = too_many["spec"]["detection"]["affectedResources"]  # type: ignore[index]
    resources.extend({"kind": "Pod", "name": f"p{i}", "role": "pod"} for i in range(21))
    message = _rejected(kube, too_many, namespace)
    assert "spec.detection.affectedResources" in message and "must have at most 20 items" in message

    long_text = copy.deepcopy(body)
    long_text["spec"]["detection"]["evidence"][0]["message"] = "x" * 513  # type: ignore[index]
    message = _rejected(kube, long_text, namespace)
    assert "spec.detection.evidence[0].message" in message and "512" in message

    wrong = copy.deepcopy(body)
    wrong["spec"]["severity"] = "sev1"  # type: ignore[index]
    wrong["spec"]["rootCause"] = {"confidence": 1.5}  # type: ignore[index]
    message = _rejected(kube, wrong, namespace)
    assert "spec.severity" in message and "spec.rootCause.confidence" in message

    bad_fingerprint = copy.deepcopy(body)
    bad_fingerprint["spec"]["fingerprint"] = "not-a-hash"  # type: ignore[index]
    assert "spec.fingerprint" in _rejected(kube, bad_fingerprint, namespace)
    assert spec["detection"]["signal"] == "OOMKilled"


def test_status_occurrences_are_capped_by_the_api_server(
    kube: Client, incident_crd: str, namespace: str
) -> None:
    incident = _incident(namespace, pods=1)
    stored = _create(kube, incident, namespace)
    occurrence = stored["status"]["recentOccurrences"][0]
    status = {"recentOccurrences": [dict(occurrence, token=f"t{i}") for i in range(21)]}
    with pytest.raises(ApiError) as caught:
        kube.patch(
            IM.Status,
            incident.metadata.name,
            {"status": status},
            namespace=namespace,
            patch_type=PatchType.MERGE,
        )
    assert "status.recentOccurrences" in str(caught.value)
    with pytest.raises(ApiError):
        kube.patch(
            IM.Status,
            incident.metadata.name,
            {"status": {"phase": "Closed"}},
            namespace=namespace,
            patch_type=PatchType.MERGE,
        )


def test_printer_columns_are_served(
    testbed, kube: Client, incident_crd: str, namespace: str
) -> None:  # type: ignore[no-untyped-def]
    incident = _incident(namespace)
    _create(kube, incident, namespace)
    pki = testbed.plane.pki
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    context.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))
    with httpx.Client(base_url=testbed.server, verify=context, trust_env=False) as http:
        response = http.get(
            f"/apis/dorgu.io/v1/namespaces/{namespace}/incidentmemories",
            headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"},
        )
    response.raise_for_status()
    table = response.json()
    assert table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == [
        "Name",
        "Category",
        "Severity",
        "Phase",
        "Signal",
        "Workload",
        "Occurrences",
        "Last",
        "Namespace",
        "Age",
    ]
    (row,) = table["rows"]
    cells = dict(zip(names, row["cells"], strict=True))
    assert cells["Name"] == incident.metadata.name
    assert (cells["Category"], cells["Severity"], cells["Phase"], cells["Signal"]) == (
        "resource",
        "critical",
        "Detected",
        "OOMKilled",
    )
    assert (cells["Workload"], cells["Occurrences"]) == ("orders", 6)
    assert cells["Namespace"] == namespace
