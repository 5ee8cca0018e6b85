"""History for running Pods follows their usage annotations, under their live labels."""

from __future__ import annotations

from dorgu.devcluster.histories import containers_of_pods


def _pod(name: str, annotations: dict[str, str], *, phase: str = "Running") -> dict:
    return {
        "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
        "spec": {
            "nodeName": "kwok-node-1",
            "containers": [{"name": "app", "image": "img:1"}, {"name": "side", "image": "s:2"}],
        },
        "status": {"phase": phase},
    }


def test_each_container_gets_one_history_per_endpoint_with_the_annotated_usage() -> None:
    annotations = {
        "kwok.x-k8s.io/usage-cpu": "250m",
        "kwok.x-k8s.io/usage-memory": "64Mi",
        "dorgu.dev/usage-cpu-pattern": "daily",
        "dorgu.dev/usage-period": "3600",
    }

    containers = containers_of_pods([_pod("web-0", annotations)])

    assert len(containers) == 4
    first = containers[0]
    assert (first.cpu_cores, first.memory_bytes) == (0.25, 64 * 2**20)
    assert (first.cpu_pattern, first.memory_pattern, first.period) == ("daily", "steady", 3600.0)
    paths = sorted((c.labels["container"], c.labels["metrics_path"]) for c in containers)
    assert paths == [
        ("app", "/metrics/cadvisor"),
        ("app", "/metrics/resource"),
        ("side", "/metrics/cadvisor"),
        ("side", "/metrics/resource"),
    ]
    cadvisor = next(c for c in containers if c.labels["metrics_path"] == "/metrics/cadvisor")
    assert cadvisor.labels["image"] == "img:1" and cadvisor.labels["node"] == "kwok-node-1"


def test_pods_not_running_are_skipped_and_bad_annotations_fall_back_like_kwok() -> None:
    bad = {
        "kwok.x-k8s.io/usage-cpu": "lots",
        "dorgu.dev/usage-memory-pattern": "sine",
        "dorgu.dev/usage-period": "-5",
    }

    containers = containers_of_pods([_pod("a", bad), _pod("b", {}, phase="Pending")])

    assert {c.labels["pod"] for c in containers} == {"a"}
    first = containers[0]
    assert (first.cpu_cores, first.memory_bytes) == (0.001, 2**20)
    assert (first.memory_pattern, first.period) == ("steady", 86400.0)
