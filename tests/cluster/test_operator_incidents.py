"""The operator recording incidents on the real testbed (kube-apiserver + controller-manager,
no kubelet: the test writes Pod status through the status subresource and posts Events as a
kubelet would): three pods of one Deployment OOM-crash-looping after a rollout are exactly one
IncidentMemory naming the three pods and the rollout; the operator killed and restarted in the
middle writes no duplicate; recovery resolves it after the stabilisation window."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lightkube import ApiError, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Pod
from lightkube.types import PatchType

from tests.clients.notify_servers import stand_in
from tests.cluster import kubelet
from tests.operator.cluster_support import (
    OperatorProcess,
    delete_quietly,
    deployment,
    install_crds,
    temporary_namespace,
)

IM = create_namespaced_resource("dorgu.io", "v1", "IncidentMemory", "incidentmemories")
NEW_IMAGE = "registry.example.com/app:1.2.4"


def _incidents(kube: Any, namespace: str) -> list[dict[str, Any]]:
    for _ in range(50):  # a CRD just (re)applied: "storage is (re)initializing" for a moment
        try:
            return [i.to_dict() for i in kube.list(IM, namespace=namespace)]
        except ApiError as error:
            if error.status.code != 429:
                raise
            time.sleep(0.2)
    raise AssertionError("IncidentMemory storage never became ready")


def _pods(kube: Any, namespace: str, image: str) -> list[Pod]:
    return sorted(
        (p for p in kube.list(Pod, namespace=namespace)
         if p.spec and p.spec.containers[0].image == image and p.metadata.deletionTimestamp is None),
        key=lambda p: p.metadata.name,
    )  # fmt: skip


def _one_with_pods(kube: Any, namespace: str, count: int, signal: str) -> dict[str, Any] | None:
    """The one incident once it names ``count`` pods and the contributing ``signal``."""
    found = _incidents(kube, namespace)
    assert len(found) <= 1, [i["metadata"]["name"] for i in found]
    if not found:
        return None
    contributing = (found[0]["spec"].get("rootCause") or {}).get("contributing") or []
    if signal not in {c["signal"] for c in contributing}:
        return None
    pods = [
        r for r in found[0]["spec"]["detection"].get("affectedResources", []) if r["kind"] == "Pod"
    ]
    return found[0] if len(pods) == count and found[0].get("status") else None


def _events(hooks: Any) -> list[str]:
    return [str(r.body.get("event")) for r in hooks.posted("/hooks/")
            if isinstance(r.body, dict)]  # fmt: skip


def _operator(bed: Any, home: str, tmp_path: Any, hook: str) -> OperatorProcess:
    process = OperatorProcess(
        kubeconfig=bed.kubeconfig, namespace=home, log=tmp_path / "operator.log",
        configuration=f"dorgu-test-{home}",
        extra=("--no-webhook", "--incident-stabilization", "4s", "--notify-webhook-url", hook),
    )  # fmt: skip
    process.wait_ready()
    return process


def test_crash_looping_pods_are_one_incident_across_a_restart_and_resolve(
    testbed, eventually, tmp_path
):
    bed = testbed
    home = f"dorgu-op-{uuid.uuid4().hex[:6]}"
    with bed.client() as kube, temporary_namespace(kube) as namespace, stand_in() as hooks:
        install_crds(kube)
        hook = f"{hooks.url}/hooks/incidents"
        kube.create(Namespace(metadata={"name": home}))  # type: ignore[arg-type]
        body = deployment("orders", replicas=3)
        body["spec"]["strategy"] = {"type": "Recreate"}
        kube.create(codecs.from_dict(body), namespace=namespace)
        eventually(lambda: len(_pods(kube, namespace, "registry.example.com/app:1.2.3")) == 3)
        kube.patch(Deployment, "orders", namespace=namespace, patch_type=PatchType.STRATEGIC,
                   obj={"spec": {"template": {"spec": {"containers": [
                       {"name": "orders", "image": NEW_IMAGE}]}}}})  # fmt: skip
        pods = eventually(
            lambda: len(p := _pods(kube, namespace, NEW_IMAGE)) == 3 and p, timeout=60
        )

        process = _operator(bed, home, tmp_path, hook)
        second: OperatorProcess | None = None
        try:
            failed = datetime.now(UTC)
            for pod in pods:
                kubelet.write_status(
                    kube, pod, kubelet.oom_crash_looping(pod, restarts=1, finished=failed)
                )
            kubelet.post_probe_failure(kube, pods[0])
            incident = eventually(lambda: _one_with_pods(kube, namespace, 3, "LivenessProbeFailed"),
                                  timeout=60)  # fmt: skip
            spec, status = incident["spec"], incident["status"]
            assert spec["detection"]["signal"] == "OOMKilled", process.tail()
            assert spec["category"] == "resource" and spec["severity"] == "critical"
            assert spec["workload"] == {"kind": "Deployment", "name": "orders",
                                        "namespace": namespace, "role": "workload"}  # fmt: skip
            assert incident["metadata"]["labels"]["dorgu.io/fingerprint"] == spec["fingerprint"]
            assert {p.metadata.name for p in pods} == {
                r["name"] for r in spec["detection"]["affectedResources"] if r["kind"] == "Pod"}  # fmt: skip
            contributing = {
                c["signal"]: c.get("detail", "") for c in spec["rootCause"]["contributing"]
            }
            assert {"CrashLoopBackOff", "LivenessProbeFailed", "Rollout"} <= set(contributing)
            assert "revision 2" in contributing["Rollout"], contributing
            assert f"1.2.3 -> {NEW_IMAGE}" in contributing["Rollout"], contributing
            assert status["episode"] == 1
            name = incident["metadata"]["name"]
            eventually(lambda: _incidents(kube, namespace)[0]["status"]["phase"] == "Investigating")

            process.kill()  # mid-incident; one pod crashes again while no operator runs
            again = datetime.now(UTC)
            kubelet.write_status(
                kube, pods[1], kubelet.oom_crash_looping(pods[1], restarts=2, finished=again)
            )
            before = _incidents(kube, namespace)[0]["status"]["occurrenceCount"]
            second = _operator(bed, home, tmp_path, hook)
            grown = eventually(
                lambda: (i := _incidents(kube, namespace))[0]["status"]["occurrenceCount"] > before and i,
                timeout=60,
            )  # fmt: skip
            assert [i["metadata"]["name"] for i in grown] == [name], second.tail()
            time.sleep(3)  # a restarted operator settles: still the one incident
            assert [i["metadata"]["name"] for i in _incidents(kube, namespace)] == [name]

            ready = datetime.now(UTC)
            for pod, restarts, finished in zip(
                pods, (1, 2, 1), (failed, again, failed), strict=True
            ):
                kubelet.write_status(kube, pod, kubelet.recovered(pod, restarts=restarts,
                                                                  finished=finished, ready=ready))  # fmt: skip
            done = eventually(
                lambda: (i := _incidents(kube, namespace))[0]["status"]["phase"] == "Resolved" and i,
                timeout=60,
            )  # fmt: skip
            assert [i["metadata"]["name"] for i in done] == [name]
            resolved = done[0]
            resolution = resolved["spec"]["resolution"]
            assert resolution["resolvedBy"] == "dorgu-operator"
            assert resolution["outcome"] == "resolved" and resolution["duration"]
            resolved_at = datetime.fromisoformat(
                resolved["status"]["resolvedAt"].replace("Z", "+00:00")
            )
            assert resolved_at - ready >= timedelta(seconds=3), (
                "resolved before the stabilisation window"
            )
            assert second.metric("dorgu_incident_writes", verb="create") == 0  # no duplicate
            sent = eventually(lambda: (e := _events(hooks)) and e[-1] == "resolved" and e,
                              timeout=60)  # fmt: skip
            assert sent.count("opened") == 1, sent  # one message when it opened, none again
            assert sent.count("resolved") == 1, sent  # after the restart either
            time.sleep(6)  # retries and replays after the restart add nothing
            assert _events(hooks) == sent
            assert "Traceback" not in second.tail(400) and "Traceback" not in process.tail(400)
        finally:
            process.stop()
            if second is not None:
                second.stop()
            delete_quietly(kube, Namespace, home)
