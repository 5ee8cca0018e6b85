"""`dorgu recommend`'s queries against a real Prometheus holding backfilled history: both
cAdvisor-shaped and kubelet ``/metrics/resource``-shaped series work, cAdvisor's pod-level and
pause-container series never count, a container scraped twice counts once, and the numbers are
the hand-computed ones."""

from __future__ import annotations

import asyncio
import os

import pytest

from dorgu.clients import FakeKube
from dorgu.services.recommending import RecommendRequest, recommend
from dorgu.services.workloads import list_workloads
from tests.clients import real_prometheus
from tests.services.test_recommending import _deployment, _pod

MI = 1024**2
STEP = 30  # seconds between samples
END = (1_700_000_000 // 3600) * 3600  # well in the past: history stays out of the head range
SPAN = 2 * 86400


def _series(name: str, labels: dict[str, str], value_at) -> list[str]:
    text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    start = END - SPAN
    return [f"{name}{{{text}}} {value_at(i)} {start + STEP * i}"
            for i in range(SPAN // STEP + 1)]  # fmt: skip


def _history() -> str:
    a = {"namespace": "shop", "pod": "web-7d9f8c6b5-abcde"}
    b = {"namespace": "shop", "pod": "web-7d9f8c6b5-fghij"}
    cadvisor = {"image": "registry.example/web:1", "name": "k8s_app", "id": "/kubepods/x"}
    cpu, memory = [], []
    # pod a, cAdvisor-shaped: the container at 0.25 core, the pod cgroup (container="") and the
    # pause container (container="POD") must be ignored
    cpu += _series("container_cpu_usage_seconds_total", {**a, **cadvisor, "container": "app",
                   "job": "cadvisor"}, lambda i: 0.25 * STEP * i)  # fmt: skip
    cpu += _series("container_cpu_usage_seconds_total", {**a, "id": "/kubepods/pod",
                   "job": "cadvisor"}, lambda i: 5.0 * STEP * i)  # fmt: skip
    cpu += _series("container_cpu_usage_seconds_total", {**a, **cadvisor, "container": "POD",
                   "job": "cadvisor"}, lambda i: 3.0 * STEP * i)  # fmt: skip
    memory += _series("container_memory_working_set_bytes", {**a, **cadvisor, "container": "app",
                      "job": "cadvisor"}, lambda i: 300 * MI if i % 100 == 7 else 250 * MI)  # fmt: skip
    memory += _series("container_memory_working_set_bytes", {**a, "id": "/kubepods/pod",
                      "job": "cadvisor"}, lambda i: 2000 * MI)  # fmt: skip
    # pod b, scraped twice: kubelet /metrics/resource (no image label) and cAdvisor
    for extra in ({"job": "kubelet-resource"}, {**cadvisor, "job": "cadvisor"}):
        cpu += _series("container_cpu_usage_seconds_total", {**b, **extra, "container": "app"},
                       lambda i: 0.4 * STEP * i)  # fmt: skip
        memory += _series("container_memory_working_set_bytes", {**b, **extra,
                          "container": "app"}, lambda i: 200 * MI)  # fmt: skip
    # another namespace, another app: a batch spans both, each keeps its own numbers
    c = {"namespace": "pay", "pod": "api-6f7c9d8b4-k2l3m", "container": "server"}
    cpu += _series("container_cpu_usage_seconds_total", {**c, "job": "kubelet"},
                   lambda i: 0.05 * STEP * i)  # fmt: skip
    memory += _series("container_memory_working_set_bytes", {**c, "job": "kubelet"},
                      lambda i: 120 * MI + 25 * MI * i * STEP // 86400)  # fmt: skip
    return "\n".join([*cpu, *memory, "# EOF", ""])


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory):
    if real_prometheus.binaries() is None:
        message = "no prometheus/promtool (Debian package) available"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)  # CI must run it: the build fetches Prometheus
        pytest.skip(message)
    with real_prometheus.running_prometheus(_history(), tmp_path_factory.mktemp("prom")) as url:
        yield url


def _kube() -> FakeKube:
    kube = FakeKube(namespace="shop")
    kube.add(_deployment("web"))
    api = _deployment("api", ns="pay", replicas=1)
    api["spec"]["template"]["spec"]["containers"][0]["name"] = "server"
    kube.add(api)
    pod = _pod("api-6f7c9d8b4-k2l3m", "api", "6f7c9d8b4")
    pod["metadata"]["namespace"] = "pay"
    kube.add(pod)
    kube.add(_pod("web-7d9f8c6b5-abcde", "web", "7d9f8c6b5"))
    kube.add(_pod("web-7d9f8c6b5-fghij", "web", "7d9f8c6b5"))
    return kube


def _recommend(url: str, strategy: str):
    workloads = list_workloads(client=_kube(), namespace="shop")
    request = RecommendRequest(strategy=strategy, window="2d", prometheus_url=url, end=END)
    return asyncio.run(recommend(workloads=workloads, request=request))


def test_krr_simple_on_a_real_prometheus_gives_the_hand_computed_sizes(prometheus_url):
    report = _recommend(prometheus_url, "krr-simple")
    (record,) = report.records
    # CPU: each pod's rate is constant (0.25 and 0.4 core), so p95 = 0.4; the pod-level 5 cores
    # and the pause container's 3 cores never count
    assert record["recommended"]["requests"]["cpu"] == "400m"
    # memory: the raw peak of 300 MiB (one sample in a hundred) + 15 %
    assert record["recommended"]["requests"]["memory"] == "345Mi"
    # two pods, one point a minute for two days (the first minute has no rate yet)
    assert 2 * 2870 <= record["points"] <= 2 * 2881
    assert report.queries_sent == 3


def test_vpa_on_a_real_prometheus_reads_range_series(prometheus_url):
    report = _recommend(prometheus_url, "vpa")
    (record,) = report.records
    cpu = int(str(record["recommended"]["requests"]["cpu"]).rstrip("m"))
    # p90 of samples at 0.25 and 0.4 core lands in 0.4's bucket: its end + 15 %
    assert 460 <= cpu <= 490
    assert record["bounds"]["memory"]["upper"] is not None
    assert report.queries_sent == 3


def test_one_batch_spans_namespaces_on_a_real_prometheus(prometheus_url):
    workloads = list_workloads(client=_kube(), all_namespaces=True)
    request = RecommendRequest(strategy="krr-simple", window="2d", prometheus_url=prometheus_url,
                               end=END)  # fmt: skip
    report = asyncio.run(recommend(workloads=workloads, request=request))
    by_name = {r["name"]: r for r in report.records}
    assert by_name["api"]["recommended"]["requests"]["cpu"] == "50m"
    # a leak of 25 MiB a day from 120 MiB: 170 MiB after two days, + 15 %; and it is called out
    assert by_name["api"]["recommended"]["requests"]["memory"] == "196Mi"
    assert any("grows about 25Mi a day" in r for r in by_name["api"]["reasons"])
    assert not any("grows" in r for r in by_name["web"]["reasons"])
    assert by_name["web"]["recommended"]["requests"]["cpu"] == "400m"
    assert report.batches == 1 and report.queries_sent == 3
