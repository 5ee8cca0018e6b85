"""Persona status through the operator's lifecycle on the testbed: Pending without workloads,
Active when every selected workload passes, Degraded when one breaks the persona, back to
Active when the persona changes; HPA changes re-validate; Events only on transitions; status
writes never retrigger reconciles."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from lightkube import Client, codecs
from lightkube.resources.apps_v1 import Deployment
from lightkube.types import PatchType

from tests.operator.cluster_support import (
    AP,
    OperatorProcess,
    deployment,
    events_for,
    persona,
    running_operator,
    status_of,
    temporary_namespace,
)


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with running_operator(testbed, tmp_path_factory.mktemp("operator")) as process:
        yield process


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def _phase(kube: Client, ns: str, name: str, phase: str):  # type: ignore[no-untyped-def]
    def check() -> dict | None:
        status = status_of(kube, ns, name)
        return status if status.get("phase") == phase else None

    return check


def _condition(status: dict, kind: str) -> dict:
    return next(c for c in status["conditions"] if c["type"] == kind)


def test_persona_lifecycle_updates_phase_conditions_and_validation(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("orders")), namespace=ns)
    status = eventually(_phase(kube, ns, "orders", "Pending"))
    assert status["observedGeneration"] == 1
    assert status["validation"]["passed"] is True  # always written
    assert _condition(status, "Ready")["status"] == "False"

    kube.create(codecs.from_dict(deployment("orders")), namespace=ns)
    kube.create(codecs.from_dict(deployment("orders-worker", app="orders")), namespace=ns)

    def both_active() -> dict | None:
        status = _phase(kube, ns, "orders", "Active")()
        done = status and len(status["validation"]["targets"]) == 2 and "deployments" in status
        return status if done else None

    status = eventually(both_active)
    assert [t["name"] for t in status["validation"]["targets"]] == ["orders", "orders-worker"]
    ready = _condition(status, "Ready")
    assert (ready["status"], ready["observedGeneration"]) == ("True", 1)
    assert _condition(status, "Validated")["status"] == "True"
    checks = {c["rule"]: c for c in status["validation"]["targets"][0]["checks"]}
    assert checks["persona.resource-bounds"]["passed"] is True
    assert status["deployments"]["current"] == "1.2.3"

    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "orders", "resources": {"limits": {"cpu": "3"}}}]}}}}  # fmt: skip
    kube.patch(Deployment, "orders-worker", patch, namespace=ns)
    status = eventually(_phase(kube, ns, "orders", "Degraded"))
    assert status["validation"]["passed"] is False
    issue = next(
        i for i in status["validation"]["issues"] if i.get("rule") == "persona.resource-bounds"
    )
    assert issue["severity"] == "error" and "orders-worker" in issue["message"]

    kube.patch(AP, "orders", {"spec": {"resources": {"limits": {"cpu": "4"}}}}, namespace=ns,
               patch_type=PatchType.MERGE)  # fmt: skip
    status = eventually(_phase(kube, ns, "orders", "Active"))
    assert status["observedGeneration"] == 2
    assert _condition(status, "Ready")["observedGeneration"] == 2

    def reasons() -> list[str]:
        return sorted(e.reason for e in events_for(kube, ns, "orders"))

    eventually(lambda: reasons().count("PhaseActive") == 2)
    time.sleep(1)
    assert reasons() == ["PhaseActive", "PhaseActive", "PhaseDegraded", "PhasePending",
                         "ValidationFailed", "ValidationPassed"]  # fmt: skip


def test_status_writes_do_not_retrigger_reconciles(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("quiet")), namespace=ns)
    kube.create(codecs.from_dict(deployment("quiet")), namespace=ns)
    eventually(_phase(kube, ns, "quiet", "Active"))
    time.sleep(1)
    version = kube.get(AP, "quiet", namespace=ns).metadata.resourceVersion
    reconciles = operator.metric("dorgu_reconcile_duration_seconds_count")

    time.sleep(4)

    # Every status write stamps lastUpdated, so an unchanged resourceVersion proves this
    # persona's status was not written again.  (The write counter is operator-wide, and other
    # modules' personas, still being cleaned up, are written meanwhile.)
    assert kube.get(AP, "quiet", namespace=ns).metadata.resourceVersion == version
    # The operator is shared: other tests' namespaces being deleted (and their Deployments'
    # rollouts) wake reconciles of their own personas, a few dozen in a busy run.  A status
    # write that retriggered itself would loop at hundreds per second, far above this bound.
    assert operator.metric("dorgu_reconcile_duration_seconds_count") - reconciles < 60


def test_autoscaler_change_revalidates_the_persona(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("search")), namespace=ns)
    kube.create(codecs.from_dict(deployment("search")), namespace=ns)
    eventually(_phase(kube, ns, "search", "Active"))

    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "search"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "search"},
            "minReplicas": 2,
            "maxReplicas": 40,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                         "target": {"type": "Utilization", "averageUtilization": 70}}}],
        },
    }  # fmt: skip
    kube.create(codecs.from_dict(hpa), namespace=ns)

    def replica_issue() -> bool:
        issues = status_of(kube, ns, "search").get("validation", {}).get("issues", [])
        return any(i.get("rule") == "persona.replica-range" for i in issues)

    eventually(replica_issue)


def test_deleting_a_persona_is_quiet(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("gone")), namespace=ns)
    eventually(_phase(kube, ns, "gone", "Pending"))
    errors = operator.metric("dorgu_reconcile_errors_total")
    kube.delete(AP, "gone", namespace=ns)
    kube.create(codecs.from_dict(deployment("gone")), namespace=ns)
    time.sleep(2)
    assert operator.metric("dorgu_reconcile_errors_total") == errors
