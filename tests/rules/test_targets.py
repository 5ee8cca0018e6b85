"""Linking workloads to their HPA, PDBs, Services and ServiceAccount; the webhook's path."""

from dorgu.models.personas_policies import ValidationMode
from dorgu.rules import as_workload, decide_admission, evaluate_target, target_for

from .builders import NOW, deployment, first, hpa, pdb, persona, service


def test_target_for_keeps_only_objects_that_scale_or_select_the_workload():
    workload = as_workload(deployment(replicas=None))
    assert workload is not None
    other_service = service(name="billing")
    other_service["spec"]["selector"] = {"app": "billing"}
    target = target_for(
        workload, related=[hpa(), hpa(target="billing"), pdb(), service(), other_service]
    )
    assert [h["spec"]["scaleTargetRef"]["name"] for h in target.autoscalers] == ["api"]
    assert len(target.disruption_budgets) == 1
    assert [s["metadata"]["name"] for s in target.services] == ["api"]
    assert target.replica_range() == (2, 6)


def test_the_webhook_path_denies_a_deployment_over_the_persona_bound_in_enforce():
    manifest = deployment(replicas=None)
    first(manifest)["resources"]["limits"]["memory"] = "2Gi"
    workload = as_workload(manifest)
    assert workload is not None
    spec = persona(resources={"bounds": {"memory": {"max": "1Gi"}}}).spec
    target = target_for(workload, related=[hpa(), pdb()], persona=spec)
    findings = evaluate_target(target, now=NOW)
    assert [f.rule_id for f in findings] == ["persona.resource-bounds"]
    decision = decide_admission(findings, ValidationMode.ENFORCE)
    assert not decision.allowed
    assert "resources.bounds.memory.max" in decision.message
    assert decide_admission(findings, ValidationMode.WARN).allowed


def test_non_workloads_are_not_targets():
    assert as_workload(service()) is None
    assert as_workload({"kind": "Pod", "metadata": {}, "spec": {}}) is not None
