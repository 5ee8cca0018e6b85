"""The operator learns a persona's baselines from the metrics testbed's real Prometheus
(kwok-simulated usage plus backfilled history), writes them into ``status.learned``, denies a
Deployment asking for less memory than the learned p99 (enforce), and keeps the last good
baselines, marked stale, while Prometheus is down, without holding up reconciling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Pod
from lightkube.types import PatchType

from dorgu.models.kubesyntax import quantity_value
from tests.cluster import metrics
from tests.operator.cluster_support import (
    AP,
    OperatorProcess,
    delete_quietly,
    deployment,
    make_namespace,
    persona,
    running_operator,
    status_of,
)

MI = 1024**2


@pytest.fixture
def learning_ns(testbed_with_metrics: Any) -> Iterator[str]:
    """An opted-in namespace (the operator's webhook runs with --opt-in)."""
    import uuid

    with testbed_with_metrics.client() as kube:
        name = make_namespace(kube, f"l-{uuid.uuid4().hex[:10]}")
        try:
            yield name
        finally:
            delete_quietly(kube, Namespace, name)


def _web() -> dict[str, Any]:
    body = deployment("web", replicas=2)
    body["spec"]["template"]["metadata"]["annotations"] = metrics.usage_annotations(
        cpu="250m", memory="200Mi", cpu_pattern="daily"
    )
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }
    return body


def _learned(kube: Client, ns: str) -> dict[str, Any]:
    learned = status_of(kube, ns, "web").get("learned") or {}
    assert isinstance(learned, dict)
    return learned


def _value(text: str) -> float:
    return float(quantity_value(text))


def test_the_operator_learns_baselines_denies_below_them_and_keeps_them_when_prometheus_is_down(
    testbed_with_metrics, learning_ns, eventually, tmp_path
) -> None:
    bed, ns = testbed_with_metrics, learning_ns
    spec = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
    with bed.client() as kube:
        from tests.operator.cluster_support import install_crds

        install_crds(kube)
        kube.create(codecs.from_dict(persona("web", mode="enforce", **spec)), namespace=ns)
        kube.create(codecs.from_dict(_web()), namespace=ns)
        eventually(
            lambda: len([p for p in kube.list(Pod, namespace=ns)
                         if p.status and p.status.phase == "Running"]) == 2,
            timeout=60,
        )  # fmt: skip
    bed.backfill_pods(ns, days=1, step=60)
    extra = ("--prometheus-url", bed.prometheus_url, "--learn-interval", "3",
             "--learn-window", "1d")  # fmt: skip
    with running_operator(bed, tmp_path, extra=extra) as operator, bed.client() as kube:
        learned = eventually(lambda: (found := _learned(kube, ns)).get("containers") and found,
                             timeout=60)  # fmt: skip
        _check_plausible(learned)
        assert operator.metric("dorgu_prometheus_queries_total") >= 3
        assert operator.metric("dorgu_learning_runs_total", result="ok") >= 1

        _check_admission(kube, ns, learned)
        _check_stale_while_prometheus_is_down(bed, kube, ns, learned, operator, eventually)


def _check_plausible(learned: dict[str, Any]) -> None:
    (web,) = learned["containers"]
    assert (web["kind"], web["workload"], web["name"]) == ("Deployment", "web", "web")
    assert web["pods"] == 2
    assert web["points"] >= 2 * 1000  # two pods, a day at one-minute steps (20h backfilled)
    assert 180 * MI <= _value(web["memory"]["p99"]) <= 240 * MI
    assert (
        _value(web["memory"]["p50"]) <= _value(web["memory"]["p99"]) <= _value(web["memory"]["max"])
    )
    # CPU: a daily triangle between 0.25x and 1.75x of 250m (mean 250m)
    assert 0.3 <= _value(web["cpu"]["p95"]) <= 0.45 and _value(web["cpu"]["max"]) <= 0.45
    assert 0.2 <= _value(web["cpu"]["avg"]) <= 0.3
    memory = web["hourly"]["memoryMebibytes"]
    assert len(memory) == 24 and sum(1 for v in memory if v >= 0) >= 20
    assert all(180 <= v <= 240 for v in memory if v >= 0)
    cpu = [v for v in web["hourly"]["cpuMillicores"] if v >= 0]
    assert len(cpu) >= 20 and max(cpu) >= 3 * min(cpu)  # the daily cycle shows by hour
    assert learned["window"] == "1d" and not learned.get("stale")
    assert learned["resourceBaseline"]["peakMemory"] == web["memory"]["max"]
    assert "http" not in learned  # the app exposes no HTTP metrics


def _check_admission(kube: Client, ns: str, learned: dict[str, Any]) -> None:
    p99 = learned["containers"][0]["memory"]["p99"]
    small = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "resources": {"requests": {"memory": "64Mi"},
                                      "limits": {"memory": "128Mi"}}}]}}}}  # fmt: skip
    with pytest.raises(ApiError) as denied:
        kube.patch(Deployment, "web", small, namespace=ns, dry_run=True)
    message = denied.value.status.message or ""
    assert "persona.learned-memory" in message and p99 in message, message
    enough = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "resources": {"requests": {"memory": "300Mi"},
                                      "limits": {"memory": "600Mi"}}}]}}}}  # fmt: skip
    kube.patch(Deployment, "web", enough, namespace=ns, dry_run=True)  # admitted


def _check_stale_while_prometheus_is_down(
    bed: Any, kube: Client, ns: str, good: dict[str, Any], operator: OperatorProcess,
    eventually: Any,
) -> None:  # fmt: skip
    bed.plane.stop_prometheus()
    try:
        stale = eventually(lambda: (found := _learned(kube, ns)).get("stale") and found,
                           timeout=60)  # fmt: skip
        assert "Prometheus" in stale["staleReason"]
        assert stale["containers"] == _learned_containers_of(good, stale)
        assert operator.metric("dorgu_learning_runs_total", result="failed") >= 1
        # reconciling goes on: a spec change is observed while Prometheus is down
        kube.patch(AP, "web", {"spec": {"technical": {"description": "learning"}}},
                   namespace=ns, patch_type=PatchType.MERGE)  # fmt: skip
        eventually(lambda: status_of(kube, ns, "web").get("observedGeneration") == 2, timeout=30)
        # and admission still uses the last good baselines
        small = {"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"memory": "64Mi"},
                                          "limits": {"memory": "128Mi"}}}]}}}}  # fmt: skip
        with pytest.raises(ApiError) as denied:
            kube.patch(Deployment, "web", small, namespace=ns, dry_run=True)
        assert "stale" in (denied.value.status.message or "")
    finally:
        bed.plane.start_prometheus()
    eventually(lambda: not _learned(kube, ns).get("stale"), timeout=60)


def _learned_containers_of(good: dict[str, Any], stale: dict[str, Any]) -> list[Any]:
    """The last good containers: those of ``good`` unless a later good run replaced them
    before Prometheus stopped (then ``stale`` keeps that run's, with the same shape)."""
    if stale["lastUpdated"] == good.get("lastUpdated"):
        return list(good["containers"])
    assert [c["name"] for c in stale["containers"]] == [c["name"] for c in good["containers"]]
    return list(stale["containers"])
