"""Benchmark: `dorgu recommend -A` at scale against the real testbed Prometheus (issue 12 §5).

Starts its own metrics testbed (kube-apiserver, etcd, controllers, scheduler, kwok with one
simulated Node per 90 Pods and cAdvisor emulation, Debian's Prometheus scraping every 30 s), creates
CONTAINERS single-replica Deployments over 20 namespaces through the API server (their Pods
run on the kwok Nodes), backfills DAYS days of history at a 5-minute step for every Pod
(generated to a file line by line, never held in memory; the Pods' usage annotations give the
same base and pattern as their live series), then runs ``dorgu recommend -A --history 14d
--step 5m -o json -v`` as a subprocess for ``krr-simple`` and for ``vpa``.

Per strategy: wall time (target <= 120 s), the peak RSS of the dorgu process alone (``wait4``
rusage of that child; target <= 300 MiB), the queries sent (from the ``-v`` line; target <= 4
per container), and spot checks: for steady and daily-cycle containers the recommendation must
match the strategy applied to the known synthetic history (krr-simple: the p95 of the 10-min
CPU rate sampled every 5 min and the peak working set x 1.15; vpa: the CPU target within its
histogram bucket width of the p90, memory of the daily peaks).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONTAINERS = 1000
DAYS = 14
STEP = 300.0
NAMESPACES = 20
PODS_PER_NODE = 90  # kwok Nodes allow 110 Pods and 32 CPUs; 90 x 250m fits both
SCRAPE_INTERVAL = 30.0
TARGET_S = 120.0
TARGET_MIB = 300.0
TARGET_PER_CONTAINER = 4.0
MI = 1024**2
# base usage and patterns cycle over the Deployments; index % len(KINDS) says which
KINDS = (("steady", "steady"), ("daily", "daily"), ("spiky", "steady"), ("jitter", "leak"),
         ("jitter", "spiky"))  # fmt: skip


def _name(index: int) -> tuple[str, str]:
    return f"team-{index % NAMESPACES:02d}", f"svc-{index:04d}"


def _base(index: int) -> tuple[int, int]:
    """CPU in millicores, memory in MiB."""
    return 50 + (index % 9) * 25, 64 + (index % 11) * 32


def _deployment(index: int) -> dict[str, Any]:
    from dorgu.devcluster.emulating import usage_annotations

    namespace, name = _name(index)
    cpu, memory = _base(index)
    cpu_pattern, memory_pattern = KINDS[index % len(KINDS)]
    annotations = usage_annotations(cpu=f"{cpu}m", memory=f"{memory}Mi",
                                    cpu_pattern=cpu_pattern, memory_pattern=memory_pattern)  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.invalid/app:1",
                            "resources": {
                                "requests": {"cpu": "250m", "memory": "512Mi"},
                                "limits": {"memory": "1Gi"},
                            },
                        }
                    ]
                },
            },
        },
    }


def _create(kubeconfig: Path, containers: int) -> float:
    """Namespaces and Deployments through the API server; returns when every Pod is Running."""
    from lightkube import Client, KubeConfig, codecs
    from lightkube.core.exceptions import ApiError
    from lightkube.resources.core_v1 import Namespace, Pod

    started = time.perf_counter()
    client = Client(KubeConfig.from_file(kubeconfig), field_manager="dorgu-bench")
    try:
        for number in range(min(NAMESPACES, containers)):
            client.create(Namespace.from_dict({"metadata": {"name": f"team-{number:02d}"}}))
        for index in range(containers):
            try:
                client.create(codecs.from_dict(_deployment(index)))
            except ApiError as error:
                if error.status.code != 409:
                    raise
        deadline = time.monotonic() + 900
        while True:
            running = sum(
                1
                for pod in client.list(Pod, namespace="*")
                if pod.status is not None and pod.status.phase == "Running"
            )
            if running >= containers:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {running} of {containers} Pods Running after 15 min")
            time.sleep(5)
        return time.perf_counter() - started
    finally:
        client.close()


def _pods(kubeconfig: Path) -> list[dict[str, Any]]:
    from lightkube import Client, KubeConfig
    from lightkube.resources.core_v1 import Pod

    client = Client(KubeConfig.from_file(kubeconfig))
    try:
        return [pod.to_dict() for pod in client.list(Pod, namespace="*")]
    finally:
        client.close()


def _lines(pods: list[dict[str, Any]], end: float, days: float) -> Iterator[str]:
    from dorgu.devcluster import histories
    from dorgu.formats.usagehistories import render_history

    containers = histories.containers_of_pods(pods, endpoints=("cadvisor",))
    return render_history(containers, end=end, days=days, step=STEP)


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str, float, float]:
    """Exit code, stdout, stderr, seconds and the peak RSS (MiB) of this one child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (process.returncode, out.read().decode(), err.read().decode(), elapsed,
                usage.ru_maxrss / 1024)  # fmt: skip


def _expected_krr(index: int, end: float, days: float) -> tuple[float, float]:
    """krr-simple on the synthetic history: p95 of the 10-min rate every 5 min (the mean of
    two consecutive 5-min factors), peak working set x 1.15, rounded up to 1m and 1 MiB."""
    import math
    import random

    from dorgu.formats.usagehistories import factors
    from dorgu.learning.rightsizing import quantile

    cpu, memory = _base(index)
    cpu_pattern, memory_pattern = KINDS[index % len(KINDS)]
    count = int(days * 86400 // STEP)
    first = math.floor((end - (count - 1) * STEP) / STEP) * STEP
    times = [first + i * STEP for i in range(count)]
    rng = random.Random(0)
    f = factors(cpu_pattern, times=times, start=times[0], period=86400.0, rng=rng)
    rates = [(a + b) / 2 * cpu / 1000 for a, b in itertools.pairwise(f)]
    m = factors(memory_pattern, times=times, start=times[0], period=86400.0, rng=rng)
    peak = max(m) * memory * MI * 1.15
    cpu_request = max(math.ceil(quantile(rates, 0.95) * 1000) / 1000, 0.010)  # floors: 10m,
    return cpu_request, max(math.ceil(peak / MI) * MI, 100 * MI)  # 100Mi


def _cpu(text: str | None) -> float:
    from dorgu.learning.rightsizing import parse_quantity

    return parse_quantity(text) or 0.0


def _spot_checks(records: list[dict[str, Any]], strategy: str, end: float, days: float,
                 containers: int) -> list[str]:  # fmt: skip
    """What disagrees with the known history (an empty list: all good)."""
    by_name = {(r["namespace"], r["name"]): r for r in records}
    problems: list[str] = []
    picks = [i for i in range(containers) if KINDS[i % len(KINDS)][0] in ("steady", "daily")][:8]
    for index in picks:
        record = by_name.get(_name(index))
        if record is None:
            problems.append(f"{_name(index)}: no record")
            continue
        got_cpu = _cpu(record["recommended"]["requests"]["cpu"])
        got_memory = _cpu(record["recommended"]["requests"]["memory"])
        cpu_pattern = KINDS[index % len(KINDS)][0]
        if strategy == "krr-simple":
            cpu, memory = _expected_krr(index, end, days)
            cpu_ok = abs(got_cpu - cpu) <= 0.002 + 0.01 * cpu
            memory_ok = abs(got_memory - memory) <= MI
        else:  # vpa: p90 x 1.15 of a 5 %-bucket histogram, daily peaks x 1.15
            base_cpu, base_memory = _base(index)
            p90 = base_cpu / 1000 * (1.0 if cpu_pattern == "steady" else 1.6)
            cpu_ok = p90 * 1.15 * 0.95 <= got_cpu <= p90 * 1.15 * 1.12
            memory_want = base_memory * MI * (1.0 if cpu_pattern == "steady" else 1.75) * 1.15
            memory_want = max(memory_want, 250 * MI)  # the VPA's per-pod minimum
            memory_ok = memory_want * 0.99 <= got_memory <= memory_want * 1.06
        if not (cpu_ok and memory_ok) or record["confidence"] < 1.0:
            problems.append(
                f"{record['namespace']}/{record['name']} ({cpu_pattern}): cpu {got_cpu:.3f}, "
                f"memory {got_memory / MI:.0f}Mi, confidence {record['confidence']}"
            )
    return problems


def run(containers: int = CONTAINERS, days: int = DAYS) -> list[dict[str, object]]:
    from dorgu.devcluster import building, locations
    from dorgu.devcluster.launching import ControlPlane
    from dorgu.errors import DorguError

    name = f"recommend_scale_{containers}x{days}d"
    try:
        binaries = building.find_binaries(env=locations.current_env())
    except DorguError as error:
        return [{"name": name, "ok": False, "error": str(error)}]
    needed = ("kube-scheduler", "kwok", "prometheus", "promtool")
    if binaries is None or any(binaries.path(n) is None for n in needed):
        return [{"name": name, "ok": False, "error": "no metrics testbed: run dorgu dev build"}]
    root = Path(tempfile.mkdtemp(prefix="dorgu-bench-recommend-"))
    plane = ControlPlane(binaries=binaries, root=root, simulated_nodes=containers // PODS_PER_NODE + 1, metrics=True,
                         metrics_endpoints=("cadvisor",), scrape_interval=SCRAPE_INTERVAL)  # fmt: skip
    try:
        started = time.perf_counter()
        plane.start()
        up = time.perf_counter() - started
        kubeconfig = plane.layout.kubeconfig
        create_s = _create(kubeconfig, containers)
        end = time.time() - 4 * 3600
        source = root / "history.om"
        started = time.perf_counter()
        with source.open("w", encoding="utf-8") as handle:
            handle.writelines(_lines(_pods(kubeconfig), end, days))
        generate_s = time.perf_counter() - started
        file_mib = source.stat().st_size / MI
        started = time.perf_counter()
        loaded = plane.backfill(source)
        backfill_s = time.perf_counter() - started
        source.unlink()
        setup = {"testbed_up_s": round(up, 1), "create_pods_s": round(create_s, 1),
                 "generate_s": round(generate_s, 1), "file_mib": round(file_mib),
                 "backfill_s": round(backfill_s, 1), "samples": loaded.samples}  # fmt: skip
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        env.pop("DORGU_PROMETHEUS_URL", None)
        rows: list[dict[str, object]] = []
        for strategy in ("krr-simple", "vpa"):
            argv = [sys.executable, "-m", "dorgu.cli.main", "-v", "recommend", "-A",
                    "--prometheus-url", str(plane.prometheus_url), "--history", f"{days}d",
                    "--step", "5m", "--strategy", strategy, "-o", "json"]  # fmt: skip
            code, out, err, seconds, rss = _run(argv, env)
            match = re.search(r"sent (\d+) Prometheus queries .* for (\d+) container", err)
            sent, counted = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            per = sent / counted if counted else float("inf")
            records = json.loads(out) if code == 0 else []
            problems = _spot_checks(records, strategy, end, days, containers) if code == 0 else []
            ok = (code == 0 and len(records) == containers and seconds <= TARGET_S
                  and rss <= TARGET_MIB and per <= TARGET_PER_CONTAINER and not problems)  # fmt: skip
            row: dict[str, object] = {
                "name": f"{name}_{strategy}", "ok": ok, "seconds": round(seconds, 1),
                "max_rss_mib": round(rss), "containers": counted, "records": len(records),
                "queries": sent, "queries_per_container": round(per, 3), "exit": code,
                "spot_check_failures": problems[:3], **setup,
            }  # fmt: skip
            if code != 0:
                row["stderr"] = err.strip().splitlines()[-1:] if err.strip() else []
            rows.append(row)
            setup = {}
        return rows
    except Exception as error:  # a benchmark reports (CI runs it in report mode), never crashes
        return [{"name": name, "ok": False, "error": f"{type(error).__name__}: {error}"}]
    finally:
        plane.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else CONTAINERS
    for result in run(count):
        print(result)
