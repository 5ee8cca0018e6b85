"""`dorgu persona status` shows learned baselines: window, points, stale reason, one row per
container and resource with its percentiles and peak hour, and the HTTP line."""

from __future__ import annotations

import click

from dorgu.cli.persona import status_lines
from dorgu.models.personas import ApplicationPersona

HOURLY = [100] * 24


def _persona(learned: dict[str, object]) -> ApplicationPersona:
    hourly = {"cpuMillicores": [*HOURLY[:14], 300, *HOURLY[15:]], "memoryMebibytes": [-1] * 24}
    return ApplicationPersona.model_validate({
        "apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"name": "web", "type": "api"},
        "status": {"phase": "Active", "learned": {
            "window": "7d", "points": 2880, "stale": True, "staleReason": "cannot reach Prometheus",
            "containers": [{
                "kind": "Deployment", "workload": "web", "name": "web", "points": 2880, "pods": 2,
                "cpu": {"p50": "240m", "p95": "380m", "p99": "400m", "max": "410m", "avg": "250m"},
                "memory": {"p50": "200Mi", "p95": "215Mi", "p99": "224Mi", "max": "230Mi",
                           "avg": "201Mi"},
                "hourly": hourly,
            }],
            **learned,
        }},
    })  # fmt: skip


def test_status_shows_the_learned_baselines_and_why_they_are_stale() -> None:
    http = {"http": {"metric": "http_requests_total", "requestRate": {"avg": 21, "p95": 30, "max": 40},
                     "errorRatio": 0.0476, "latencySeconds": {"p50": 0.05, "p95": 0.3}}}  # fmt: skip
    text = "\n".join(click.unstyle(line) for line in status_lines(_persona(http)))
    assert "window 7d, 2880 points" in text
    assert "stale: cannot reach Prometheus" in text
    cpu = next(line for line in text.splitlines() if " cpu " in line)
    assert cpu.split()[:7] == ["Deployment/web", "web", "cpu", "240m", "380m", "400m", "410m"]
    assert "14:00 UTC" in cpu
    memory = next(line for line in text.splitlines() if " memory " in line)
    assert "224Mi" in memory and memory.rstrip().endswith("-")  # no hour with data
    assert "http (http_requests_total): 21 req/s avg, 30 p95, 40 max; errors 4.76%" in text
    assert "latency p50 50ms, p95 300ms" in text
