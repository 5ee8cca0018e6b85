"""`dorgu recommend` against the metrics testbed (issue 12 section 1: kwok-simulated nodes whose
emulated metrics a real Prometheus scrapes, plus backfilled history)."""

from __future__ import annotations

import json

import yaml
from lightkube import codecs
from lightkube.resources.core_v1 import Pod

from tests.cli.running import dorgu
from tests.cluster import metrics

MI = 1024**2


def _deployment(annotations: dict[str, str]) -> dict:
    return yaml.safe_load(f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
      annotations: {json.dumps(annotations)}
    spec:
      containers:
      - name: app
        image: registry.invalid/web:1
        resources:
          requests: {{cpu: "1", memory: 1Gi}}
          limits: {{memory: 1Gi}}
""")


def test_recommend_sizes_from_14_days_of_backfilled_and_live_history(
    testbed_with_metrics, metrics_namespace, eventually
):
    bed, namespace = testbed_with_metrics, metrics_namespace
    annotations = metrics.usage_annotations(cpu="250m", memory="256Mi")
    with bed.client() as kube:
        kube.create(codecs.from_dict(_deployment(annotations)), namespace=namespace)
        pods = eventually(
            lambda: (found := [p for p in kube.list(Pod, namespace=namespace) if p.spec.nodeName])
            and len(found) == 2 and found,
            timeout=60,
        )  # fmt: skip
    containers = [
        metrics.SyntheticContainer(
            bed.live_labels(
                namespace=namespace,
                pod=p.metadata.name,
                container="app",
                image="registry.invalid/web:1",
                node=p.spec.nodeName,
            ),
            0.25,
            256 * MI,
        )
        for p in pods
    ]
    bed.backfill(metrics.render_history(containers, end=metrics.history_end(), days=14))
    result = dorgu("recommend", "--kubeconfig", str(bed.kubeconfig), "-n", namespace,
                   "--prometheus-url", bed.prometheus_url, "--history", "14d", "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    cpu = int(record["recommended"]["requests"]["cpu"].rstrip("m"))
    assert 240 <= cpu <= 275
    assert record["recommended"]["requests"]["memory"] == "295Mi"  # 256 Mi + 15 %
    assert record["recommended"]["limits"]["cpu"] is None
    assert record["points"] >= 2 * 13 * 1440
    assert record["confidence"] == 1.0
    assert record["monthly_savings_usd"] > 0
