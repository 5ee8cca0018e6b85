"""Benchmark: the operator at scale, against the testbed.

1,000 ApplicationPersonas and 1,000 Deployments (one per persona, spread over 10 namespaces)
exist before the operator starts; the clock runs from the operator's start until every persona
reports a reconciled status (``observedGeneration`` equal to its generation and one validated
target).  Targets: all reconciled within 60 s, operator peak memory (VmHWM) <= 150 MiB.
The operator runs standalone (one replica) with its webhook serving, as in a real install.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from benchmarks.objects import deployment, free_port, persona

PERSONAS = int(os.environ.get("DORGU_BENCH_PERSONAS", "1000"))
NAMESPACES = 10
TARGET_SECONDS = 60.0
TARGET_MEMORY_MIB = 150.0
TIMEOUT_SECONDS = 300.0


def _names() -> list[tuple[str, str]]:
    return [(f"scale-{i % NAMESPACES}", f"svc-{i}") for i in range(PERSONAS)]


async def _create_all(kubeconfig: Path) -> None:
    from dorgu.operator.connecting import connect

    connection = connect(kubeconfig=kubeconfig)
    queue: asyncio.Queue[tuple[str, dict[str, object]]] = asyncio.Queue()
    for namespace, name in _names():
        queue.put_nowait((f"/apis/apps/v1/namespaces/{namespace}/deployments",
                          deployment(name, app=name, namespace=namespace, replicas=1)))  # fmt: skip
        queue.put_nowait((f"/apis/dorgu.io/v1/namespaces/{namespace}/applicationpersonas",
                          persona(name, mode="audit", namespace=namespace)))  # fmt: skip

    async def worker() -> None:
        async with connection.http_client() as http:
            while not queue.empty():
                path, body = queue.get_nowait()
                response = await http.post(path, json=body)
                if response.status_code != 201:
                    raise RuntimeError(f"create {path}: {response.status_code} {response.text}")

    await asyncio.gather(*(worker() for _ in range(20)))


async def _reconciled(kubeconfig: Path) -> int:
    from dorgu.operator.connecting import connect

    connection = connect(kubeconfig=kubeconfig)
    async with connection.http_client() as http:
        response = await http.get("/apis/dorgu.io/v1/applicationpersonas")
        items = response.json().get("items") or []
    done = 0
    for item in items:
        status = item.get("status") or {}
        targets = (status.get("validation") or {}).get("targets") or []
        if (
            status.get("observedGeneration") == item["metadata"].get("generation")
            and len(targets) == 1
        ):
            done += 1
    return done


def _memory_mib(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of ``pid`` in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def bench_scale() -> dict[str, object]:
    from lightkube import Client, KubeConfig, codecs

    from dorgu.crds import crd_files
    from dorgu.devcluster import building, locations
    from dorgu.devcluster.launching import ControlPlane

    root = Path(tempfile.mkdtemp(prefix="dorgu-bench-scale-"))
    plane = ControlPlane(binaries=building.ensure_binaries(env=locations.current_env()), root=root)
    plane.start()
    process: subprocess.Popen[bytes] | None = None
    try:
        kubeconfig = plane.layout.kubeconfig
        kube = Client(KubeConfig.from_file(kubeconfig), field_manager="bench", trust_env=False)
        for text in crd_files().values():
            kube.apply(codecs.from_dict(yaml.safe_load(text)), force=True)
        for namespace in ["dorgu-bench", *sorted({ns for ns, _ in _names()})]:
            kube.create(codecs.from_dict({"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": namespace}}))  # fmt: skip
        kube.close()
        time.sleep(2)  # CRDs established
        started = time.monotonic()
        asyncio.run(_create_all(kubeconfig))
        created_in = time.monotonic() - started
        port = free_port()
        args = [sys.executable, "-m", "dorgu.cli.main", "operator", "run", "--kubeconfig", str(kubeconfig),
                "--namespace", "dorgu-bench", "--webhook-host", "127.0.0.1", "--webhook-port", "0",
                "--metrics-port", str(port), "--standalone"]  # fmt: skip
        log = root / "operator.log"
        started = time.monotonic()
        process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        done, elapsed = 0, 0.0
        while time.monotonic() - started < TIMEOUT_SECONDS:
            if process.poll() is not None:
                raise RuntimeError(f"operator exited: {log.read_text()[-2000:]}")
            done = asyncio.run(_reconciled(kubeconfig))
            elapsed = time.monotonic() - started
            if done == PERSONAS:
                break
            time.sleep(0.5)
        time.sleep(5)  # steady state after the initial reconcile
        peak, current = _memory_mib(process.pid)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            scraped = r.read().decode()
        writes = sum(float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines()
                     if line.startswith("dorgu_status_writes_total{"))  # fmt: skip
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        plane.stop()
        shutil.rmtree(root, ignore_errors=True)
    return {
        "name": f"operator_{PERSONAS}_personas_{PERSONAS}_deployments",
        "cores": os.cpu_count(),
        "objects_created_in_s": round(created_in, 1),
        "reconciled": done,
        "seconds_to_all_reconciled": round(elapsed, 1),
        "status_writes": int(writes),
        "peak_rss_mib": round(peak, 1),
        "rss_after_mib": round(current, 1),
        "target_s": TARGET_SECONDS,
        "target_memory_mib": TARGET_MEMORY_MIB,
        "ok": done == PERSONAS and elapsed <= TARGET_SECONDS and peak <= TARGET_MEMORY_MIB,
    }


def run() -> list[dict[str, object]]:
    try:
        return [bench_scale()]
    except Exception as error:  # no testbed binaries: report, do not hide
        return [{"name": "operator_personas_deployments_scale", "ok": False,
                 "error": f"{type(error).__name__}: {error}"}]  # fmt: skip


if __name__ == "__main__":
    for row in run():
        print(row)
