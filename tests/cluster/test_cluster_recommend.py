"""`dorgu recommend` against the testbed: workloads, their containers' requests and limits, the
pods the real controllers create (and the name patterns that find them in Prometheus), HPAs and
OOMKilled pods come from a real kube-apiserver; Prometheus is a local server speaking its API."""

from __future__ import annotations

import json
import re

import yaml
from lightkube import Client, codecs
from lightkube.resources.core_v1 import Pod
from lightkube.types import PatchType

from dorgu.clients import ConnectionOptions, connect
from dorgu.services.workloads import list_workloads
from tests.cli.running import dorgu
from tests.clients.prometheus_server import serve, success

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.invalid/web:1
        resources:
          requests: {cpu: "1", memory: 1Gi}
          limits: {cpu: "2", memory: 1Gi}
      - name: sidecar
        image: registry.invalid/proxy:1
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: postgres, image: registry.invalid/pg:16, resources: {requests: {memory: 2Gi}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: registry.invalid/report:1}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
"""


def _create(kube: Client, namespace: str) -> None:
    for document in yaml.safe_load_all(MANIFESTS):
        kube.create(codecs.from_dict(document), namespace=namespace)


def _web_pods(kube: Client, namespace: str) -> list[str]:
    return sorted(p.metadata.name for p in kube.list(Pod, namespace=namespace,
                                                     labels={"app": "web"}))  # fmt: skip


def test_workloads_pods_hpas_and_oomkills_come_from_the_api(testbed, kube, namespace, eventually):
    _create(kube, namespace)
    pods = eventually(lambda: (found := _web_pods(kube, namespace)) and len(found) == 2 and found)
    kube.patch(
        Pod.Status, pods[0], {"status": {"containerStatuses": [{
            "name": "app", "ready": False, "restartCount": 1, "image": "registry.invalid/web:1",
            "imageID": "", "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}},
        namespace=namespace, patch_type=PatchType.MERGE,
    )  # fmt: skip
    client = connect(ConnectionOptions(kubeconfig=testbed.kubeconfig, namespace=namespace))
    try:
        workloads = eventually(
            lambda: (
                (found := list_workloads(client=client, namespace=namespace))
                and len(found[1].pods) == 2
                and found[1].oom_limits
                and found
            )
        )
    finally:
        client.close()
    by_name = {w.name: w for w in workloads}
    assert [(w.kind, w.name) for w in workloads] == [
        ("CronJob", "nightly"), ("Deployment", "web"), ("StatefulSet", "db"),
    ]  # fmt: skip
    web = by_name["web"]
    assert [c.name for c in web.containers] == ["app", "sidecar"]
    assert web.containers[0].current.cpu_request == 1.0
    assert web.containers[0].current.memory_limit == 1024**3
    assert web.containers[1].current.cpu_request is None
    assert web.pods == tuple(pods)
    # the pattern finds these pods and the pods of an earlier ReplicaSet, not other apps'
    assert all(re.fullmatch(web.pod_pattern, p) for p in pods)
    assert re.fullmatch(web.pod_pattern, "web-5c6d7e8f9b-x2x4z")
    assert not re.fullmatch(web.pod_pattern, "web-v2-5c6d7e8f9b-x2x4z")
    assert web.oom_limits == {"app": 1024**3}
    assert [(t.name, t.resource, t.utilization) for _, t in web.hpas] == [("web", "cpu", 60)]
    assert by_name["db"].replicas == 1
    assert re.fullmatch(by_name["db"].pod_pattern, "db-0")
    assert re.fullmatch(by_name["nightly"].pod_pattern, "nightly-29012345-abcde")


def test_the_cli_recommends_from_the_testbed_and_writes_patches_only(
    testbed, kube, namespace, eventually, tmp_path
):
    _create(kube, namespace)
    pods = eventually(lambda: (found := _web_pods(kube, namespace)) and len(found) == 2 and found)

    def answer(path, form):
        if form["query"] == "vector(1)":
            return success("vector", [{"metric": {}, "value": [1, "1"]}])
        cpu = "container_cpu_usage_seconds_total" in form["query"]
        stats = {"p95": 0.12, "max": 0.2, "avg": 0.05, "points": 20160} if cpu else {
            "max": 300 * 1024**2, "avg": 200 * 1024**2}  # fmt: skip
        return success("vector", [
            {"metric": {"namespace": namespace, "pod": pod, "container": "app", "stat": stat},
             "value": [1, repr(value)]}
            for pod in pods for stat, value in stats.items()])  # fmt: skip

    out = tmp_path / "out"
    with serve(answer) as server:
        result = dorgu("recommend", "deploy/web", "--kubeconfig", str(testbed.kubeconfig),
                       "-n", namespace, "--prometheus-url", server.url, "-o", "json",
                       "--patch", "kustomize", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    records = json.loads(result.output[result.output.index("[") :])
    app = next(r for r in records if r["container"] == "app")
    sidecar = next(r for r in records if r["container"] == "sidecar")
    assert app["recommended"]["requests"]["cpu"] == "120m"
    assert app["recommended"]["requests"]["memory"] == "345Mi"
    assert any("HPA web" in r and "500 %" in r for r in app["reasons"])  # 60 · 1 / 0.12
    assert sidecar["points"] == 0 and "not enough data" in sidecar["reasons"][0]
    assert "cpu: 120m" in (out / namespace / "deployment-web.yaml").read_text()
    deployment = kube.get(codecs.resource_registry.load("apps/v1", "Deployment"), "web",
                          namespace=namespace)  # fmt: skip
    limits = deployment.spec.template.spec.containers[0].resources.limits
    assert limits["cpu"] == "2"  # unchanged in the cluster
