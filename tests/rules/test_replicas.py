"""Replica, autoscaler, disruption budget, spreading and selector rules."""

import pytest

from dorgu.models.evidence import Severity
from dorgu.models.personas_spec import Tier

from .builders import app, deployment, hits, hpa, pdb, persona, pod, service


def test_single_replica_is_info_without_a_persona_and_a_warning_for_critical_tier():
    objects = [deployment(replicas=1), service()]
    [finding] = hits(objects, "scaling.single-replica")
    assert finding.severity is Severity.INFO
    assert finding.field == "spec.replicas"
    [critical] = hits(objects, "scaling.single-replica", personas=(persona(tier=Tier.CRITICAL),))
    assert critical.severity is Severity.WARNING
    assert "critical" in critical.message


def test_a_default_replica_count_is_one():
    assert len(hits([deployment(replicas=None)], "scaling.single-replica")) == 1


def test_an_hpa_scaling_down_to_one_is_reported_on_the_hpa():
    objects = [deployment(replicas=None), hpa(low=1)]
    [finding] = hits(objects, "scaling.single-replica")
    assert finding.resource is not None and finding.resource.kind == "HorizontalPodAutoscaler"
    assert finding.field == "spec.minReplicas"
    assert hits([deployment(replicas=None), hpa(low=None)], "scaling.single-replica")


def test_zero_replicas_is_a_deliberate_scale_down():
    assert hits([deployment(replicas=0)], "scaling.single-replica") == []


def test_replicas_next_to_an_hpa_conflict():
    [finding] = hits([deployment(replicas=3), hpa(), pdb()], "scaling.replicas-with-autoscaler")
    assert finding.field == "spec.replicas"
    assert finding.resource is not None and finding.resource.kind == "Deployment"
    assert hits([deployment(replicas=None), hpa(), pdb()], "scaling.replicas-with-autoscaler") == []


def test_an_hpa_for_another_workload_does_not_count():
    objects = [deployment(replicas=3), hpa(target="billing"), pdb()]
    assert hits(objects, "scaling.replicas-with-autoscaler") == []


def test_hpa_min_above_max_is_an_error_on_the_hpa():
    [finding] = hits(
        [deployment(replicas=None), hpa(low=5, high=3), pdb()], "scaling.autoscaler-range"
    )
    assert finding.severity is Severity.ERROR
    assert finding.field == "spec.minReplicas"
    assert "5" in finding.message and "3" in finding.message


def test_two_hpas_on_one_workload_fight():
    second = hpa()
    second["metadata"]["name"] = "api-memory"
    found = hits([deployment(replicas=None), hpa(), second, pdb()], "scaling.autoscaler-range")
    assert len(found) == 1 and "fight" in found[0].message


@pytest.mark.parametrize(
    "spec",
    [
        {"minAvailable": 3},
        {"minAvailable": "100%"},
        {"maxUnavailable": 0},
        {"maxUnavailable": "0%"},
    ],
)
def test_a_pdb_that_allows_no_eviction_is_a_warning(spec):
    [finding] = hits([deployment(replicas=3), pdb(**spec)], "reliability.disruption-budget")
    assert finding.resource is not None and finding.resource.kind == "PodDisruptionBudget"
    assert finding.field == f"spec.{next(iter(spec))}"


def test_pdb_is_judged_against_the_hpa_minimum():
    objects = [deployment(replicas=None), hpa(low=2, high=10), pdb(minAvailable=2)]
    assert len(hits(objects, "reliability.disruption-budget")) == 1
    objects = [deployment(replicas=None), hpa(low=3, high=10), pdb(minAvailable=2)]
    assert hits(objects, "reliability.disruption-budget") == []


def test_replicated_workloads_without_a_pdb_are_warned():
    [finding] = hits([deployment(replicas=3)], "reliability.disruption-budget-missing")
    assert finding.severity is Severity.WARNING
    assert hits([deployment(replicas=1)], "reliability.disruption-budget-missing") == []


def test_a_pdb_in_another_namespace_does_not_count():
    other = pdb()
    other["metadata"]["namespace"] = "billing"
    assert len(hits([deployment(), other], "reliability.disruption-budget-missing")) == 1


def test_replicas_must_be_spread_unless_anti_affinity_is_used():
    objects = app()
    del pod(objects[0])["topologySpreadConstraints"]
    [finding] = hits(objects, "reliability.topology-spread")
    assert finding.field == "spec.template.spec.topologySpreadConstraints"
    pod(objects[0])["affinity"] = {
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}
    }
    assert hits(objects, "reliability.topology-spread") == []


def test_a_selector_that_misses_the_template_is_an_error():
    objects = app()
    objects[0]["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    [finding] = hits(objects, "reliability.selector-matches-template")
    assert finding.severity is Severity.ERROR
    objects[0]["spec"]["selector"] = {
        "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["api"]}]
    }
    assert hits(objects, "reliability.selector-matches-template") == []


@pytest.mark.parametrize("spec", [{"maxUnavailable": "²%"}, {"minAvailable": "١٠٠%"}])
def test_a_percentage_in_non_ascii_digits_is_not_a_crash(spec):
    # "²".isdigit() is True but int("²") fails: such a value is no percentage dorgu can judge
    assert hits([deployment(replicas=3), pdb(**spec)], "reliability.disruption-budget") == []
