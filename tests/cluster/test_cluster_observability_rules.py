"""The rules ``dorgu generate`` writes under monitoring/ load into the testbed's real Prometheus
(Debian's 2.42, scraping kwok's emulated kubelets and cAdvisor) and evaluate: every group is
there and every rule reports health "ok" on ``/api/v1/rules``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dorgu.devcluster import probing
from dorgu.generation import GenerationOptions
from dorgu.generation.observability import HEALTH_PLAIN_FILE, SLO_PLAIN_FILE
from dorgu.models.app import Component, Endpoint, EndpointKind, Port
from tests.generation.builders import generate, settings

FILES = (SLO_PLAIN_FILE, HEALTH_PLAIN_FILE, "monitoring/anomaly-rules.prometheus.yaml")


def _rules(url: str) -> list[dict[str, Any]]:
    status, body = probing.fetch(f"{url}/api/v1/rules")
    assert status == 200, body
    groups: list[dict[str, Any]] = json.loads(body)["data"]["groups"]
    return groups


def test_generated_rules_load_into_prometheus_and_evaluate_healthy(
    testbed_with_metrics: Any, tmp_path: Path, eventually: Any
) -> None:
    bed = testbed_with_metrics
    component = Component(
        name="api",
        ports=[Port(number=8080)],
        endpoints=[Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)],
    )
    config = settings(namespace="shop", app={"name": "shop", "team": "payments"})
    result = generate(component, config=config, options=GenerationOptions())
    texts = {d.filename: d.text for d in result.documents}
    files = []
    expected: set[str] = set()
    for name in FILES:
        path = tmp_path / Path(name).name
        path.write_text(texts[name], encoding="utf-8")
        files.append(path)
        expected |= {g["name"] for g in yaml.safe_load(texts[name])["groups"]}
    count = sum(len(g["rules"]) for f in FILES for g in yaml.safe_load(texts[f])["groups"])
    bed.plane.load_rules(tuple(files))
    try:

        def evaluated() -> list[dict[str, Any]] | None:
            groups = [g for g in _rules(bed.prometheus_url) if g["name"] in expected]
            rules = [r for g in groups for r in g["rules"]]
            if len(groups) < len(expected) or len(rules) < count:
                return None
            if any(r["lastEvaluation"].startswith("0001-") for r in rules):
                return None  # not evaluated yet
            return rules

        rules = eventually(evaluated, timeout=60)
        unhealthy = [
            (r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"
        ]
        assert unhealthy == []
        assert {r["type"] for r in rules} == {"recording", "alerting"}
        names = {r["name"] for r in rules}
        assert {"DorguAvailabilityBurnRatePage", "DorguPodCrashLooping"} <= names
    finally:
        bed.plane.load_rules(())
    assert not [g for g in _rules(bed.prometheus_url) if g["name"] in expected]
