"""Rules on learned baselines: memory below the learned p99 is an error (an OOM in waiting), a
CPU request below half the learned p95 a warning; baselines of other containers or workloads,
or with too few points, do not apply."""

from __future__ import annotations

from typing import Any

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.models.personas_learned import LearnedState
from dorgu.models.personas_policies import ValidationMode
from dorgu.rules import as_workload, evaluate_target, target_for
from dorgu.rules.admission import decide_admission

from .builders import NOW, deployment, first, persona

C0 = "spec.template.spec.containers[0]"


def _learned(*, memory_p99: str = "300Mi", cpu_p95: str = "400m", points: int = 500,
             workload: str = "api", name: str = "api", stale: bool | None = None) -> LearnedState:  # fmt: skip
    usage = {"p50": "1m", "p95": "1m", "p99": "1m", "max": "1m", "avg": "1m"}
    return LearnedState.model_validate({
        "window": "7d", "stale": stale,
        "containers": [{
            "kind": "Deployment", "workload": workload, "name": name, "points": points, "pods": 2,
            "cpu": {**usage, "p95": cpu_p95}, "memory": {**usage, "p99": memory_p99, "max": "310Mi"},
        }],
    })  # fmt: skip


def _findings(manifest: dict[str, Any], learned: LearnedState | None) -> list[Finding]:
    workload = as_workload(manifest)
    assert workload is not None
    target = target_for(workload, persona=persona().spec, learned=learned)
    return [
        f
        for f in evaluate_target(target, now=NOW)
        if (f.rule_id or "").startswith("persona.learned")
    ]


def _sized(memory_request: str, memory_limit: str, cpu: str = "500m") -> dict[str, Any]:
    manifest = deployment()
    first(manifest)["resources"] = {
        "requests": {"cpu": cpu, "memory": memory_request},
        "limits": {"memory": memory_limit},
    }
    return manifest


def test_a_memory_limit_below_the_learned_p99_is_an_error_that_enforce_denies() -> None:
    [finding] = _findings(_sized("128Mi", "256Mi"), _learned())
    assert finding.rule_id == "persona.learned-memory" and finding.severity is Severity.ERROR
    assert finding.field == f"{C0}.resources.limits.memory"
    assert "256Mi" in finding.message and "300Mi" in finding.message and "OOM" in finding.message
    decision = decide_admission([finding], ValidationMode.ENFORCE)
    assert not decision.allowed and "persona.learned-memory" in decision.message
    assert decide_admission([finding], ValidationMode.WARN).warnings


def test_a_request_alone_below_the_p99_is_reported_on_the_request() -> None:
    [finding] = _findings(_sized("200Mi", "512Mi"), _learned())
    assert finding.field == f"{C0}.resources.requests.memory"


def test_memory_at_the_p99_passes_and_stale_baselines_still_apply() -> None:
    assert _findings(_sized("300Mi", "300Mi"), _learned()) == []
    [finding] = _findings(_sized("100Mi", "512Mi"), _learned(stale=True))
    assert "stale" in finding.message


def test_cpu_far_below_the_learned_p95_is_a_warning() -> None:
    assert _findings(_sized("512Mi", "512Mi", cpu="200m"), _learned()) == []  # exactly half
    [finding] = _findings(_sized("512Mi", "512Mi", cpu="199m"), _learned())
    assert finding.rule_id == "persona.learned-cpu" and finding.severity is Severity.WARNING
    assert decide_admission([finding], ValidationMode.ENFORCE).allowed


def test_baselines_of_other_containers_workloads_or_with_few_points_do_not_apply() -> None:
    low = _sized("64Mi", "64Mi", cpu="1m")
    assert _findings(low, None) == []
    assert _findings(low, _learned(name="sidecar")) == []
    assert _findings(low, _learned(workload="other")) == []
    assert _findings(low, _learned(points=29)) == []
    assert len(_findings(low, _learned(points=30))) == 2
