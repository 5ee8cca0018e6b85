"""The dashboards ``dorgu generate`` writes, against the testbed's real Prometheus (Debian's 2.42,
scraping kwok's emulated kubelets and cAdvisor): with the generated rules loaded, every panel
and annotation query evaluates without error, and the resource panels find the pod of the
workload they were generated for (by namespace, pod name pattern and container)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lightkube.models.core_v1 import Container, PodSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Pod

from dorgu.generation import GenerationOptions
from dorgu.generation.observability import SLO_PLAIN_FILE
from dorgu.models.app import Component, Endpoint, EndpointKind, Port
from tests.cluster.metrics import usage_annotations
from tests.generation.builders import generate, settings

POD = "shop-7d9c6b5f4-abcde"  # a Deployment's pod name for the workload "shop"


def _queries(board: dict[str, Any]) -> dict[str, str]:
    found = {
        f"{p['title']} {t['refId']}": t["expr"]
        for p in board["panels"]
        for t in p.get("targets", [])
    }
    found.update({a["name"]: a["expr"] for a in board["annotations"]["list"] if "expr" in a})
    return found


def test_dashboard_queries_evaluate_and_find_the_workloads_pod(
    testbed_with_metrics: Any, metrics_namespace: str, tmp_path: Path, eventually: Any
) -> None:
    bed = testbed_with_metrics
    component = Component(
        name="api",
        ports=[Port(number=8080)],
        endpoints=[Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)],
    )
    config = settings(namespace=metrics_namespace, app={"name": "shop", "team": "payments"})
    result = generate(component, config=config, options=GenerationOptions())
    texts = {d.filename: d.text for d in result.documents}
    board = json.loads(texts["monitoring/shop-dashboard.json"])
    rules = tmp_path / "slo-rules.yaml"
    rules.write_text(texts[SLO_PLAIN_FILE], encoding="utf-8")

    with bed.client() as kube:
        pod = Pod(
            metadata=ObjectMeta(name=POD, annotations=usage_annotations(cpu="250m", memory="64Mi")),
            spec=PodSpec(containers=[Container(name="api", image="registry.invalid/shop:1")]),
        )
        kube.create(pod, namespace=metrics_namespace)
    bed.plane.load_rules((rules,))
    try:
        queries = _queries(board)
        assert len(queries) > 20
        for expr in queries.values():
            bed.query(expr)  # raises with Prometheus' error on a bad query
        cpu = next(e for t, e in queries.items() if t.startswith("CPU") and t.endswith(" A"))
        memory = next(e for t, e in queries.items() if t.startswith("Memory") and t.endswith(" A"))
        used = eventually(lambda: bed.query(cpu), timeout=90)
        assert [s["metric"]["pod"] for s in used] == [POD]
        working_set = eventually(lambda: bed.query(memory), timeout=90)
        assert float(working_set[0]["value"][1]) > 32 * 2**20
    finally:
        bed.plane.load_rules(())
