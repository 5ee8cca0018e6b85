import pytest

from dorgu.generation.scaling import BEHAVIORS
from dorgu.models.app import AppType, Component, ComponentKind

from .builders import dig, find, generate, kinds, settings


@pytest.mark.parametrize("behavior", ["conservative", "balanced", "aggressive"])
def test_the_hpa_behavior_comes_from_the_preset(behavior):
    config = settings(
        scaling={"behavior": behavior, "min_replicas": 3, "max_replicas": 9, "target_cpu": 60}
    )
    hpa = find(
        generate(Component(name="shop", type=AppType.API), config=config), "HorizontalPodAutoscaler"
    )
    assert dig(hpa, "apiVersion") == "autoscaling/v2"
    assert dig(hpa, "spec", "behavior") == BEHAVIORS[behavior]  # type: ignore[index]
    assert (dig(hpa, "spec", "minReplicas"), dig(hpa, "spec", "maxReplicas")) == (3, 9)
    assert dig(hpa, "spec", "metrics", 0, "resource", "target", "averageUtilization") == 60


def test_a_memory_target_adds_a_memory_metric():
    config = settings(scaling={"target_memory": 80})
    hpa = find(generate(Component(name="shop"), config=config), "HorizontalPodAutoscaler")
    assert [m["resource"]["name"] for m in dig(hpa, "spec", "metrics")] == ["cpu", "memory"]  # type: ignore[index,union-attr]


def test_presets_scale_up_faster_as_they_get_more_aggressive():
    def up(name):
        return BEHAVIORS[name]["scaleUp"]["policies"][0]["value"]  # type: ignore[index]

    assert up("conservative") < up("balanced") < up("aggressive")


def test_the_pdb_never_blocks_every_eviction():
    result = generate(Component(name="shop", type=AppType.API))
    pdb = find(result, "PodDisruptionBudget")
    assert dig(pdb, "spec", "maxUnavailable") == 1
    assert "minAvailable" not in dig(pdb, "spec")  # type: ignore[operator]


def test_single_replica_workloads_get_no_pdb_and_no_spread():
    redis = Component(name="shop", kind=ComponentKind.BACKING, image="redis:7")
    result = generate(redis)
    assert "PodDisruptionBudget" not in kinds(result)
    assert "topologySpreadConstraints" not in dig(
        find(result, "Deployment"), "spec", "template", "spec"
    )  # type: ignore[operator]


def test_replicated_workloads_spread_over_nodes_and_zones():
    deployment = find(generate(Component(name="shop", type=AppType.API)), "Deployment")
    spread = dig(deployment, "spec", "template", "spec", "topologySpreadConstraints")
    assert [c["topologyKey"] for c in spread] == [
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    ]  # type: ignore[index,union-attr]
