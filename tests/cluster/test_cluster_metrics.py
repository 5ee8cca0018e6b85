"""Metrics in the testbed: kwok-emulated kubelet and cAdvisor series in a real Prometheus,
driven by Pod annotations, and backfilled history joining the live series."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lightkube import Client
from lightkube.models.core_v1 import Container, PodSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Pod

from dorgu.errors import ParseError
from tests.cluster.metrics import (
    MetricsTestbed,
    SyntheticContainer,
    history_end,
    mark_oom_killed,
    render_history,
    usage_annotations,
)

MIB = 2**20


def _run_pod(
    kube: Client, namespace: str, name: str, annotations: dict[str, str], eventually
) -> Pod:
    pod = Pod(
        metadata=ObjectMeta(name=name, annotations=annotations),
        spec=PodSpec(containers=[Container(name="app", image=f"registry.invalid/{name}:1")]),
    )
    kube.create(pod, namespace=namespace)
    return eventually(
        lambda: (p := kube.get(Pod, name, namespace=namespace)).status.phase == "Running" and p,
        timeout=60,
    )


def _value(series: dict) -> float:
    return float(series["value"][1])


def test_annotated_usage_appears_as_kubelet_and_cadvisor_series(
    testbed_with_metrics: MetricsTestbed, metrics_namespace: str, eventually
) -> None:
    bed = testbed_with_metrics
    annotations = usage_annotations(cpu="250m", memory="64Mi")
    with bed.client() as kube:
        pod = _run_pod(kube, metrics_namespace, "web-0", annotations, eventually)
    selector = f'namespace="{metrics_namespace}",pod="web-0",container="app"'

    memory = eventually(  # one series per endpoint, both scraped
        lambda: (
            len(found := bed.query(f"container_memory_working_set_bytes{{{selector}}}")) == 2
            and found
        ),
        timeout=60,
    )
    by_path = {s["metric"]["metrics_path"]: s["metric"] for s in memory}
    assert set(by_path) == {"/metrics/cadvisor", "/metrics/resource"}
    assert all(_value(s) == 64 * MIB for s in memory)
    cadvisor = by_path["/metrics/cadvisor"]
    assert cadvisor["image"] == "registry.invalid/web-0:1"
    assert cadvisor["name"] == f"k8s_app_web-0_{metrics_namespace}"
    assert cadvisor["node"] == cadvisor["instance"] == pod.spec.nodeName
    assert "image" not in by_path["/metrics/resource"]
    assert cadvisor == bed.live_labels(
        namespace=metrics_namespace,
        pod="web-0",
        container="app",
        image="registry.invalid/web-0:1",
        node=pod.spec.nodeName,
    ) | {"__name__": "container_memory_working_set_bytes"}

    rate = f'rate(container_cpu_usage_seconds_total{{{selector},metrics_path="/metrics/resource"}}[10s])'
    # The first samples of a new counter make a poor rate: wait for a full window of them.
    cpu = eventually(lambda: [s for s in bed.query(rate) if 0.2 <= _value(s) <= 0.3], timeout=60)
    assert _value(cpu[0]) == pytest.approx(0.25, rel=0.2)

    cgroup = bed.query(
        f'container_memory_working_set_bytes{{namespace="{metrics_namespace}",pod="web-0",container=""}}'
    )
    # The pod's own cgroup, as cAdvisor has it (Prometheus stores empty labels as absent).
    assert [s["metric"]["metrics_path"] for s in cgroup] == ["/metrics/cadvisor"]
    assert not {"container", "image", "name"} & set(cgroup[0]["metric"])
    assert _value(cgroup[0]) == 64 * MIB
    # kwok keeps one registry per Node for both endpoints: neither may serve the other's series
    mixed = bed.query(
        f'count_over_time(container_memory_working_set_bytes{{namespace="{metrics_namespace}",'
        'metrics_path="/metrics/resource",image!=""}[5m])'
    )
    assert mixed == []
    nodes = eventually(
        lambda: len(found := bed.query("node_memory_working_set_bytes")) == 2 and found
    )
    assert {s["metric"]["node"] for s in nodes} == {"kwok-node-0", "kwok-node-1"}


def test_usage_patterns_move_with_time(
    testbed_with_metrics: MetricsTestbed, metrics_namespace: str, eventually
) -> None:
    bed = testbed_with_metrics
    with bed.client() as kube:
        for name, pattern in (
            ("steady-0", "steady"),
            ("leak-0", "leak"),
            ("daily-0", "daily"),
            ("jitter-0", "jitter"),
        ):
            annotations = usage_annotations(memory="100Mi", memory_pattern=pattern, period=8)
            _run_pod(kube, metrics_namespace, name, annotations, eventually)
    time.sleep(10)  # more than one period of samples

    def spread(pod: str) -> tuple[float, float]:
        selector = (
            f'container_memory_working_set_bytes{{namespace="{metrics_namespace}",pod="{pod}",'
            'container="app",metrics_path="/metrics/cadvisor"}[8s]'
        )
        low = _value(bed.query(f"min_over_time({selector})")[0]) / (100 * MIB)
        high = _value(bed.query(f"max_over_time({selector})")[0]) / (100 * MIB)
        return low, high

    assert spread("steady-0") == (1.0, 1.0)
    leak_low, leak_high = spread("leak-0")
    assert leak_low > 1.0 and leak_high - leak_low > 0.5  # one base per 8 s period
    daily_low, daily_high = spread("daily-0")
    assert daily_low < 0.6 and daily_high > 1.4  # 0.25x .. 1.75x over a period
    jitter_low, jitter_high = spread("jitter-0")
    assert 0.5 <= jitter_low < jitter_high < 1.5


def test_backfilled_history_joins_the_live_series(
    testbed_with_metrics: MetricsTestbed, metrics_namespace: str, eventually
) -> None:
    bed = testbed_with_metrics
    with bed.client() as kube:
        pod = _run_pod(
            kube, metrics_namespace, "hist-0", usage_annotations(memory="32Mi"), eventually
        )
    selector = (
        f'container_memory_working_set_bytes{{namespace="{metrics_namespace}",pod="hist-0",'
        'container="app",metrics_path="/metrics/cadvisor"}'
    )
    eventually(lambda: bed.query(selector), timeout=60)
    labels = bed.live_labels(
        namespace=metrics_namespace,
        pod="hist-0",
        container="app",
        image="registry.invalid/hist-0:1",
        node=pod.spec.nodeName,
    )
    history = SyntheticContainer(
        labels, cpu_cores=0.1, memory_bytes=48 * MIB, memory_pattern="daily"
    )

    loaded = bed.backfill(render_history([history], end=history_end(), days=2, step=300))

    assert (loaded.series, loaded.samples) == (2, 2 * 2 * 288)
    joined = eventually(lambda: bed.query(f"count_over_time({selector}[3d])"), timeout=30)
    assert len(joined) == 1  # one series: history and live samples share their labels
    assert _value(joined[0]) > 2 * 288
    assert _value(bed.query(f"max_over_time({selector}[3d])")[0]) == pytest.approx(
        1.75 * 48 * MIB, rel=0.01
    )
    live = eventually(lambda: bed.query(f"last_over_time({selector}[10s])"), timeout=30)
    assert _value(live[0]) == 32 * MIB  # scraping goes on after the restart


def test_a_malformed_backfill_names_the_line_and_loads_nothing(
    testbed_with_metrics: MetricsTestbed, tmp_path: Path
) -> None:
    bed = testbed_with_metrics
    end = history_end()
    bad = tmp_path / "bad.om"
    bad.write_text(f'x_bad{{a="1"}} 1 {end - 60}\nx_bad{{a="1"}} 2 {int(end * 1000)}\n# EOF\n')

    with pytest.raises(ParseError, match=r"bad\.om:2: timestamp .* looks like milliseconds"):
        bed.backfill(bad)

    assert bed.query("count_over_time(x_bad[1d])") == []


def test_pods_get_history_that_continues_their_annotated_usage(
    testbed_with_metrics: MetricsTestbed, metrics_namespace: str, eventually
) -> None:
    bed = testbed_with_metrics
    annotations = usage_annotations(cpu="500m", memory="200Mi", cpu_pattern="spiky")
    with bed.client() as kube:
        _run_pod(kube, metrics_namespace, "api-0", annotations, eventually)
        _run_pod(kube, metrics_namespace, "api-1", annotations, eventually)

    loaded = bed.backfill_pods(metrics_namespace, days=1, step=300)

    assert (loaded.series, loaded.samples) == (2 * 2 * 2, 2 * 2 * 2 * 288)
    memory = (
        f'container_memory_working_set_bytes{{namespace="{metrics_namespace}",container="app"}}'
    )

    # one series per pod and endpoint, each with history and live samples
    def joined() -> list[dict]:
        found = bed.query(f"count_over_time({memory}[2d])")
        assert len(found) == 4  # history did not make series of its own
        return found if all(_value(s) > 288 for s in found) else []

    eventually(joined, timeout=30)
    cpu = (
        f'container_cpu_usage_seconds_total{{namespace="{metrics_namespace}",container="app",'
        'metrics_path="/metrics/cadvisor"}'
    )
    peaks = bed.query(f"max_over_time(rate({cpu}[10m])[2d:5m])")
    assert [round(_value(s), 2) for s in peaks] == [2.0, 2.0]  # spiky: 4x 500m


def test_an_oom_kill_can_be_recorded_and_kwok_keeps_it(
    testbed_with_metrics: MetricsTestbed, metrics_namespace: str, eventually
) -> None:
    with testbed_with_metrics.client() as kube:
        _run_pod(kube, metrics_namespace, "hog-0", usage_annotations(memory="1Gi"), eventually)

        mark_oom_killed(kube, namespace=metrics_namespace, pod="hog-0", container="app")
        time.sleep(3)  # kwok had time to overwrite it, were it to

        status = kube.get(Pod, "hog-0", namespace=metrics_namespace).status
        (container,) = status.containerStatuses
        assert container.restartCount == 1
        assert container.lastState.terminated.reason == "OOMKilled"
        assert container.lastState.terminated.exitCode == 137
        assert status.phase == "Running" and container.state.running is not None
