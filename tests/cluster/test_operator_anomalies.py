"""The operator process detecting a live anomaly (issue 13, "Live"): a kwok Pod with a day and a
half of backfilled steady history, an operator reading the testbed's Prometheus every 5 s, and
a CPU step made by changing the Pod's usage annotation.  The persona's ``status.anomalies``
shows the finding within a few scrape intervals, ``dorgu anomaly list`` lists it."""

from __future__ import annotations

import calendar
import json
import time
import uuid

from lightkube import codecs
from lightkube.resources.core_v1 import Namespace, Pod
from lightkube.types import PatchType

from tests.cli.running import dorgu
from tests.cluster import metrics
from tests.operator.cluster_support import (
    AP,
    OperatorProcess,
    delete_quietly,
    deployment,
    install_crds,
    persona,
)

INTERVAL = 5.0


def _epoch(stamp: str) -> float:
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))


def _anomalies(kube, namespace: str) -> dict:
    status = kube.get(AP, "web", namespace=namespace).to_dict().get("status") or {}
    return status.get("anomalies") or {}


def test_the_operator_reports_a_live_cpu_step_in_the_persona_status(
    testbed_with_metrics, metrics_namespace, eventually, tmp_path
):
    bed, namespace = testbed_with_metrics, metrics_namespace
    body = deployment("web", replicas=1)
    body["spec"]["template"]["metadata"]["annotations"] = metrics.usage_annotations(
        cpu="100m", memory="64Mi"
    )
    home = f"dorgu-op-{uuid.uuid4().hex[:6]}"
    with bed.client() as kube:
        install_crds(kube)
        kube.create(Namespace(metadata={"name": home}))  # type: ignore[arg-type]
        kube.create(codecs.from_dict(body), namespace=namespace)
        (pod,) = eventually(
            lambda: [p for p in kube.list(Pod, namespace=namespace)
                     if p.status and p.status.phase == "Running"],
            timeout=60,
        )  # fmt: skip
        bed.backfill_pods(namespace, days=1.5, step=INTERVAL)
        process = OperatorProcess(
            kubeconfig=bed.kubeconfig, namespace=home, log=tmp_path / "operator.log",
            configuration=f"dorgu-test-{home}",
            extra=("--no-webhook", "--prometheus-url", bed.prometheus_url,
                   "--anomaly-interval", str(INTERVAL), "--anomaly-history", "2d"),
        )  # fmt: skip
        try:
            process.wait_ready()
            kube.create(codecs.from_dict(persona("web")), namespace=namespace)
            watched = eventually(
                lambda: _anomalies(kube, namespace).get("series", 0) >= 2 and True, timeout=120
            )
            assert watched, process.tail()
            time.sleep(4 * INTERVAL)  # live samples after the warm start: still quiet
            quiet = _anomalies(kube, namespace)
            assert quiet.get("current", []) == [], f"{json.dumps(quiet)}\n{process.tail()}"
            assert process.metric("dorgu_anomaly_series", state="watched") >= 2

            changed = time.time()
            kube.patch(Pod, pod.metadata.name, namespace=namespace,
                       obj={"metadata": {"annotations": {"kwok.x-k8s.io/usage-cpu": "400m"}}},
                       patch_type=PatchType.MERGE)  # fmt: skip

            def cpu_finding() -> dict | None:
                current = _anomalies(kube, namespace).get("current", [])
                return next((f for f in current if f["series"]["metric"] == "cpu"), None)

            finding = eventually(cpu_finding, timeout=90, interval=1)
            seen = time.time()
            before = _anomalies(kube, namespace)
            code = process.stop()
            assert code == 0, process.tail()

            # A new leader rebuilds the detectors from Prometheus and reads the old summary
            # back: the same anomaly, not a second one.
            process = OperatorProcess(
                kubeconfig=bed.kubeconfig, namespace=home, log=tmp_path / "operator2.log",
                configuration=f"dorgu-test-{home}",
                extra=("--no-webhook", "--prometheus-url", bed.prometheus_url,
                       "--anomaly-interval", str(INTERVAL), "--anomaly-history", "2d"),
            )  # fmt: skip
            process.wait_ready()
            eventually(lambda: process.metric("dorgu_anomaly_series", state="watched") >= 2,
                       timeout=120)  # fmt: skip
            time.sleep(2 * INTERVAL)
            after = _anomalies(kube, namespace)
        finally:
            code = process.stop()
            delete_quietly(kube, Namespace, home)
    assert code == 0, process.tail()
    assert after["total"] == before["total"] == 1, (before, after)
    again = [f for f in (*after.get("current", []), *after.get("recent", []))
             if f["series"]["metric"] == "cpu"]  # fmt: skip
    assert len(again) == 1, (before, after)
    assert abs(_epoch(again[0]["start"]) - _epoch(finding["start"])) <= 2 * INTERVAL
    assert finding["series"] == {"metric": "cpu", "container": "web"}
    assert finding["persona"] == {"namespace": namespace, "name": "web"}
    assert finding["observed"] > finding["expected"]["high"]
    assert 0.6 <= finding["score"] <= 1
    started = _epoch(finding["start"])
    assert started >= changed - 2 * INTERVAL
    print(f"CPU step detected {started - changed:.1f}s after the change (sample time), "
          f"reported {seen - changed:.1f}s after it")  # fmt: skip
    assert started - changed <= 5 * INTERVAL + INTERVAL  # aligned steps: at most one more
    result = dorgu("anomaly", "list", "--kubeconfig", str(bed.kubeconfig), "-n", namespace,
                   "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert any(f["series"]["metric"] == "cpu" and f["state"] == "current" for f in listed)
    table = dorgu("anomaly", "list", "--kubeconfig", str(bed.kubeconfig), "-n", namespace)
    assert "cpu/web" in table.output and "current" in table.output
