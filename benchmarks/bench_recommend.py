"""Benchmark: right-sizing accuracy backtest, plus the scale run against a real Prometheus.

Backtest: for each synthetic pattern (steady, daily cycle, spikes, leak, bursty) two pods get a
14-day history at 1-minute resolution and a following test week.  Each strategy sizes the
container from the history exactly as `dorgu recommend` would (the per-pod statistics the
Prometheus queries compute, the 5-minute series the ``vpa`` strategy reads: the CPU rate sampled every 5 minutes, the
memory peak of every 5 minutes); the test week then
measures the share of pod-minutes the CPU usage exceeds the recommended CPU request (target
<= 5 %), the samples above the recommended memory limit (target 0; the request when no limit
is set) and the over-provisioning (request - p95 usage).  Next to dorgu's strategies run
independent reimplementations of KRR's simple strategy (with KRR's own rounding and minimums)
and of the VPA recommender fed 1-minute samples, as the real VPA gets them.

Scale (``bench_recommend_scale``): its own metrics testbed with 1,000 Deployments (100 in the
quick CI run) and 14 days of backfilled history; times ``dorgu recommend -A -o json -v`` for
``krr-simple`` and ``vpa`` (targets: <= 120 s, <= 300 MiB, <= 4 queries per container) and
spot-checks the answers against the known history.
"""

from __future__ import annotations

import bisect
import math
import random
import re
import resource
import sys
import time
from collections.abc import Callable

from dorgu.learning.rightsizing import (
    STRATEGIES,
    ContainerHistory,
    PodUsage,
    Resources,
    TimeSeries,
    finish,
    quantile,
)

MI = 1024.0**2
DAY_MINUTES = 1440
CPU_TARGET = 0.05
START = 1_700_000_000.0
Sample = tuple[float, float]  # cpu cores, memory bytes


def _steady(rng: random.Random, minute: int, pod: int) -> Sample:
    return 0.2 + rng.gauss(0, 0.01), 200 * MI + rng.gauss(0, 2 * MI)


def _daily(rng: random.Random, minute: int, pod: int) -> Sample:
    phase = math.sin(2 * math.pi * (minute % DAY_MINUTES) / DAY_MINUTES)
    return (
        max(0.01, 0.1 + 0.3 * max(phase, 0) + rng.gauss(0, 0.01)),
        200 * MI + 100 * MI * max(phase, 0) + rng.gauss(0, 2 * MI),
    )


def _spikes(rng: random.Random, minute: int, pod: int) -> Sample:
    spike = (minute * 7919 + pod * 104729) % 997 < 3  # ~0.3 % of minutes, deterministic
    cpu = 1.0 if spike else 0.1 + rng.gauss(0, 0.01)
    return max(cpu, 0.01), (350 * MI if spike else 200 * MI) + rng.gauss(0, 2 * MI)


def _leak(rng: random.Random, minute: int, pod: int) -> Sample:
    days_since_restart = (minute % (5 * DAY_MINUTES)) / DAY_MINUTES  # restarted every 5 days
    return 0.15 + rng.gauss(0, 0.01), 200 * MI + 25 * MI * days_since_restart


def _bursty(rng: random.Random, minute: int, pod: int) -> Sample:
    burst = (minute // 30 + pod) % 10 == 0 and (minute // 300) % 3 != 1  # 30-minute bursts
    cpu = (0.8 if burst else 0.1) + rng.gauss(0, 0.02)
    return max(cpu, 0.01), (320 if burst else 220) * MI + rng.gauss(0, 3 * MI)


PATTERNS: dict[str, Callable[[random.Random, int, int], Sample]] = {
    "steady": _steady,
    "daily": _daily,
    "spikes": _spikes,
    "leak": _leak,
    "bursty": _bursty,
}


def _histories(pattern: str, days: int, test_days: int, pods: int) -> list[list[Sample]]:
    rng = random.Random(f"{pattern}-dorgu")
    make = PATTERNS[pattern]
    return [[make(rng, m, pod) for m in range((days + test_days) * DAY_MINUTES)]
            for pod in range(pods)]  # fmt: skip


def _container_history(train: list[list[Sample]], step_minutes: int = 5) -> ContainerHistory:
    pods, cpu_series, memory_series = [], [], []
    for index, samples in enumerate(train):
        name = f"web-{index}"
        cpu = [c for c, _ in samples]
        memory = [m for _, m in samples]
        pods.append(
            PodUsage(name, points=len(samples), cpu_p95=quantile(cpu, 0.95), cpu_max=max(cpu),
                     cpu_mean=sum(cpu) / len(cpu), memory_max=max(memory),
                     memory_mean=sum(memory) / len(memory))
        )  # fmt: skip
        steps = range(0, len(samples), step_minutes)
        cpu_series.append(TimeSeries(name, tuple(
            (START + 60 * (i + step_minutes), cpu[i + step_minutes - 1])
            for i in steps if i + step_minutes <= len(cpu))))  # fmt: skip
        memory_series.append(TimeSeries(name, tuple(
            (START + 60 * (i + step_minutes), max(memory[i:i + step_minutes])) for i in steps)))  # fmt: skip
    window = len(train[0]) * 60.0
    return ContainerHistory(
        pods=tuple(pods), cpu_series=tuple(cpu_series), memory_series=tuple(memory_series),
        step_seconds=60.0, window_seconds=window,
        current=Resources(cpu_request=1.0, memory_request=512 * MI, memory_limit=512 * MI),
    )  # fmt: skip


def _krr_reference(train: list[list[Sample]]) -> tuple[float, float]:
    """KRR simple, straight from its documented formula, with its own rounding (up to 1m and
    1 MB) and minimums (10m, 100 MB)."""
    cpu = max(quantile([c for c, _ in pod], 0.95) for pod in train)
    memory = max(m for pod in train for _, m in pod) * 1.15
    return max(math.ceil(cpu * 1000) / 1000, 0.010), max(math.ceil(memory / 1e6) * 1e6, 100e6)


def _vpa_reference(train: list[list[Sample]], request: float) -> tuple[float, float]:
    """The VPA recommender fed one sample per minute (as from metrics-server)."""

    def bounds(first: float, top: float) -> list[float]:
        edges, n = [0.0], 1
        while edges[-1] < top:
            edges.append(first * (1.05**n - 1) / 0.05)
            n += 1
        return edges

    def p90(values: list[tuple[float, float, float]], edges: list[float]) -> float:
        weights: dict[int, float] = {}
        for value, weight, t in values:
            bucket = max(bisect.bisect_right(edges, value) - 1, 0)
            weights[bucket] = weights.get(bucket, 0.0) + weight * 2 ** ((t - START) / 86400)
        total, running = sum(weights.values()), 0.0
        for bucket in sorted(weights):
            running += weights[bucket]
            if running >= 0.9 * total:
                return edges[bucket + 1]
        return edges[max(weights) + 1]

    cpu_edges, memory_edges = bounds(0.001, 1000.0), bounds(1e7, 1e12)
    weight = max(request, 0.1)
    cpu = [(c, weight, START + 60 * i) for pod in train for i, (c, _) in enumerate(pod)]
    peaks = []
    for pod in train:
        for day in range(0, len(pod), DAY_MINUTES):
            chunk = pod[day : day + DAY_MINUTES]
            peaks.append((max(m for _, m in chunk), 1.0, START + 60 * (day + DAY_MINUTES)))
    return p90(cpu, cpu_edges) * 1.15, p90(peaks, memory_edges) * 1.15


def _score(test: list[list[Sample]], cpu: float | None, memory: float | None) -> dict[str, float]:
    cpu_values = [c for pod in test for c, _ in pod]
    memory_values = [m for pod in test for _, m in pod]
    over_cpu = sum(1 for c in cpu_values if cpu is not None and c > cpu) / len(cpu_values)
    over_memory = sum(1 for m in memory_values if memory is not None and m > memory)
    return {
        "cpu_exceed_pct": round(100 * over_cpu, 2),
        "mem_samples_over_limit": over_memory,
        "cpu_overprov_m": round(((cpu or 0) - quantile(cpu_values, 0.95)) * 1000, 1),
        "mem_overprov_mib": round(((memory or 0) - quantile(memory_values, 0.95)) / MI, 1),
    }


def backtest(days: int = 14, test_days: int = 7, pods: int = 2) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for pattern in PATTERNS:
        data = _histories(pattern, days, test_days, pods)
        cut = days * DAY_MINUTES
        train, test = [pod[:cut] for pod in data], [pod[cut:] for pod in data]
        history = _container_history(train)
        for name, strategy in STRATEGIES.items():
            done = finish(strategy, history).resources
            limit = done.memory_limit or done.memory_request
            score = _score(test, done.cpu_request, limit)
            ok = (
                score["cpu_exceed_pct"] <= 100 * CPU_TARGET and score["mem_samples_over_limit"] == 0
            )
            rows.append({"name": f"recommend_{pattern}_{name}", "ok": ok, **score})
        for name, (cpu, memory) in (
            ("krr_reference", _krr_reference(train)),
            ("vpa_reference", _vpa_reference(train, history.current.cpu_request or 0.0)),
        ):
            rows.append({"name": f"recommend_{pattern}_{name}", "ok": True,
                         **_score(test, cpu, memory)})  # fmt: skip
    return rows


def scale(containers: int = 1000) -> list[dict[str, object]]:
    """The scale run against the real testbed Prometheus (``bench_recommend_scale``)."""
    from benchmarks import bench_recommend_scale

    return bench_recommend_scale.run(containers)


def _fake_prometheus(pods: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A local server answering the two statistics queries the way Prometheus would: the
    series of every known pod whose namespace and name match the query's matchers."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    def matcher(query: str, label: str) -> re.Pattern[str]:
        found = re.search(label + r'(=~?)("(?:[^"\\]|\\.)*")', query)
        assert found, (label, query)
        text = json.loads(found.group(2))
        return re.compile(text if found.group(1) == "=~" else re.escape(text))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            query = form["query"][0]
            result: list[dict[str, object]] = []
            if query == "vector(1)":
                result = [{"metric": {}, "value": [START, "1"]}]
            else:
                namespaces, names = matcher(query, "namespace"), matcher(query, "pod")
                stats = (("p95", 0.2), ("max", 0.4), ("avg", 0.1), ("points", 20160)) if (
                    "cpu" in query) else (("max", 300 * MI), ("avg", 200 * MI))  # fmt: skip
                for namespace, members in pods.items():
                    if not namespaces.fullmatch(namespace):
                        continue
                    for pod in members:
                        if names.fullmatch(pod):
                            result.extend(
                                {"metric": {"namespace": namespace, "pod": pod,
                                            "container": "app", "stat": stat},
                                 "value": [START, repr(value)]} for stat, value in stats)  # fmt: skip
            body = json.dumps({"status": "success",
                               "data": {"resultType": "vector", "result": result}}).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scale_in_process(containers: int = 1000) -> list[dict[str, object]]:
    """The client side of the scale run: 1,000 single-pod Deployments in 20 namespaces (the
    Kubernetes side in memory), a local server speaking the Prometheus API (in this process,
    so the time and memory include it): wall time, peak RSS and the query count."""
    import asyncio

    from dorgu.clients import FakeKube
    from dorgu.services.recommending import RecommendRequest, recommend
    from dorgu.services.workloads import list_workloads

    kube = FakeKube()
    pods: dict[str, list[str]] = {}
    for index in range(containers):
        namespace, name = f"team-{index % 20:02d}", f"svc-{index:04d}"
        pod = f"{name}-7d9f8c6b5-abcde"
        pods.setdefault(namespace, []).append(pod)
        kube.add({"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": name, "namespace": namespace},
                  "spec": {"replicas": 1, "template": {"spec": {"containers": [
                      {"name": "app", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}}}})  # fmt: skip
        kube.add({"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": pod, "namespace": namespace,
                               "labels": {"pod-template-hash": "7d9f8c6b5"},
                               "ownerReferences": [{"kind": "ReplicaSet", "controller": True,
                                                    "name": f"{name}-7d9f8c6b5"}]}})  # fmt: skip
    server = _fake_prometheus(pods)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    start = time.perf_counter()
    workloads = list_workloads(client=kube, all_namespaces=True)
    request = RecommendRequest(strategy="krr-simple", window="14d", prometheus_url=url, end=START)
    report = asyncio.run(recommend(workloads=workloads, request=request))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    server.shutdown()
    defined = sum(1 for r in report.records if r["recommended"] != r["current"])
    return [{
        "name": "recommend_scale_in_process", "ok": defined == containers
        and report.queries_per_container <= 4, "containers": report.containers,
        "queries": report.queries_sent, "queries_per_container": round(report.queries_per_container, 3),
        "seconds": round(elapsed, 2), "process_max_rss_mib": round(peak, 1),
    }]  # fmt: skip


def run(quick: bool = False) -> list[dict[str, object]]:
    rows = backtest(days=7, test_days=3, pods=1) if quick else backtest()
    return [*rows, *scale_in_process(200 if quick else 1000), *scale(100 if quick else 1000)]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
