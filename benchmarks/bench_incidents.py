"""Benchmark: the pure incident pipeline under a storm, and the worst-case object size.

- storm: 500 Pods across 50 Deployments, every one OOM-crash-looping, plus one liveness-probe
  Event per Pod: ``detect_all`` + ``correlate`` + ``record`` must give exactly 50 incidents
  (one per Deployment), in at most 0.5 s of CPU per pass (median of 5; the operator runs this
  on every batch of informer changes); a second pass over unchanged objects must record nothing;
- size: an IncidentMemory with every bounded list full of maximum-length strings, as JSON; it
  must stay far below etcd's 1.5 MiB request limit (target: at most 512 KiB; eight
  conditions with Kubernetes' 32 KiB messages are most of it);
- operator storm (the testbed: etcd, kube-apiserver, kube-controller-manager; no kubelet):
  50 Deployments of 10 replicas exist, the operator runs (standalone, no webhook), then all 500
  Pods are made to OOM-crash-loop at once (status written through the status subresource, as
  a kubelet does).  Must give exactly 50 IncidentMemory objects, each naming all its Pods;
  reported: the IncidentMemory API writes (by verb, from the operator's metrics) per incident
  (target: at most 6), the operator's peak and final RSS (target: at most 200 MiB), the time
  from the last Pod status write until every incident names all its Pods (target: 15 s; the
  Pods fail in a shuffled order, interleaved across Deployments), and the pipeline latency (first change of a batch -> incident written; p50/p99/max).
  ``run(quick=True)`` (CI) runs 10 Deployments of 5 replicas.
- list: 10,000 stored IncidentMemory objects (``DORGU_BENCH_INCIDENTS``; 2,000 in the reduced
  CI run) in a testbed API server, 20 namespaces, each a realistic episode from ``record``
  (three pods, evidence, contributing signals; a third of them Resolved through the status
  subresource); ``list_incident_rows(all_namespaces=True)`` (what ``dorgu incidents list -A``
  runs: the API server's Table form, pages of 1,000 rows with ``limit``/``continue``, sorted open
  first) must take at most 1 s of wall-clock time (median of 5, after one warm-up).  The
  CPU seconds the listing costs the client and the testbed's kube-apiserver are reported too:
  on a machine shared with other work, wall-clock time mostly measures the queue for a core.  The full
  objects (``-o json``: every object fetched and validated) are timed too, for the record.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks.objects import deployment, free_port
from dorgu.learning.incidents import ObjectRef, correlate, detect_all, record
from dorgu.models import incidents as im
from dorgu.models.personas_base import dump_wire

DEPLOYMENTS = 50
PODS_PER_DEPLOYMENT = 10
TARGET_SECONDS = 0.5
TARGET_BYTES = 512 * 1024
LISTED = int(os.environ.get("DORGU_BENCH_INCIDENTS", "10000"))
LIST_NAMESPACES = 20
TARGET_LIST_SECONDS = 1.0
NOW = datetime(2026, 1, 5, 10, 5, tzinfo=UTC)
T0 = "2026-01-05T10:00:00Z"


def _pod(deployment: str, index: int) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": f"{deployment}-6b7c9-{index}",
            "namespace": "storm",
            "labels": {"app.kubernetes.io/name": deployment, "pod-template-hash": "6b7c9"},
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": f"{deployment}-6b7c9", "controller": True}
            ],
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "OOMKilled", "finishedAt": T0}},
                }
            ],
        },
    }


def _event(pod: dict[str, Any]) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    return {
        "kind": "Event",
        "metadata": {"name": f"{name}.1", "namespace": "storm", "uid": f"uid-{name}"},
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "storm"},
        "reason": "Unhealthy",
        "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "lastTimestamp": T0,
    }


def _storm() -> tuple[list[dict[str, Any]], dict[ObjectRef, dict[str, Any]]]:
    pods = [_pod(f"svc-{d:02d}", i) for d in range(DEPLOYMENTS) for i in range(PODS_PER_DEPLOYMENT)]
    by_ref = {ObjectRef("Pod", "storm", p["metadata"]["name"]): p for p in pods}
    return pods + [_event(p) for p in pods], by_ref


def _pass(
    objects: list[dict[str, Any]],
    pods: dict[ObjectRef, dict[str, Any]],
    stored: dict[str, im.IncidentMemory],
) -> list[im.IncidentMemory]:
    written = []
    for draft in correlate(detect_all(objects, pods=pods), now=NOW, cluster="bench"):
        history = [stored[draft.fingerprint]] if draft.fingerprint in stored else []
        incident = record(draft, history, now=NOW, namespace="dorgu-system")
        if incident is not None:
            written.append(incident)
    return written


def _largest() -> int:
    text = "x" * im.MAX_DETAIL
    name = "n" * im.MAX_NAME
    resource = im.AffectedResource(kind="K" * 63, name=name, namespace="s" * 63, role="r" * 63)
    evidence = im.Evidence(signal="S" * 63, resource="r" * 318, reason="R" * 63, message=text)
    occurrence = im.Occurrence(signal="S" * 63, resource="r" * 318, token="t" * 126, at=NOW)
    condition = {
        "type": "T" * 300,
        "status": "True",
        "lastTransitionTime": NOW,
        "reason": "R" * 1024,
        "message": "m" * 32768,
    }
    incident = im.IncidentMemory(
        metadata={"name": name, "namespace": "storm"},  # type: ignore[arg-type]
        spec=im.IncidentMemorySpec(
            category=im.IncidentCategory.RESOURCE,
            detection=im.Detection(
                signal="S" * 63,
                first_seen=NOW,
                last_seen=NOW,
                affected_resources=[resource] * im.MAX_AFFECTED_RESOURCES,
                evidence=[evidence] * im.MAX_EVIDENCE,
            ),
            root_cause=im.RootCause(
                summary="s" * im.MAX_TEXT,
                contributing=[im.ContributingSignal(signal="S" * 63, detail=text)]
                * im.MAX_CONTRIBUTING,
            ),
            resolution=im.Resolution(action=text, note="n" * im.MAX_TEXT, resolved_by=name),
        ),
        status=im.IncidentMemoryStatus(
            recent_occurrences=[occurrence] * im.MAX_RECENT_OCCURRENCES,
            conditions=[condition] * im.MAX_CONDITIONS,  # type: ignore[list-item]
        ),
    )
    return len(json.dumps(dump_wire(incident)).encode("utf-8"))


STORM_TARGET_SECONDS = 15.0
"""From the last Pod status write until every incident names all its Pods (an open incident is
rewritten at most every 10 s, so a Pod failing just after its incident's write waits that)."""
STORM_TARGET_WRITES_PER_INCIDENT = 6.0
STORM_TARGET_MEMORY_MIB = 200.0
STORM_TIMEOUT_SECONDS = 180.0
STORM_NAMESPACE = "storm"


def _crash_looping(image: str, at: str) -> dict[str, Any]:
    condition = [{"type": t, "status": s, "lastTransitionTime": at}
                 for t, s in (("PodScheduled", "True"), ("Ready", "False"))]  # fmt: skip
    return {"status": {
        "phase": "Running",
        "conditions": condition,
        "containerStatuses": [{
            "name": "app", "image": image, "imageID": "", "ready": False, "started": False,
            "restartCount": 1,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                         "startedAt": at, "finishedAt": at}},
        }],
    }}  # fmt: skip


async def _storm_requests(kubeconfig: Path, requests: list[tuple[str, str, object]]) -> None:
    from dorgu.operator.connecting import connect

    connection = connect(kubeconfig=kubeconfig)
    queue: asyncio.Queue[tuple[str, str, object]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)

    async def worker() -> None:
        async with connection.http_client() as http:
            while not queue.empty():
                method, path, body = queue.get_nowait()
                headers = (
                    {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else {}
                )
                response = await http.request(method, path, json=body, headers=headers)
                if response.status_code >= 300:
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")

    await asyncio.gather(*(worker() for _ in range(16)))


async def _get(kubeconfig: Path, path: str) -> list[dict[str, Any]]:
    from dorgu.operator.connecting import connect

    async with connect(kubeconfig=kubeconfig).http_client() as http:
        response = await http.get(path)
        items = response.json().get("items") or []
    return [i for i in items if isinstance(i, dict)]


def _complete(incidents: list[dict[str, Any]], replicas: int) -> int:
    done = 0
    for item in incidents:
        resources = item.get("spec", {}).get("detection", {}).get("affectedResources") or []
        if sum(1 for r in resources if r.get("kind") == "Pod") >= replicas:
            done += 1
    return done


def _scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(("dorgu_incident_writes{", "dorgu_incident_latency_seconds{")):
            series, _, value = line.rpartition(" ")
            found[series] = float(value)
    return found


def _memory_mib(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)  # fmt: skip
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (the operator's own cost, whatever the machine's load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"operator exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"operator not ready: {log.read_text()[-2000:]}")


def bench_operator_storm(
    deployments: int = DEPLOYMENTS, replicas: int = PODS_PER_DEPLOYMENT
) -> dict[str, object]:
    import yaml
    from lightkube import Client, KubeConfig, codecs

    from dorgu.crds import crd_files
    from dorgu.devcluster import building, locations
    from dorgu.devcluster.launching import ControlPlane

    root = Path(tempfile.mkdtemp(prefix="dorgu-bench-incidents-"))
    plane = ControlPlane(binaries=building.ensure_binaries(env=locations.current_env()), root=root)
    plane.start()
    process: subprocess.Popen[bytes] | None = None
    pods_path = f"/api/v1/namespaces/{STORM_NAMESPACE}/pods"
    incidents_path = f"/apis/dorgu.io/v1/namespaces/{STORM_NAMESPACE}/incidentmemories"
    try:
        kubeconfig = plane.layout.kubeconfig
        kube = Client(KubeConfig.from_file(kubeconfig), field_manager="bench", trust_env=False)
        for text in crd_files().values():
            kube.apply(codecs.from_dict(yaml.safe_load(text)), force=True)
        for namespace in ("dorgu-bench", STORM_NAMESPACE):
            kube.create(codecs.from_dict({"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": namespace}}))  # fmt: skip
        kube.close()
        time.sleep(2)  # CRDs established
        creates: list[tuple[str, str, object]] = [
            ("POST", f"/apis/apps/v1/namespaces/{STORM_NAMESPACE}/deployments",
             deployment(f"svc-{d:02d}", app=f"svc-{d:02d}", namespace=STORM_NAMESPACE, replicas=replicas))
            for d in range(deployments)
        ]  # fmt: skip
        asyncio.run(_storm_requests(kubeconfig, creates))
        total = deployments * replicas
        deadline = time.monotonic() + STORM_TIMEOUT_SECONDS
        while len(pods := asyncio.run(_get(kubeconfig, pods_path))) < total:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(pods)} of {total} pods were created")
            time.sleep(1)
        port = free_port()
        args = [sys.executable, "-m", "dorgu.cli.main", "operator", "run", "--kubeconfig", str(kubeconfig),
                "--namespace", "dorgu-bench", "--no-webhook", "--metrics-port", str(port), "--standalone"]  # fmt: skip
        log = root / "operator.log"
        process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        _wait_ready(port, process, log)
        time.sleep(3)  # the incident caches synced and the first (empty) batches done
        cpu_before = _cpu_seconds(process.pid)
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        patches: list[tuple[str, str, object]] = [
            ("PATCH", f"{pods_path}/{p['metadata']['name']}/status",
             _crash_looping(p["spec"]["containers"][0]["image"], at))
            for p in pods
        ]  # fmt: skip
        random.Random(14).shuffle(patches)  # the pods of all Deployments fail interleaved
        started = time.monotonic()
        asyncio.run(_storm_requests(kubeconfig, patches))
        written_in = time.monotonic() - started
        last_write = time.monotonic()
        complete, elapsed, after, incidents = 0, 0.0, 0.0, []
        while time.monotonic() - started < STORM_TIMEOUT_SECONDS:
            if process.poll() is not None:
                raise RuntimeError(f"operator exited: {log.read_text()[-2000:]}")
            incidents = asyncio.run(_get(kubeconfig, incidents_path))
            complete, elapsed = _complete(incidents, replicas), time.monotonic() - started
            after = time.monotonic() - last_write
            if complete == deployments:
                break
            time.sleep(0.5)
        time.sleep(15)  # past the update interval: any late writes are in
        incidents = asyncio.run(_get(kubeconfig, incidents_path))
        peak, current = _memory_mib(process.pid)
        cpu = _cpu_seconds(process.pid) - cpu_before
        metrics = _scrape(port)
        load = os.getloadavg()[0]
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        plane.stop()
        shutil.rmtree(root, ignore_errors=True)
    writes = {
        k.split('"')[1]: int(v) for k, v in metrics.items() if k.startswith("dorgu_incident_writes")
    }
    latency = {k.split('"')[1]: round(v, 3) for k, v in metrics.items()
               if k.startswith("dorgu_incident_latency_seconds")}  # fmt: skip
    per_incident = sum(writes.values()) / max(len(incidents), 1)
    return {
        "name": f"incidents_operator_storm_{deployments * replicas}_pods_{deployments}_deployments",
        "cores": os.cpu_count(),
        "pods": deployments * replicas,
        "pod_status_writes_s": round(written_in, 1),
        "incidents": len(incidents),
        "complete_incidents": complete,
        "seconds_to_all_complete": round(elapsed, 1),
        "seconds_after_last_pod_write": round(after, 1),
        "api_writes": sum(writes.values()),
        "api_writes_by_verb": writes,
        "api_writes_per_incident": round(per_incident, 2),
        "latency_s": latency,
        "operator_cpu_s": round(cpu, 1),
        "load_average_1m": round(load, 1),
        "peak_rss_mib": round(peak, 1),
        "rss_after_mib": round(current, 1),
        "target_s": STORM_TARGET_SECONDS,
        "target_writes_per_incident": STORM_TARGET_WRITES_PER_INCIDENT,
        "target_memory_mib": STORM_TARGET_MEMORY_MIB,
        "ok": len(incidents) == deployments
        and complete == deployments
        and after <= STORM_TARGET_SECONDS
        and per_incident <= STORM_TARGET_WRITES_PER_INCIDENT
        and peak <= STORM_TARGET_MEMORY_MIB,
    }


def _template() -> dict[str, Any]:
    objects, pods = _storm()
    (first, *_) = _pass(objects[:3] + objects[500:503], pods, {})
    return dump_wire(first)


def _stored_incident(template: dict[str, Any], index: int) -> tuple[dict[str, Any], bool]:
    body = json.loads(json.dumps(template))
    namespace = f"incidents-{index % LIST_NAMESPACES:02d}"
    fingerprint = f"{index:032x}"
    body["metadata"] = {
        "name": f"svc-{index:05d}-{fingerprint[-10:]}-1",
        "namespace": namespace,
        "labels": {im.FINGERPRINT_LABEL: fingerprint, "app.kubernetes.io/managed-by": "dorgu"},
    }
    body["spec"]["fingerprint"] = fingerprint
    body["spec"]["workload"]["name"] = f"svc-{index:05d}"
    body["spec"]["workload"]["namespace"] = namespace
    resolved = index % 3 == 0
    if resolved:
        body["status"]["phase"] = "Resolved"
        body["status"]["resolvedAt"] = body["spec"]["detection"]["lastSeen"]
    return body, resolved


def _apiserver_cpu(server: str) -> float:
    """CPU seconds (user + system) the testbed's kube-apiserver has used so far."""
    port = server.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if (
            argv
            and argv[0].endswith(b"kube-apiserver")
            and f"--secure-port={port}".encode() in argv
        ):
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def _create(client: Any, template: dict[str, Any], index: int) -> None:
    body, _ = _stored_incident(template, index)
    created = client.create(body)
    created["status"] = body["status"]
    client.replace(created, status=True)


def bench_list(count: int = LISTED) -> dict[str, object]:
    from lightkube import Client, KubeConfig, codecs

    from dorgu.clients import ConnectionOptions, connect
    from dorgu.crds import crd_files
    from dorgu.devcluster import building, locations
    from dorgu.devcluster.launching import ControlPlane
    from dorgu.services.incidents import list_incident_rows, list_incidents

    root = Path(tempfile.mkdtemp(prefix="dorgu-bench-incidents-"))
    plane = ControlPlane(binaries=building.ensure_binaries(env=locations.current_env()), root=root)
    plane.start()
    try:
        kubeconfig = plane.layout.kubeconfig
        admin = Client(KubeConfig.from_file(kubeconfig), field_manager="bench", trust_env=False)
        for text in crd_files().values():
            admin.apply(codecs.from_dict(yaml.safe_load(text)), force=True)
        for n in range(LIST_NAMESPACES):
            admin.create(codecs.from_dict({"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": f"incidents-{n:02d}"}}))  # fmt: skip
        admin.close()
        time.sleep(2)  # CRDs established
        template = _template()
        options = ConnectionOptions(kubeconfig=kubeconfig, timeout_seconds=60)
        workers = [connect(options) for _ in range(8)]
        started = time.monotonic()
        with ThreadPoolExecutor(len(workers)) as pool:
            list(pool.map(lambda i: _create(workers[i % len(workers)], template, i), range(count)))
        created_in = time.monotonic() - started
        for worker in workers:
            worker.close()
        client = connect(options)
        timings, listing, client_cpu, server_cpu = [], None, [], []
        for attempt in range(6):
            server_before, cpu_before = _apiserver_cpu(plane.server), time.process_time()
            started = time.monotonic()
            listing = list_incident_rows(client=client, all_namespaces=True)
            if attempt:  # the first run warms the API server's and the client's caches
                timings.append(time.monotonic() - started)
                client_cpu.append(time.process_time() - cpu_before)
                server_cpu.append(_apiserver_cpu(plane.server) - server_before)
        started = time.monotonic()
        full = list_incidents(client=client, all_namespaces=True)
        full_seconds = time.monotonic() - started
        client.close()
    finally:
        plane.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert listing is not None
    median = statistics.median(timings)
    opened = sum(1 for row in listing.rows if row.open)
    order_ok = all(row.open for row in listing.rows[:opened]) and opened == count - (count + 2) // 3
    return {
        "name": f"incidents_list_{count}",
        "stored": count,
        "listed": len(listing.rows),
        "open": opened,
        "pages": listing.pages,
        "created_in_s": round(created_in, 1),
        "seconds_p50": round(median, 3),
        "seconds_max": round(max(timings), 3),
        "client_cpu_seconds_p50": round(statistics.median(client_cpu), 3),
        "apiserver_cpu_seconds_p50": round(statistics.median(server_cpu), 3),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "target_seconds": TARGET_LIST_SECONDS,
        "ratio_to_target": round(median / TARGET_LIST_SECONDS, 3),
        "full_objects_seconds": round(full_seconds, 3),
        "full_objects_listed": len(full.incidents),
        "ok": len(listing.rows) == count and order_ok and median <= TARGET_LIST_SECONDS,
    }


def run_list(count: int = LISTED) -> list[dict[str, object]]:
    try:
        return [bench_list(count)]
    except Exception as error:  # no testbed binaries: report, do not hide
        return [{"name": f"incidents_list_{count}", "ok": False,
                 "error": f"{type(error).__name__}: {error}"}]  # fmt: skip


def _operator_storm(quick: bool) -> dict[str, object]:
    try:
        return bench_operator_storm(*((10, 5) if quick else (DEPLOYMENTS, PODS_PER_DEPLOYMENT)))
    except Exception as error:  # no testbed binaries: report, do not hide
        return {"name": "incidents_operator_storm", "ok": False,
                "error": f"{type(error).__name__}: {error}"}  # fmt: skip


def run(
    *, quick: bool = False, operator: bool = True, list_count: int = LISTED
) -> list[dict[str, object]]:
    objects, pods = _storm()
    timings = []
    first: list[im.IncidentMemory] = []
    for _ in range(5):
        start = time.process_time()
        first = _pass(objects, pods, {})
        timings.append(time.process_time() - start)
    stored = {i.spec.fingerprint or "": i for i in first}
    again = _pass(objects, pods, stored)
    median = statistics.median(timings)
    size = _largest()
    return [
        {
            "name": "incidents_storm",
            "pods": len(pods),
            "signals_objects": len(objects),
            "incidents": len(first),
            "rewritten_on_resync": len(again),
            "cpu_seconds_p50": round(median, 4),
            "cpu_seconds_max": round(max(timings), 4),
            "target_seconds": TARGET_SECONDS,
            "ratio_to_target": round(median / TARGET_SECONDS, 3),
            "ok": len(first) == DEPLOYMENTS and not again and median <= TARGET_SECONDS,
        },
        {
            "name": "incidents_max_object_bytes",
            "bytes": size,
            "target_bytes": TARGET_BYTES,
            "ratio_to_target": round(size / TARGET_BYTES, 3),
            "ok": size <= TARGET_BYTES,
        },
        *([_operator_storm(quick)] if operator else []),
        *(run_list(list_count) if operator else []),
    ]
